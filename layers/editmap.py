"""The map a place's position is corrected on: its surroundings, its current shape, and Leaflet.draw speaking Chinese.

The surroundings are the township areas, the lake, the city outline and every other plan place (roads, parks,
towns …), drawn faintly and not clickable, with the towns' and places' names, over the online basemap the map page
uses when one is chosen; the map opens on the place (its parent, or the city, when it has no position yet), a point
with a few kilometres of its neighbourhood. Over a GCJ-02 basemap (高德) everything is drawn shifted to GCJ-02 and
what is drawn comes back shifted to CGCS2000 (`unshifted`).

Leaflet.draw (vendored by folium-offline, served locally) is the one drawing tool whose events streamlit-folium
passes back: after a shape is drawn, edited (编辑 → 保存) or deleted, `all_drawings` holds every shape of the
drawing group. So the group *is* the proposed position: empty when drawing anew, pre-filled with the place's
current shape (one Leaflet layer per part, so each part can be edited or deleted) when editing it. Geoman is
vendored too, but its pm:* events never reach Python.
"""

from __future__ import annotations

import math

import folium
import geopandas as gpd
from branca.element import MacroElement
from folium import plugins
from folium.template import Template
from shapely.geometry import mapping

from core.declarations import BY_ID, PLAN_LAYER_IDS, LayerSpec, by_role
from core.templates import static_text
from geo.chinacoords import from_gcj02, to_gcj02
from geo.crs import STORAGE, WEB
from layers.catalog import Catalog
from layers.mapview import BASEMAPS, CLIENT_CSS, MetricScale, add_basemap, feature_collection

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
#: How the surroundings are drawn: the base layers by role, then every plan place in its layer's colour, faintly.
CONTEXT_ROLES = ("town_areas", "water", "city")
CONTEXT_OPACITY = 0.55
#: From this zoom on the plan places' names are shown (the towns' names always).
PLACE_LABEL_ZOOM = 12
#: The least the map shows around a place when it opens (km across): a point or a small park with its neighbourhood.
MIN_VIEW_KM = 3.0


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


class EditMapClient(MacroElement):
    """The drawing map's behaviour in the browser (layers/static/edit_map.js): the towns' and plan places' names (set
    as text, never as HTML, not clickable) and the opening view, fitted again when the frame gets its size; on the map
    page's paper-coloured background (its style sheet)."""

    _template = Template("""
        {% macro header(this, kwargs) %}<style>{{ this.css }}</style>{% endmacro %}
        {% macro script(this, kwargs) %}
        {{ this.js }}
        chaohuEditMap({{ this._parent.get_name() }}, {{ this.config|tojson }});
        {% endmacro %}
    """)

    def __init__(self, config: dict):
        super().__init__()
        self.config = config
        self.js, self.css = static_text("layers", "edit_map.js"), CLIENT_CSS + static_text("layers", "edit_map.css")


def _shift(gdf: gpd.GeoDataFrame, gcj02: bool) -> gpd.GeoDataFrame:
    out = gdf.to_crs(WEB)
    return to_gcj02(out) if gcj02 else out


def unshifted(geometry, basemap: str):
    """A geometry drawn on the map over `basemap` in CGCS2000 (shifted back from GCJ-02 over 高德; None stays None)."""
    if geometry is None or not BASEMAPS[basemap][3]:
        return geometry
    return from_gcj02(gpd.GeoDataFrame(geometry=[geometry], crs=WEB)).geometry.iloc[0]


def base_context(catalog: Catalog, gcj02: bool = False) -> dict:
    """The surroundings that no correction moves, as data for the browser: `layers`, [(layer id, GeoJSON)] of the
    township areas, the lake and the city outline in drawing order, and `labels`, the towns' names."""
    layers = []
    for role in CONTEXT_ROLES:
        spec = by_role(role)
        gdf = catalog.role(role) if role != "city" else catalog.city_outline()
        layers.append((spec.id, feature_collection(gdf, spec, gcj02)))
    seats = _shift(catalog.role("town_seats"), gcj02)
    labels = [{"id": "", "t": n, "k": "town", "a": [p.y, p.x]} for n, p in zip(seats["name"], seats.geometry) if n]
    return {"layers": layers, "labels": labels}


def place_context(catalog: Catalog, gcj02: bool = False) -> dict:
    """Every plan place as the surroundings of the others (as base_context): made again after each correction."""
    layers, labels = [], []
    order = {"Polygon": 0, "LineString": 1, "Point": 2}
    for spec in sorted((BY_ID[i] for i in PLAN_LAYER_IDS), key=lambda s: order[s.geometry]):
        gdf = catalog.layers[spec.id]
        layers.append((spec.id, feature_collection(gdf, spec, gcj02)))
        labels += [{"id": i, "t": n, "k": "place", "a": [p.y, p.x]}
                   for i, n, p in zip(gdf["id"], gdf["name"], _shift(gdf, gcj02).geometry.representative_point()) if n]
    return {"layers": layers, "labels": labels}


