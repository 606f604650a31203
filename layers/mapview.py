"""Build the Folium map from the layer declarations: styles, legend, labels, controls, basemaps.

Every value drawn from data is HTML-escaped here, before it reaches folium: folium puts
GeoJSON properties into innerHTML and DivIcon html into the DOM as they are.
"""

from __future__ import annotations

import folium
import geopandas as gpd
from shapely.geometry import mapping
from branca.element import MacroElement
from folium import plugins
from folium.template import Template

from core.declarations import ACCURACY, GROUPS, LAYERS, LayerSpec, by_role
from core.formatting import accuracy_dash, accuracy_label, blank, esc, map_note, requirement_text
from geo.chinacoords import to_gcj02
from geo.crs import WEB
from loaders.correction_overlay import MARK

CENTER = (31.60, 117.75)  # lat, lon: the middle of 巢湖市
DEFAULT_ZOOM = 10

#: Basemaps: id → (Chinese label, tile URL template or None, attribution, needs GCJ-02 overlays).
BASEMAPS = {
    "none": ("无底图（离线）", None, "", False),
    "osm": ("OpenStreetMap", "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "© OpenStreetMap contributors", False),
    "tianditu_vec": ("天地图·矢量", "https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=vec&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={token}", "© 天地图", False),  # noqa: E501
    "tianditu_img": ("天地图·影像", "https://t{s}.tianditu.gov.cn/img_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=img&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={token}", "© 天地图", False),  # noqa: E501
    "amap": ("高德地图", "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}", "© 高德地图", True),
}
TIANDITU_ANNOTATION = {
    "tianditu_vec": "https://t{s}.tianditu.gov.cn/cva_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=cva&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={token}",
    "tianditu_img": "https://t{s}.tianditu.gov.cn/cia_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=cia&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={token}",
}

#: The measuring tool's area units as planners use them: km² and 亩 (leaflet-measure factors are per m²).
MEASURE_UNITS = {
    "sqkilometers": {"factor": 1e-6, "display": "平方公里", "decimals": 2},
    "mu": {"factor": 0.0015, "display": "亩", "decimals": 0},
}

#: Simplification tolerance (degrees) of base polygons for display only; measurements use the originals.
DISPLAY_TOLERANCE = 0.0004


def _fmt(field: str, value) -> str:
    """A popup value as text: measurements to two decimals, accuracy codes in words."""
    if blank(value):
        return ""
    if field in ("length_km", "area_km2"):
        return f"{float(value):.2f}"
    if field == "accuracy":
        return accuracy_label(value)
    return str(value)


def feature_collection(gdf: gpd.GeoDataFrame, spec: LayerSpec, gcj02: bool = False) -> dict:
    """The layer as GeoJSON for the browser: WGS84 (or GCJ-02), escaped popup values, style keys."""
    out = gdf.to_crs(WEB)
    if spec.geometry == "Polygon" and not spec.plan:
        out = out.assign(geometry=out.geometry.simplify(DISPLAY_TOLERANCE, preserve_topology=True))
    if gcj02:
        out = to_gcj02(out)
    features = []
    for _, row in out.iterrows():
        props = {"id": esc(row.get("id")), "layer": spec.id, "name": esc(row.get("name"))}
        corrected = not blank(row.get(MARK))
        for field, _label in spec.popup_fields:
            value = requirement_text(row.get(field), row.get("deadline")) if field == "status" and spec.plan else row.get(field)
            text = _fmt(field, value)
            props[f"f_{field}"] = esc(f"{text}（已校准）" if corrected and field == "accuracy" else text)
        props["_corrected"] = corrected
        props["_color"] = spec.color_for(row.get("status"))
        props["_dash"] = accuracy_dash(row.get("accuracy", ""))
        features.append({"type": "Feature", "id": props["id"], "properties": props,
                         "geometry": mapping(row.geometry)})
    return {"type": "FeatureCollection", "features": features}


def _style(spec: LayerSpec, emphasis: bool = False):
    def style(feature):
        p = feature["properties"]
        return {
            "color": "#ffd000" if emphasis else p["_color"],
            "weight": spec.weight * (2.2 if emphasis else 1),
            "dashArray": p["_dash"],
            "fill": spec.geometry != "LineString",
            "fillColor": spec.fill_color or p["_color"],
            "fillOpacity": spec.fill_opacity,
            "opacity": 1.0,
        }
    return style


def _geojson(fc: dict, spec: LayerSpec, name: str, emphasis: bool = False) -> folium.GeoJson:
    fields = [f"f_{f}" for f, _ in spec.popup_fields]
    # folium writes tooltip aliases into innerHTML as they are; a planner's column name is data from a file
    aliases = [esc(label) for _, label in spec.popup_fields]
    marker = None
    if spec.geometry == "Point":
        marker = folium.CircleMarker(radius=spec.radius * (1.6 if emphasis else 1))
    return folium.GeoJson(
        fc,
        name=name,
        style_function=_style(spec, emphasis),
        highlight_function=(lambda f: {"weight": spec.weight * 2.5}) if spec.clickable else None,
        tooltip=folium.GeoJsonTooltip(fields=fields, aliases=aliases, sticky=True) if spec.clickable and fc["features"] else None,
        marker=marker,
        interactive=spec.clickable,
        control=False,
    )


def _labels(gdf: gpd.GeoDataFrame, spec: LayerSpec, gcj02: bool) -> folium.FeatureGroup:
    group = folium.FeatureGroup(name=f"{spec.title}·标注", control=False)
    pts = gdf.to_crs(WEB)
    if gcj02:
        pts = to_gcj02(pts)
    for _, row in pts.iterrows():
        p = row.geometry.representative_point()
        folium.Marker(
            [p.y, p.x],
            icon=folium.DivIcon(
                html=f'<div class="chaohu-label" data-layer="{esc(spec.id)}" style="{spec.label_css}">{esc(row.get("name"))}</div>',
                icon_size=(0, 0), icon_anchor=(0, -4 if spec.geometry == "Point" else 0),
            ),
            interactive=False,
        ).add_to(group)
    return group


class Legend(MacroElement):
    """The map's legend, built from the declarations of the layers shown."""

    _template = Template("""
        {% macro html(this, kwargs) %}
        <div class="chaohu-legend" style="position:absolute;top:10px;right:10px;z-index:1000;background:rgba(255,255,255,.92);
             padding:8px 10px;border:1px solid #999;border-radius:4px;font:12px/1.5 sans-serif;max-height:70%;overflow:auto">
          <b>图例</b>{{ this.body }}
        </div>
        {% endmacro %}
    """)

    def __init__(self, specs: list[LayerSpec], corrected: int = 0):
        super().__init__()
        rows = []
        for group in GROUPS:
            members = [s for s in specs if s.group == group]
            if not members:
                continue
            rows.append(f'<div style="margin-top:4px;color:#555">{esc(group)}</div>')
            for s in members:
                if s.status_colors:
                    for status, color in s.status_colors.items():
                        rows.append(_legend_row(s, color, f"{s.title}（规划要求：{status}）"))
                else:
                    rows.append(_legend_row(s, s.color, s.title))
        rows.append('<div style="margin-top:6px;color:#555">位置精度</div>')
        for acc in ACCURACY.values():
            dash = f'stroke-dasharray="{acc["dash"]}"' if acc["dash"] else ""
            rows.append(f'<div><svg width="26" height="10"><line x1="1" y1="5" x2="25" y2="5" stroke="#333" stroke-width="2" {dash}/></svg> '
                        f'{esc(acc["label"])}</div>')
        if corrected:
            rows.append(f'<div class="chaohu-legend-corrected" style="margin-top:4px">✓ 已校准 {corrected} 处：本单位按来源校正的位置'
                        '（线型按所选精度）</div>')
        rows.append('<div style="margin-top:4px;color:#a00">虚线 = 示意或大致位置，非测绘成果</div>')
        self.body = "".join(rows)


def _legend_row(spec: LayerSpec, color: str, title: str) -> str:
    if spec.geometry == "Point":
        sym = f'<svg width="26" height="12"><circle cx="13" cy="6" r="5" fill="{spec.fill_color or color}" stroke="{color}" stroke-width="1.5"/></svg>'
    elif spec.geometry == "LineString":
        sym = f'<svg width="26" height="12"><line x1="1" y1="6" x2="25" y2="6" stroke="{color}" stroke-width="3"/></svg>'
    else:
        fill = spec.fill_color or color
        sym = (f'<svg width="26" height="12"><rect x="2" y="1" width="22" height="10" fill="{fill}" '
               f'fill-opacity="{max(spec.fill_opacity, 0.15)}" stroke="{color}" stroke-width="1.5"/></svg>')
    return f'<div data-layer="{esc(spec.id)}">{sym} {esc(title)}</div>'


class MapNote(MacroElement):
    """The note at the bottom left: 示意图 · 内部资料 …, or the office's 审图号."""

    _template = Template("""
        {% macro html(this, kwargs) %}
        <div class="chaohu-map-note" style="position:absolute;left:8px;bottom:34px;z-index:1000;background:rgba(255,255,255,.85);
             padding:2px 6px;font:12px sans-serif;color:#333;border-radius:3px">{{ this.text }}</div>
        {% endmacro %}
    """)

    def __init__(self, text: str):
        super().__init__()
        self.text = esc(text)


class MetricScale(MacroElement):
    """A metric-only scale bar (planners measure in km, never miles)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        L.control.scale({metric: true, imperial: false, position: "bottomleft"}).addTo({{ this._parent.get_name() }});
        {{ this._parent.get_name() }}.attributionControl.setPrefix("");
        {% endmacro %}
    """)


