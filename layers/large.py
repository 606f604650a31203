"""Large layers (a county's 200,000–1,000,000 三调 parcels, 100,000 points) drawn from tiles the app makes on request.

``large_layer`` registers a loaded GeoDataFrame with the app's tile server (``layers/tileserver.py``) under a
stable key — the store's layer id and a version of its data (``layers/tilekeys.tiles_of``, from ``gdf.attrs["tiles"]``,
which ``layers/userlayers.py`` sets) — writes the layer's shared copy once for every process, and returns the
folium layer drawing it: zoomed out, pictures of the parcels in
their class colours (a tile is drawn from exactly the parcels in it, in well under a second); zoomed in,
Mapbox Vector Tiles of every parcel (Leaflet.VectorGrid, canvas), simplified by half a pixel as a coverage
(shared edges stay shared), every vertex at the deepest zoom. Points are vector tiles at every zoom,
thinned to one per few pixels (with the count) below the deepest zoom.

A click reaches st_folium as ``last_active_drawing``: ``{"type": "Feature", "properties": {"fid": row
position, "layer": layer id, "地类编码"/"地类名称" for 三调 parcels}, "geometry": Point}``; on an overview
picture, ``{"layer", "generalised": 1, "lng", "lat", "zoom", "crs"}``. ``parcel_attributes`` turns either into
the panel's rows, looking the full row up on the server.
"""

from __future__ import annotations

import json
import math
import weakref

import folium
import geopandas as gpd
import pandas as pd
import shapely
from folium.elements import JSCSSMixin
from folium.plugins import VectorGridProtobuf
from folium.template import Template

from core.formatting import esc
from core.templates import static_text, template_source
from geo.chinacoords import gcj02_to_wgs84
from geo.measure import M2_PER_MU
from layers.tilekeys import DEFAULT_COLOR, LANDUSE_COLORS, frame_source, landuse_fields, tiles_of
from layers.tileserver import SERVER, url_template

#: 三调 first-level classes (GB/T 21010-2017).
LANDUSE_CLASSES = {
    "01": "耕地", "02": "园地", "03": "林地", "04": "草地", "05": "商业服务业用地", "06": "工矿用地",
    "07": "住宅用地", "08": "公共管理与公共服务用地", "09": "特殊用地", "10": "交通运输用地",
    "11": "水域及水利设施用地", "12": "其他土地",
}
#: Chinese names of the 国土调查 database's standard parcel fields, for the panel.
FIELD_LABELS = {
    "BSM": "标识码", "YSDM": "要素代码", "TBYBH": "图斑预编号", "TBBH": "图斑编号", "DLBM": "地类编码",
    "DLMC": "地类名称", "QSXZ": "权属性质", "QSDWDM": "权属单位代码", "QSDWMC": "权属单位名称",
    "ZLDWDM": "坐落单位代码", "ZLDWMC": "坐落单位名称", "TBMJ": "图斑面积", "KCDLBM": "扣除地类编码",
    "KCXS": "扣除系数", "KCMJ": "扣除地类面积", "TBDLMJ": "图斑地类面积", "GDLX": "耕地类型", "GDPDJB": "耕地坡度级别",
    "XZDWKD": "线状地物宽度", "TBXHDM": "图斑细化代码", "TBXHMC": "图斑细化名称", "ZZSXDM": "种植属性代码",
    "ZZSXMC": "种植属性名称", "GDDB": "耕地等别", "FRDBS": "飞入地标识", "CZCSXM": "城镇村属性码",
    "SJNF": "数据年份", "MSSM": "描述说明", "HDMC": "海岛名称", "BZ": "备注",
}
#: Fields holding an area in square metres (shown with 亩 too).
AREA_FIELDS = ("面积", "TBMJ", "TBDLMJ", "KCMJ")
#: Parcel attributes the panel shows first, in order, when present.
PARCEL_FIELDS = ("图斑编号", "TBBH", "地类编码", "DLBM", "地类名称", "DLMC", "面积", "TBMJ")
#: The zoom the map opens at (layers.mapview.DEFAULT_ZOOM): its tiles are made while the page loads.
FIRST_VIEW_ZOOM = 10


#: (id of the frame, layer id) → tile server key, for as long as the frame lives.
_REGISTERED: dict[tuple[int, str], str] = {}


