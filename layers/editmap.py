"""The map a place's position is corrected on: its surroundings, its current shape, and Leaflet.draw speaking Chinese.

Leaflet.draw (vendored by folium-offline, served locally) is the one drawing tool whose events streamlit-folium
passes back: after a shape is drawn, edited (编辑 → 保存) or deleted, `all_drawings` holds every shape of the
drawing group. So the group *is* the proposed position: empty when drawing anew, pre-filled with the place's
current shape (one Leaflet layer per part, so each part can be edited or deleted) when editing it. Geoman is
vendored too, but its pm:* events never reach Python.
"""

from __future__ import annotations

import folium
import geopandas as gpd
from branca.element import MacroElement
from folium import plugins
from folium.template import Template
from shapely.geometry import mapping

from core.declarations import BY_ID, LayerSpec, by_role
from geo.crs import WEB
from layers.catalog import Catalog
from layers.mapview import MetricScale, feature_collection

#: Every text Leaflet.draw shows, in Chinese (its own strings are English); replaces L.drawLocal before the control is made.
DRAW_LOCALE = {
    "draw": {
        "toolbar": {
            "actions": {"title": "取消绘制", "text": "取消"},
            "finish": {"title": "完成绘制", "text": "完成"},
            "undo": {"title": "删除上一个点", "text": "删除上一个点"},
            "buttons": {"polyline": "画线", "polygon": "画面", "rectangle": "画矩形", "circle": "画圆",
                        "marker": "放置点", "circlemarker": "放置点"},
        },
        "handlers": {
            "circle": {"tooltip": {"start": "按住并拖动画圆。"}, "radius": "半径"},
            "circlemarker": {"tooltip": {"start": "点击地图放置点。"}},
            "marker": {"tooltip": {"start": "点击地图放置点。"}},
            "polygon": {"tooltip": {"start": "点击开始画面。", "cont": "点击继续画面。", "end": "点击第一个点闭合此面。"}},
            "polyline": {"error": "<strong>错误：</strong>边不能相交！",
                         "tooltip": {"start": "点击开始画线。", "cont": "点击继续画线。", "end": "点击最后一个点结束画线。"}},
            "rectangle": {"tooltip": {"start": "按住并拖动画矩形。"}},
            "simpleshape": {"tooltip": {"end": "松开鼠标完成绘制。"}},
        },
    },
    "edit": {
        "toolbar": {
            "actions": {"save": {"title": "保存修改", "text": "保存"}, "cancel": {"title": "取消编辑，放弃全部修改", "text": "取消"},
                        "clearAll": {"title": "清除全部图形", "text": "全部清除"}},
            "buttons": {"edit": "修改图形", "editDisabled": "没有可修改的图形", "remove": "删除图形",
                        "removeDisabled": "没有可删除的图形"},
        },
        "handlers": {
            "edit": {"tooltip": {"text": "拖动节点修改图形。", "subtext": "点击“取消”放弃修改。"}},
            "remove": {"tooltip": {"text": "点击要删除的图形。"}},
        },
    },
}
#: How the position before correcting is drawn beside the new one: grey, dashed, not filled.
REFERENCE_STYLE = {"color": "#555555", "weight": 2, "dashArray": "4 6", "fill": False, "opacity": 0.9}
CANDIDATE_COLOR = "#e8590c"


class DrawLocale(MacroElement):
    """Leaflet.draw's texts in Chinese (must come before the draw control on the map)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        L.drawLocal = {{ this.locale|tojson }};
        {% endmacro %}
    """)

    def __init__(self):
        super().__init__()
        self.locale = DRAW_LOCALE


