"""Build the Folium map from the layer declarations: styles, legend, labels, controls, basemaps.

Every value drawn from data is HTML-escaped here, before it reaches folium: folium puts
GeoJSON properties into innerHTML and DivIcon html into the DOM as they are.
"""

from __future__ import annotations

import folium
import geopandas as gpd
from shapely.geometry import Point, mapping
from branca.element import MacroElement
from folium import plugins
from folium.template import Template

from core.declarations import ACCURACY, GROUPS, LAYERS, LayerSpec, by_role
from core.templates import render, static_text
from core.formatting import accuracy_dash, accuracy_label, blank, confidence_label, esc, map_note, requirement_text
from geo.chinacoords import to_gcj02
from geo.crs import WEB
from corrections.overlay import MARK

CENTER = (31.60, 117.75)  # lat, lon: the middle of 巢湖市
DEFAULT_ZOOM = 10

#: Basemaps: id → (Chinese label, tile URL template or None, attribution, needs GCJ-02 overlays).
BASEMAPS = {
    "none": ("无底图（离线）", None, "", False),
    "osm": ("OpenStreetMap", "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "© OpenStreetMap 贡献者", False),
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
#: What the map says when an online basemap cannot be drawn.
TILE_ERROR = "在线底图加载失败（网络不通或服务不可用），当前只显示本地规划图层。"
NO_TIANDITU_KEY = "天地图底图需要密钥（tk），未填写，底图未加载。"
#: The label priority lost by a part of another place (南区 below 居巢经开区).
PART_PRIORITY_DROP = 10
#: The map's behaviour in the browser: legend folding, label placement, click chooser (see the file's header).
CLIENT_JS = static_text("layers", "map_client.js")
CLIENT_CSS = static_text("layers", "map_client.css")


def _fmt(field: str, value) -> str:
    """A popup value as text: measurements to two decimals, accuracy codes in words."""
    if blank(value):
        return ""
    if field in ("length_km", "area_km2"):
        return f"{float(value):.2f}"
    if field == "accuracy":
        return accuracy_label(value)
    if field == "confidence":
        return confidence_label(value)
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
        props = {"id": esc(row.get("id")), "layer": spec.id, "name": esc(row.get("name")), "_tip": tooltip_html(row, spec),
                 "_corrected": not blank(row.get(MARK))}
        props["_color"] = spec.color_for(row.get("status"))
        props["_dash"] = accuracy_dash(row.get("accuracy", ""))
        features.append({"type": "Feature", "id": props["id"], "properties": props,
                         "geometry": mapping(row.geometry)})
    return {"type": "FeatureCollection", "features": features}


def tooltip_text(row, spec: LayerSpec) -> list[tuple[str, str]]:
    """(label, text) of a feature's declared fields: the plan's 规划要求 with its 时限, 已校准 beside a corrected accuracy."""
    corrected = not blank(row.get(MARK))
    rows = []
    for field, label in spec.popup_fields:
        value = requirement_text(row.get(field), row.get("deadline")) if field == "status" and spec.plan else row.get(field)
        text = _fmt(field, value)
        rows.append((label, f"{text}（已校准）" if corrected and field == "accuracy" and text else text))
    return rows


def tooltip_html(row, spec: LayerSpec) -> str:
    """A feature's tooltip: its declared fields that have a value, labels and values escaped."""
    rows = tooltip_text(row, spec)
    return ('<table class="chaohu-tip">'
            + "".join(f"<tr><td>{esc(label)}</td><td>{esc(value)}</td></tr>" for label, value in rows if value != "")
            + "</table>")


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
    marker = None
    if spec.geometry == "Point":
        marker = folium.CircleMarker(radius=spec.radius * (1.6 if emphasis else 1))
    return folium.GeoJson(
        fc,
        name=name,
        style_function=_style(spec, emphasis),
        highlight_function=(lambda f: {"weight": spec.weight * 2.5}) if spec.clickable else None,
        # folium writes the tooltip into innerHTML: `_tip` is built from escaped labels and values (tooltip_html)
        tooltip=folium.GeoJsonTooltip(fields=["_tip"], labels=False, sticky=True) if spec.clickable and fc["features"] else None,
        marker=marker,
        interactive=spec.clickable,
        control=False,
    )


def label_items(gdf: gpd.GeoDataFrame, spec: LayerSpec, gcj02: bool = False) -> list[dict]:
    """The layer's name labels for the browser's placement (chaohuLabels, layers/static/map_client.js): place id,
    text, priority, anchors.

    Points are labelled beside the marker, areas at a few points inside them (the first that is free wins),
    lines along their longest straight stretch from `label_minzoom` on.
    """
    out = gdf.to_crs(WEB)
    if gcj02:
        out = to_gcj02(out)
    items = []
    for _, row in out.iterrows():
        geom, name = row.geometry, row.get("name")
        if geom is None or geom.is_empty or blank(name):
            continue
        item = {"i": str(row.get("id")), "t": str(name), "l": spec.id, "s": spec.label_css, "z": spec.label_minzoom,
                "p": spec.label_priority - (PART_PRIORITY_DROP if not blank(row.get("parent")) else 0)}
        if spec.geometry == "Point":
            p = geom.representative_point()
            item.update(k="point", a=[[p.y, p.x]], r=spec.radius)
        elif spec.geometry == "LineString":
            parts = list(getattr(geom, "geoms", [geom]))
            line = max(parts, key=lambda g: g.length).simplify(0.0002)
            item.update(k="line", a=[], line=[[y, x] for x, y in line.coords])
        else:
            item.update(k="area", a=[[p.y, p.x] for p in _inner_points(geom)], size=round(geom.area * 1e6))
        items.append(item)
    return items


def _inner_points(geom) -> list:
    """Where an area's label may sit: its representative point, then points a quarter of its extent away, inside it."""
    first = geom.representative_point()
    minx, miny, maxx, maxy = geom.bounds
    dx, dy = (maxx - minx) / 4, (maxy - miny) / 4
    others = [Point(first.x + ox, first.y + oy) for ox, oy in ((0, dy), (0, -dy), (dx, 0), (-dx, 0))]
    return [first] + [q for q in others if geom.contains(q)]


def legend_html(specs: list[LayerSpec], corrected: int = 0) -> str:
    """The legend's rows for the layers shown: symbol and title per layer (per 规划要求 where coloured by it), accuracy,
    and how many places the office has corrected (layers/templates/legend.html.j2)."""
    groups = []
    for group in GROUPS:
        rows = []
        for s in (s for s in specs if s.group == group):
            if s.status_colors:
                rows += [(s, color, f"{s.title}（规划要求：{status}）") for status, color in s.status_colors.items()]
            else:
                rows.append((s, s.color, s.title))
        if rows:
            groups.append((group, rows))
    return render("layers", "legend.html.j2", groups=groups, accuracy=list(ACCURACY.values()), corrected=corrected)


class MapClient(MacroElement):
    """The map's behaviour in the browser (layers/static/map_client.js) with its data: labels, legend, first view, notices."""

    _template = Template("""
        {% macro header(this, kwargs) %}<style>{{ this.css }}</style>{% endmacro %}
        {% macro script(this, kwargs) %}
        {{ this.js }}
        try { chaohuClient({{ this._parent.get_name() }}, {{ this.config|tojson }}); }
        catch (e) { if (window.console) { console.error("chaohuClient", e); } }  // the map itself still works
        {% endmacro %}
    """)

    def __init__(self, config: dict):
        super().__init__()
        self._name = "ChaohuClient"
        self.config, self.js, self.css = config, CLIENT_JS, CLIENT_CSS


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


def basemap_notice(basemap: str, tianditu_token: str = "") -> str:
    """What a map says instead of its basemap ('' when it is drawn): a 天地图 basemap needs its key."""
    url = BASEMAPS[basemap][1]
    return NO_TIANDITU_KEY if url and "{token}" in url and not tianditu_token else ""


def add_basemap(m: folium.Map, basemap: str, tianditu_token: str = "") -> str:
    """The online basemap's tiles (with 天地图's annotation) added to the map; the notice the map should show instead
    ('' when none): a 天地图 basemap without its key makes no tile request at all."""
    label, url, attribution, _gcj02 = BASEMAPS[basemap]
    if basemap_notice(basemap, tianditu_token):
        return basemap_notice(basemap, tianditu_token)
    if url:
        subdomains = "1234" if basemap == "amap" else "01234567"
        folium.TileLayer(url.replace("{token}", tianditu_token), attr=attribution, name=label,
                         subdomains=subdomains, max_zoom=18).add_to(m)
        if basemap in TIANDITU_ANNOTATION:
            folium.TileLayer(TIANDITU_ANNOTATION[basemap].replace("{token}", tianditu_token), attr=attribution,
                             name="天地图注记", subdomains="01234567", overlay=True, control=False).add_to(m)
    return ""


def build_map(
    layers: dict[str, gpd.GeoDataFrame],
    visible: list[str],
    basemap: str = "none",
    tianditu_token: str = "",
    only_ids: set[str] | None = None,
    extra: list[tuple[LayerSpec, gpd.GeoDataFrame]] = (),
    height: int = 720,
    tiled: list[tuple[LayerSpec, folium.map.Layer]] = (),
    fit_city: bool = True,
) -> folium.Map:
    """The whole map: visible layers (plan layers filtered to `only_ids` when given), labels, controls, legend, note.

    With `fit_city` the first view shows the city clear of the legend (the app may then move it where the URL says).
    """
    gcj02 = BASEMAPS[basemap][3]
    m = folium.Map(location=CENTER, zoom_start=DEFAULT_ZOOM, tiles=None, control_scale=False,
                   prefer_canvas=False, height=height)
    MetricScale().add_to(m)
    notice = add_basemap(m, basemap, tianditu_token)
    shown = [s for s in LAYERS if s.id in visible]
    labels: list[dict] = []
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
        if (spec.labels or spec.near_labels) and not gdf.empty:
            labels += label_items(gdf, spec, gcj02)
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
    GeoJsonMiniMap(outline, position="bottomright", toggle_display=True, zoom_level_offset=-4,
                   strings={"hideText": "隐藏鹰眼图", "showText": "显示鹰眼图"}).add_to(m)
    MapNote(map_note()).add_to(m)
    specs = shown + [s for s, _ in extra] + [s for s, _ in tiled]
    MapClient({
        "labels": labels,
        "legend": legend_html(specs, corrected),
        "titles": {s.id: esc(s.title) for s in specs},
        "fit": _city_bounds(layers[city.id], gcj02) if fit_city else None,
        "notice": notice,
        "tileError": TILE_ERROR,
    }).add_to(m)
    return m


def _city_bounds(city: gpd.GeoDataFrame, gcj02: bool) -> list[list[float]]:
    """[[south, west], [north, east]] of 巢湖市 itself (the layer also holds its neighbours)."""
    own = city[city["is_city"] == 1] if "is_city" in city else city
    own = own.to_crs(WEB)
    if gcj02:
        own = to_gcj02(own)
    minx, miny, maxx, maxy = own.total_bounds
    return [[miny, minx], [maxy, maxx]]


def emphasis_group(gdf: gpd.GeoDataFrame, spec: LayerSpec, gcj02: bool = False) -> folium.FeatureGroup:
    """A highlight of some features (the selected place, a focused town), drawn over the map."""
    group = folium.FeatureGroup(name="选中", control=False)
    _geojson(feature_collection(gdf, spec, gcj02), spec, "选中", emphasis=True).add_to(group)
    return group