def register(gdf: gpd.GeoDataFrame, layer_id: str, color: str = DEFAULT_COLOR) -> str:
    """The tile server key of a layer (``tiles_of``), registering its source with this process the first time
    (points or polygons by geometry type).

    The registration ends when the frame is garbage-collected (e.g. the workspace changed and the app
    reloaded its layers), so the process never holds on to a layer nobody shows; the shared files stay.
    """
    ident = (id(gdf), layer_id)
    key = _REGISTERED.get(ident)
    if key is not None:
        return key
    key = tiles_of(gdf, layer_id)
    source = frame_source(gdf, key.partition("/")[0], color)
    SERVER.register(source, key)
    _REGISTERED[ident] = key

    def forget(ident=ident, key=key, source=source):
        _REGISTERED.pop(ident, None)
        SERVER.unregister(key, source)

    weakref.finalize(gdf, forget)
    return key


def source_of(gdf: gpd.GeoDataFrame, layer_id: str):
    """The registered tile source of a layer, or None."""
    key = _REGISTERED.get((id(gdf), layer_id))
    return SERVER.sources.get(key) if key else None


# Three fixes to Leaflet.VectorGrid 1.3's canvas tiles: its click handler calls L.DomEvent.fakeStop, gone since
# Leaflet 1.8 (folium 0.20 ships 1.9, so clicks threw); it hit-tests in the tile's own pixels, wrong once the map
# zooms past the deepest tiles (maxNativeZoom): the mouse is mapped through the zoom scale instead; and its point
# symbols have no latlng, which Leaflet reads for every small circle it fires an event on (so point clicks threw).
_PATCH = static_text("layers", "vectorgrid_patch.js")

#: JS predicate (for tests and benchmarks, evaluated in the map frame): every tiled layer showing at the
#: current zoom has at least one tile and all its current tiles are loaded and drawn.
TILES_DRAWN_JS = """
() => {
  if (!window.map) return false;
  const z = window.map.getZoom();
  const grids = Object.values(window.map._layers).filter(l => l.options && l.options.chaohuTiles
      && z >= l.options.minZoom && z <= l.options.maxZoom);
  if (!grids.length) return false;
  return grids.every(l => l._tiles && Object.keys(l._tiles).length
      && Object.values(l._tiles).every(t => !t.current || t.loaded));
}
"""


class TiledLayer(JSCSSMixin, folium.map.Layer):
    """One large layer on the map: overview pictures below detail_zoom (polygons), vector tiles from it on.

    Both go into one Leaflet layer group (one entry in a layer control). Clicks on vectors give the
    feature's properties; clicks on an overview picture give the clicked position (see module docstring).
    """

    default_js = VectorGridProtobuf.default_js  # Leaflet.VectorGrid, served locally (layers/assets.py)

    _template = Template(template_source("layers", "tiled_layer.js.j2"))

    def __init__(self, key: str, source, layer_id: str, name: str, style_js: str, style: str, max_zoom: int = 18,
                 show: bool = True):
        super().__init__(name=esc(name), overlay=True, show=show)  # a layer control would put it in innerHTML
        self._name = "TiledLayer"
        self.patch = _PATCH
        self.layer_id = layer_id  # what a click names (the tiles name their layer by the store's id)
        self.crs = style.partition("-")[0]
        self.pbf_url = url_template(key, style, "pbf")
        self.png_url = url_template(key, style, "png") if source.kind == "polygon" else ""
        west, south, east, north = source.bounds
        pad = 0.01  # ≈ 1 km: room for the GCJ-02 shift and for symbols at the edge
        self.bounds = [[south - pad, west - pad], [north + pad, east + pad]]
        self.minzoom, self.detail_zoom, self.maxzoom, self.max_zoom = (source.minzoom, source.detail_zoom,
                                                                       source.maxzoom, max_zoom)
        self.style_js = style_js


def _polygon_style(layer_id: str, color: str | None, landuse: bool) -> str:
    """The VectorGrid style function of polygons: fill by first-level class (三调) or one colour, thin outline."""
    if landuse:
        pick = f"({json.dumps(LANDUSE_COLORS)})[String(p['地类编码'] || '').slice(0, 2)] || {json.dumps(DEFAULT_COLOR)}"
    else:
        pick = json.dumps(color or DEFAULT_COLOR)
    return (f"{{{json.dumps(layer_id)}: function (p, z) {{ return {{fill: true, fillColor: {pick}, fillOpacity: 0.75, "
            f"color: '#555', weight: z >= 15 ? 0.6 : 0.3, opacity: 0.7}}; }}}}")