class LabelStyle(MacroElement):
    """CSS for the permanent labels (town names and key places)."""

    _template = Template("""
        {% macro header(this, kwargs) %}
        <style>
        .chaohu-label{white-space:nowrap;font:12px sans-serif;color:#222;text-shadow:0 0 3px #fff,0 0 3px #fff;transform:translate(-50%,4px)}
        .leaflet-container{background:#f4f1ea}
        </style>
        {% endmacro %}
    """)


class GeoJsonMiniMap(plugins.MiniMap):
    """Leaflet-MiniMap drawing our own city outline, so the mini-map needs no tiles (works offline)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }}_layer = L.geoJSON({{ this.outline|tojson }},
                {style: {color: "#333", weight: 1, fillOpacity: 0.05}});
            var {{ this.get_name() }} = new L.Control.MiniMap(
                {{ this.get_name() }}_layer, {{ this.options|tojavascript }}
            );
            {{ this._parent.get_name() }}.addControl({{ this.get_name() }});
        {% endmacro %}
    """)

    def __init__(self, outline: dict, **kwargs):
        super().__init__(**kwargs)
        self.outline = outline


def build_map(
    layers: dict[str, gpd.GeoDataFrame],
    visible: list[str],
    basemap: str = "none",
    tianditu_token: str = "",
    only_ids: set[str] | None = None,
    extra: list[tuple[LayerSpec, gpd.GeoDataFrame]] = (),
    height: int = 720,
    tiled: list[tuple[LayerSpec, folium.map.Layer]] = (),
) -> folium.Map:
    """The whole map: visible layers (plan layers filtered to `only_ids` when given), controls, legend, note."""
    label, url, attribution, gcj02 = BASEMAPS[basemap]
    m = folium.Map(location=CENTER, zoom_start=DEFAULT_ZOOM, tiles=None, control_scale=False,
                   prefer_canvas=False, height=height)
    MetricScale().add_to(m)
    if url:
        subdomains = "1234" if basemap == "amap" else "01234567"
        folium.TileLayer(url.replace("{token}", tianditu_token), attr=attribution, name=label,
                         subdomains=subdomains, max_zoom=18).add_to(m)
        if basemap in TIANDITU_ANNOTATION:
            folium.TileLayer(TIANDITU_ANNOTATION[basemap].replace("{token}", tianditu_token), attr=attribution,
                             name="天地图注记", subdomains="01234567", overlay=True, control=False).add_to(m)
    LabelStyle().add_to(m)
    shown = [s for s in LAYERS if s.id in visible]
    corrected = 0
    # polygons first, then lines, then points: a small place inside a big area stays clickable
    order = {"Polygon": 0, "LineString": 1, "Point": 2}
    for spec in sorted(shown, key=lambda s: order[s.geometry]):
        gdf = layers[spec.id]
        if spec.plan and only_ids is not None:
            gdf = gdf[gdf["id"].isin(only_ids)]
        fc = feature_collection(gdf, spec, gcj02)
        corrected += sum(bool(f["properties"]["_corrected"]) for f in fc["features"])
        _geojson(fc, spec, spec.title).add_to(m)
        if spec.labels and not gdf.empty:
            _labels(gdf, spec, gcj02).add_to(m)
    for spec, gdf in extra:
        _geojson(feature_collection(gdf, spec, gcj02), spec, spec.title).add_to(m)
    for _spec, layer in tiled:  # large layers drawn from vector tiles (layers/large.py)
        layer.add_to(m)
    city = by_role("city")
    outline = feature_collection(layers[city.id], city, gcj02)
    plugins.Fullscreen(position="topleft", title="全屏", title_cancel="退出全屏").add_to(m)
    plugins.MeasureControl(position="topleft", primary_length_unit="kilometers", secondary_length_unit="meters",
                           primary_area_unit="sqkilometers", secondary_area_unit="mu", localization="cn",
                           units=MEASURE_UNITS).add_to(m)
    plugins.MousePosition(position="bottomright", separator=" , ", prefix="经纬度", num_digits=5, empty_string="", lng_first=True).add_to(m)
    GeoJsonMiniMap(outline, position="bottomright", toggle_display=True, zoom_level_offset=-4).add_to(m)
    Legend(shown + [s for s, _ in extra] + [s for s, _ in tiled], corrected).add_to(m)
    MapNote(map_note()).add_to(m)
    return m


def emphasis_group(gdf: gpd.GeoDataFrame, spec: LayerSpec, gcj02: bool = False) -> folium.FeatureGroup:
    """A highlight of some features (the selected place, a focused town), drawn over the map."""
    group = folium.FeatureGroup(name="选中", control=False)
    _geojson(feature_collection(gdf, spec, gcj02), spec, "选中", emphasis=True).add_to(group)
    return group