def context_layers(catalog: Catalog, gcj02: bool = False, base: dict | None = None, places: dict | None = None) -> dict:
    """The whole surroundings (base_context, then place_context; either made here when not given)."""
    base = base if base is not None else base_context(catalog, gcj02)
    places = places if places is not None else place_context(catalog, gcj02)
    return {"layers": base["layers"] + places["layers"], "labels": base["labels"] + places["labels"]}


def _context(m: folium.Map, context: dict, place_id: str) -> list[dict]:
    """The surroundings drawn faintly and not clickable; the names to show. The place itself is left out (it is drawn as 现位置)."""
    for layer_id, fc in context["layers"]:
        spec = BY_ID[layer_id]
        if spec.plan:
            fc = {**fc, "features": [f for f in fc["features"] if f["properties"]["id"] != place_id]}
            style = (lambda f, s=spec: {"color": f["properties"]["_color"], "weight": max(s.weight * 0.6, 1),
                                        "opacity": CONTEXT_OPACITY, "fill": s.geometry != "LineString",
                                        "fillOpacity": 0.06, "dashArray": f["properties"]["_dash"]})
        else:
            style = (lambda _f, s=spec: {"color": s.color, "weight": 1 if s.role != "city" else 2, "fill": s.role == "water",
                                         "fillColor": s.fill_color or s.color, "fillOpacity": 0.35, "opacity": 0.8})
        folium.GeoJson(fc, name=spec.title, control=False, interactive=False, style_function=style,
                       marker=folium.CircleMarker(radius=4) if spec.geometry == "Point" else None).add_to(m)
    return [x for x in context["labels"] if x["id"] != place_id]


def edit_map(catalog: Catalog, place_id: str, mode: str, candidate=None, height: int = 600, basemap: str = "none",
             token: str = "", context: dict | None = None, max_zoom: int | None = None) -> folium.Map:
    """The drawing map of one place: mode "draw" (an empty drawing group, the current shape as a dashed reference),
    "edit" (the current shape in the drawing group) or "adopt" (no drawing: `candidate`, a chosen feature, previewed).

    `basemap` (BASEMAPS, with `token` for 天地图) is the map page's choice; `context` is context_layers(catalog, …) for
    that basemap (made here when not given); the map opens on the place, never closer than `max_zoom` (a point with its
    neighbourhood). Geometries go in and come out (see `unshifted`) in CGCS2000."""
    place = catalog.places[catalog.places["id"] == place_id].iloc[0]
    spec = BY_ID[place["layer"]]
    gcj02 = BASEMAPS[basemap][3]
    feature = catalog.feature(place_id)
    current = feature["geometry"] if feature is not None else None
    m = folium.Map(location=(31.60, 117.75), zoom_start=10, tiles=None, control_scale=False, height=height)
    add_basemap(m, basemap, token)
    MetricScale().add_to(m)
    labels = _context(m, context if context is not None else context_layers(catalog, gcj02), place_id)
    shift = lambda g: None if g is None else _shift(gpd.GeoDataFrame(geometry=[g], crs=STORAGE), gcj02).geometry.iloc[0]  # noqa: E731
    current, candidate = shift(current), shift(candidate)
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
        focus = [shift(parent["geometry"])]
    if not focus:
        focus = list(_shift(catalog.city_outline(), gcj02).geometry)
    fit_options = {"padding": [40, 40], **({"maxZoom": max_zoom} if max_zoom is not None else {})}
    EditMapClient({"labels": labels, "minzoom": PLACE_LABEL_ZOOM, "fit": _opening_bounds(gpd.GeoSeries(focus, crs=WEB).total_bounds),
                   "fitOptions": fit_options}).add_to(m)
    return m


def _opening_bounds(bounds) -> list[list[float]]:
    """[[south, west], [north, east]] of lon/lat `bounds` widened to at least MIN_VIEW_KM each way around their centre."""
    minx, miny, maxx, maxy = bounds
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    half_x = max((maxx - minx) / 2, MIN_VIEW_KM / 2 / (111.32 * math.cos(math.radians(cy))))
    half_y = max((maxy - miny) / 2, MIN_VIEW_KM / 2 / 110.57)
    return [[cy - half_y, cx - half_x], [cy + half_y, cx + half_x]]