def _point_style(layer_id: str, color: str) -> str:
    """The VectorGrid style function of points: a filled circle, a little larger where points were thinned."""
    return (f"{{{json.dumps(layer_id)}: function (p, z) {{ return {{radius: p.n > 1 ? 4.5 : 3.5, fill: true, "
            f"fillColor: {json.dumps(color)}, fillOpacity: 0.85, color: '#ffffff', weight: 1, opacity: 0.9}}; }}}}")


def tile_style(source, color: str, gcj02: bool) -> str:
    """The style part of a layer's tile URLs: its coordinates, and the fill of a polygon layer drawn in one colour."""
    crs = "gcj02" if gcj02 else "wgs84"
    if source.kind == "polygon" and "地类编码" not in source.columns:
        return f"{crs}-{color.lstrip('#').lower()}"
    return crs


def start(gdf: gpd.GeoDataFrame, layer_id: str, color: str = DEFAULT_COLOR, gcj02: bool = False) -> str:
    """Register a layer (see register), start making the tiles of the map's first view, then its shared copy;
    its key."""
    key = register(gdf, layer_id, color)
    source = SERVER.sources[key]
    SERVER.prewarm(key, tile_style(source, color, gcj02), max(source.minzoom, FIRST_VIEW_ZOOM))
    SERVER.share(key)
    return key


def large_layer(gdf: gpd.GeoDataFrame, layer_id: str, name: str, color: str = DEFAULT_COLOR,
                gcj02: bool = False, show: bool = True) -> TiledLayer:
    """The folium layer drawing a large layer from tiles made on request; the first view's tiles start now."""
    key = start(gdf, layer_id, color, gcj02)
    source = SERVER.sources[key]
    if source.kind == "point":
        style = _point_style(source.layer_id, color)
    else:
        style = _polygon_style(source.layer_id, color, landuse="地类编码" in source.columns)
    return TiledLayer(key, source, layer_id, name, style, tile_style(source, color, gcj02), show=show)


def _clicked_row(gdf: gpd.GeoDataFrame, layer_id: str, props: dict) -> int | None:
    """The row a click means: its fid, or on an overview picture the feature under the clicked point."""
    if not props.get("generalised"):
        return int(props["fid"]) if "fid" in props else None
    lon, lat = float(props["lng"]), float(props["lat"])
    if props.get("crs") == "gcj02":
        lon, lat = (float(v) for v in gcj02_to_wgs84(lon, lat))
    source = source_of(gdf, layer_id)
    if source is not None and hasattr(source, "feature_at"):
        return source.feature_at(lon, lat)
    hits = gdf.sindex.query(shapely.Point(lon, lat), predicate="intersects")
    return int(hits.min()) if len(hits) else None


def _shown(field: str, value) -> str:
    """A value as the panel shows it: areas in 平方米 and 亩, numbers without noise, missing as empty."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    if field in AREA_FIELDS:
        try:
            v = float(value)
            return f"{v:,.2f} 平方米（{v / M2_PER_MU:,.2f} 亩）"
        except (TypeError, ValueError):
            return str(value)
    return str(value)


def parcel_attributes(gdf: gpd.GeoDataFrame, props: dict, layer_id: str | None = None) -> dict[str, str]:
    """Chinese label → text for the panel: the clicked feature's own fields, looked up in the full row."""
    row_no = _clicked_row(gdf, layer_id or str(props.get("layer", "")), props)
    if row_no is None or not 0 <= row_no < len(gdf):
        return {"说明": "此处没有该图层的要素。"}
    row = gdf.iloc[row_no]
    out = {}
    ordered = [c for c in PARCEL_FIELDS if c in gdf.columns] + [c for c in gdf.columns if c not in PARCEL_FIELDS]
    for f in ordered:
        if f == gdf.geometry.name:
            continue
        label = FIELD_LABELS.get(f, f)
        out[label if label not in out else f] = _shown(f, row[f])
    fields = landuse_fields(gdf)
    if props.get("generalised"):
        if fields:
            code = str(row[fields[0]])[:2]
            out = {"地类（一级类）": LANDUSE_CLASSES.get(code, "其他"), **out}
        detail = props.get("detail_zoom", "")
        out["说明"] = (f"概览级别下按点击位置查找，可能落在相邻图斑；放大到第 {detail} 级以上可准确点选单个图斑。"
                     if detail else "概览级别下按点击位置查找，可能落在相邻图斑；放大后可准确点选。")
    elif int(props.get("n", 1)) > 1:
        out["说明"] = f"此处约 {int(props['n'])} 个点重叠显示，放大可逐个点选。"
    return out