class EditableShape(MacroElement):
    """The place's current shape put into the drawing group, one Leaflet layer per part, so Leaflet.draw can edit it."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        L.geoJSON({{ this.data|tojson }}, {
            style: function () { return {{ this.style|tojson }}; },
            pointToLayer: function (f, ll) { return L.circleMarker(ll, {{ this.style|tojson }}); }
        }).eachLayer(function (layer) { {{ this.group.get_name() }}.addLayer(layer); });
        {% endmacro %}
    """)

    def __init__(self, geometry, group: folium.FeatureGroup, style: dict):
        super().__init__()
        parts = list(getattr(geometry, "geoms", [geometry]))
        self.data = {"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"part": i + 1}, "geometry": mapping(p)} for i, p in enumerate(parts)]}
        self.group = group
        self.style = style


def draw_options(spec: LayerSpec) -> dict:
    """The drawing tools a layer's geometry allows: 面 (polygon, rectangle), 线 (polyline) or 点 (circle marker)."""
    shape = {"color": CANDIDATE_COLOR, "weight": 3, "fillOpacity": 0.2}
    return {
        "polygon": {"allowIntersection": False, "showArea": False, "shapeOptions": shape} if spec.geometry == "Polygon" else False,
        "rectangle": {"showArea": False, "shapeOptions": shape} if spec.geometry == "Polygon" else False,
        "polyline": {"showLength": False, "shapeOptions": shape} if spec.geometry == "LineString" else False,
        "circlemarker": {"color": CANDIDATE_COLOR, "radius": 8} if spec.geometry == "Point" else False,
        "circle": False,
        "marker": False,
    }


def _context(m: folium.Map, catalog: Catalog, spec: LayerSpec, place_id: str) -> None:
    """The city, the lake, the township areas and the place's own layer (the place itself left out), drawn faintly."""
    for role in ("city", "water", "town_areas"):
        base = by_role(role)
        gdf = catalog.role(role) if role != "city" else catalog.city_outline()
        folium.GeoJson(feature_collection(gdf, base), name=base.title, control=False, interactive=False,
                       style_function=lambda _f, s=base: {"color": s.color, "weight": 1, "fill": s.role == "water",
                                                          "fillColor": s.fill_color or s.color, "fillOpacity": 0.3}).add_to(m)
    others = catalog.layers[spec.id]
    others = others[others["id"] != place_id]
    if not others.empty:
        folium.GeoJson(feature_collection(others, spec), name=spec.title, control=False, interactive=False,
                       style_function=lambda f: {"color": spec.color, "weight": 1, "opacity": 0.5, "fillOpacity": 0.05,
                                                 "dashArray": f["properties"]["_dash"]},
                       marker=folium.CircleMarker(radius=4) if spec.geometry == "Point" else None).add_to(m)


def edit_map(catalog: Catalog, place_id: str, mode: str, candidate=None, height: int = 600) -> folium.Map:
    """The drawing map of one place: mode "draw" (an empty drawing group, the current shape as a dashed reference),
    "edit" (the current shape in the drawing group) or "adopt" (no drawing: `candidate`, a chosen feature, previewed)."""
    place = catalog.places[catalog.places["id"] == place_id].iloc[0]
    spec = BY_ID[place["layer"]]
    feature = catalog.feature(place_id)
    current = feature["geometry"] if feature is not None else None
    m = folium.Map(location=(31.60, 117.75), zoom_start=10, tiles=None, control_scale=False, height=height)
    MetricScale().add_to(m)
    _context(m, catalog, spec, place_id)
    shown = [g for g in (current, candidate) if g is not None]
    if current is not None and mode != "edit":
        folium.GeoJson(mapping(current), name="现位置", control=False, interactive=False,
                       style_function=lambda _f: REFERENCE_STYLE,
                       marker=folium.CircleMarker(radius=7) if spec.geometry == "Point" else None).add_to(m)
    if mode == "adopt":
        if candidate is not None:
            style = {"color": CANDIDATE_COLOR, "weight": 3, "fillOpacity": 0.2}
            folium.GeoJson(mapping(candidate), name="拟采用", control=False, interactive=False,
                           style_function=lambda _f: style,
                           marker=folium.CircleMarker(radius=8) if spec.geometry == "Point" else None).add_to(m)
    else:
        group = folium.FeatureGroup(name="新位置", control=False).add_to(m)
        if mode == "edit" and current is not None:
            EditableShape(current, group, {"color": CANDIDATE_COLOR, "weight": 3, "fillOpacity": 0.2, "radius": 8}).add_to(m)
        DrawLocale().add_to(m)
        plugins.Draw(feature_group=group, position="topleft", show_geometry_on_click=False, draw_options=draw_options(spec),
                     edit_options={"poly": {"allowIntersection": False}}).add_to(m)
    focus = shown
    parent = catalog.feature(place["parent"]) if place.get("parent") else None
    if not focus and parent is not None:
        focus = [parent["geometry"]]
    if not focus:
        focus = list(catalog.city_outline().geometry)
    minx, miny, maxx, maxy = gpd.GeoSeries(focus, crs=catalog.town_areas.crs).to_crs(WEB).total_bounds
    pad = max(maxx - minx, maxy - miny, 0.01) * 0.25
    m.fit_bounds([[miny - pad, minx - pad], [maxy + pad, maxx + pad]])
    return m

