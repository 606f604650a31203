"""Large polygon layers (e.g. 200,000 三调 land parcels) as vector tiles written once and served by Streamlit.

``prepare_tiles`` writes Mapbox Vector Tiles under ``static/tiles/<layer>-<content hash>/{z}/{x}/{y}.pbf``
(idempotent: a second call with the same data only reads a small manifest); ``vector_layer`` draws them
with Leaflet.VectorGrid on canvas. A parcel click reaches st_folium as ``last_active_drawing``:
``{"type": "Feature", "properties": {<fields>, "fid": row position, "layer": layer id}, "geometry": Point}``.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import geopandas as gpd
import mapbox_vector_tile
import numpy as np
import pandas as pd
import shapely
from folium.plugins import VectorGridProtobuf
from folium.template import Template

from geo.crs import WEB
from geo.measure import M2_PER_MU
from geo.tiling import is_coverage, resolution, simplify_coverage, tile_bounds, tile_geometries, tile_range, to_mercator

#: Bump when the tile format or the simplification changes: old tile folders are then ignored.
FORMAT = 1
TILES = "tiles"
#: ``static/`` as seen from inside the st_folium component iframe (see layers/assets.py).
COMPONENT_STATIC_URL = "../../app/static"
EXTENT = 4096
#: Simplification tolerance in screen pixels below the deepest zoom (the deepest zoom keeps every vertex).
TOLERANCE_PX = 0.5

#: 三调 class colours by the first two characters of 地类编码 (GB/T 21010 first-level classes).
LANDUSE_COLORS = {
    "01": "#f3e9a0", "02": "#e8b86a", "03": "#6fb46f", "04": "#b9dd8c", "05": "#e97d7d", "06": "#c9728f",
    "07": "#f0a0a0", "08": "#e49bd0", "09": "#b5869f", "10": "#b0b0b0", "11": "#86c5e8", "12": "#d8c9a6",
}


@dataclass(frozen=True)
class TileSet:
    """Where a prepared layer's tiles are and what they hold."""

    layer_id: str
    key: str
    directory: str
    minzoom: int
    maxzoom: int
    fields: tuple[str, ...]
    bounds: tuple[float, float, float, float]  # lon/lat: west, south, east, north
    tiles: int
    bytes: int
    coverage: bool  # True when neighbours shared edges exactly and were simplified together

    @property
    def folder(self) -> str:
        """The tile folder's name under static/tiles."""
        return Path(self.directory).name

    def url(self, static_url: str = COMPONENT_STATIC_URL) -> str:
        """The tile URL template for VectorGrid."""
        return f"{static_url.rstrip('/')}/{TILES}/{self.folder}/{{z}}/{{x}}/{{y}}.pbf"


def content_key(gdf: gpd.GeoDataFrame, fields: tuple[str, ...], params: str) -> str:
    """A hash of the geometries, the columns the tiles use and the tiling parameters."""
    h = hashlib.sha1(f"{FORMAT}|{EXTENT}|{TOLERANCE_PX}|{gdf.crs}|{fields}|{params}".encode())
    h.update(b"".join(shapely.to_wkb(gdf.geometry.values, hex=False)))
    h.update(pd.util.hash_pandas_object(pd.DataFrame(gdf[list(fields)]), index=False).values.tobytes())
    return h.hexdigest()[:16]


def _properties(gdf: gpd.GeoDataFrame, fields: tuple[str, ...], layer_id: str) -> list[dict]:
    """Per row, the tile properties: the shown fields (numbers rounded), the row position and the layer id."""
    cols = {}
    for f in fields:
        s = gdf[f]
        if pd.api.types.is_float_dtype(s):
            cols[f] = [None if math.isnan(v) else round(float(v), 2) for v in s]
        elif pd.api.types.is_integer_dtype(s):
            cols[f] = [int(v) for v in s]
        else:
            cols[f] = ["" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v) for v in s]
    out = []
    for i in range(len(gdf)):
        p = {f: cols[f][i] for f in fields if cols[f][i] is not None}
        p["fid"] = i
        p["layer"] = layer_id
        out.append(p)
    return out


def _write_zoom(geoms: np.ndarray, props: list[dict], z: int, layer_id: str, out: Path) -> tuple[int, int]:
    """Encode and write every non-empty tile of zoom z; returns (tiles, bytes)."""
    tree = shapely.STRtree(geoms)
    merc = shapely.total_bounds(geoms)
    x0, y0, x1, y1 = tile_range(tuple(merc), z)
    count = size = 0
    opts = {"extents": EXTENT, "y_coord_down": True, "check_winding_order": False}
    for x in range(x0, x1 + 1):
        for y in range(y0, y1 + 1):
            idx = tree.query(shapely.box(*tile_bounds(z, x, y)))
            if not len(idx):
                continue
            idx.sort()
            local = tile_geometries(geoms[idx], z, x, y, EXTENT)
            keep = ~shapely.is_empty(local)
            feats = [{"geometry": g, "properties": props[i]} for g, i in zip(local[keep], idx[keep])]
            if not feats:
                continue
            data = mapbox_vector_tile.encode({"name": layer_id, "features": feats}, default_options=opts)
            path = out / str(z) / str(x) / f"{y}.pbf"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            count += 1
            size += len(data)
    return count, size


def _overview(gdf: gpd.GeoDataFrame, geoms: np.ndarray, group_by: dict[str, str], layer_id: str):
    """Neighbours with the same group values merged (shared edges stay shared): (geometries, properties)."""
    cols = list(dict.fromkeys(group_by.values()))
    frame = gpd.GeoDataFrame(gdf[cols].astype(str).reset_index(drop=True), geometry=geoms)
    merged = frame.dissolve(cols, method="coverage", as_index=False).explode(index_parts=False)
    props = [{**{f: str(row[c]) for f, c in group_by.items()}, "layer": layer_id, "generalised": 1}
             for _, row in merged[cols].iterrows()]
    return merged.geometry.values, props


def prepare_tiles(gdf: gpd.GeoDataFrame, static_dir: Path, layer_id: str, fields: tuple[str, ...] | list[str],
                  minzoom: int = 10, maxzoom: int = 16, detail_zoom: int = 13,
                  group_by: dict[str, str] | None = None) -> TileSet:
    """Write the layer's vector tiles once under static_dir/tiles (keyed by content); later calls just read them.

    Tiles from detail_zoom on hold every parcel with ``fields`` + ``fid`` (row position); below it, when
    group_by (tile field → coarser column) is given, neighbours of the same group are merged first.
    """
    fields = tuple(fields)
    group_by = dict(group_by or {})
    used = tuple(dict.fromkeys(fields + tuple(group_by.values())))
    key = content_key(gdf, used, f"{minzoom}|{maxzoom}|{detail_zoom}|{sorted(group_by.items())}")
    root = Path(static_dir) / TILES
    target = root / f"{layer_id}-{key}"
    manifest = target / "tileset.json"
    if manifest.exists():
        meta = json.loads(manifest.read_text(encoding="utf-8"))
        return TileSet(**{**meta, "fields": tuple(meta["fields"]), "bounds": tuple(meta["bounds"]),
                          "directory": str(target)})
    web = gdf.to_crs(WEB)
    geoms = to_mercator(shapely.make_valid(web.geometry.values))
    coverage = is_coverage(geoms)
    props = _properties(gdf, fields, layer_id)
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=root, prefix=f".{layer_id}-"))
    tiles = size = 0
    try:
        overview = _overview(gdf, geoms, group_by, layer_id) if group_by and coverage and minzoom < detail_zoom else None
        for z in range(minzoom, maxzoom + 1):
            tol = 0.0 if z == maxzoom else resolution(z) * TOLERANCE_PX
            src, src_props = overview if overview is not None and z < detail_zoom else (geoms, props)
            if coverage:
                simple = simplify_coverage(src, tol)
            else:
                simple = shapely.simplify(src, tol, preserve_topology=True)
            n, b = _write_zoom(simple, src_props, z, layer_id, tmp)
            tiles, size = tiles + n, size + b
        meta = TileSet(layer_id, key, str(target), minzoom, maxzoom, fields, tuple(map(float, web.total_bounds)),
                       tiles, size, coverage)
        (tmp / "tileset.json").write_text(json.dumps(asdict(meta), ensure_ascii=False), encoding="utf-8")
        os.chmod(tmp, 0o755)
        try:
            os.replace(tmp, target)
        except OSError:  # another process finished the same tiles first
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return meta


# Two fixes to Leaflet.VectorGrid 1.3's canvas tiles: its click handler calls L.DomEvent.fakeStop, gone since
# Leaflet 1.8 (folium 0.20 ships 1.9, so clicks threw); and it hit-tests in the tile's own pixels, wrong once
# the map zooms past the deepest tiles (maxNativeZoom): the mouse is mapped through the zoom scale instead.
_PATCH = """
if (!L.Canvas.Tile.prototype._chaohuOverzoom) {
  L.Canvas.Tile.prototype._chaohuOverzoom = true;
  L.Canvas.Tile.prototype._tilePoint = function (e) {
    var m = this._map, k = m.getZoomScale(m.getZoom(), this._tileCoord.z);
    return m.mouseEventToLayerPoint(e).add(m.getPixelOrigin()).divideBy(k).subtract(this._tileCoord.scaleBy(this._size));
  };
  L.Canvas.Tile.prototype._onClick = function (e) {
    var point = this._tilePoint(e), layer, clicked;
    for (var id in this._layers) {
      layer = this._layers[id];
      if (layer.options.interactive && layer._containsPoint(point) && !this._map._draggableMoved(layer)) { clicked = layer; }
    }
    if (clicked) { if (L.DomEvent.fakeStop) { L.DomEvent.fakeStop(e); } this._fireEvent([clicked], e); }
  };
  L.Canvas.Tile.prototype._onMouseMove = function (e) {
    if (!this._map || this._map.dragging.moving() || this._map._animatingZoom) { return; }
    this._handleMouseHover(e, this._tilePoint(e));
  };
}
"""


class ParcelTiles(VectorGridProtobuf):
    """VectorGrid.Protobuf whose feature clicks reach st_folium (``last_active_drawing``) with the feature's properties."""

    _template = Template(
        """
        {% macro script(this, kwargs) -%}
        """ + _PATCH + """
        var {{ this.get_name() }} = L.vectorGrid.protobuf('{{ this.url }}', {{ this.options }});
        {{ this.get_name() }}.on('click', function (e) {
          var p = e.layer && e.layer.properties, ll = e.latlng;
          if (!p) { return; }
          e.layer.toGeoJSON = function () {
            return {type: 'Feature', properties: Object.assign({}, p), geometry: {type: 'Point', coordinates: [ll.lng, ll.lat]}};
          };
        });
        {%- endmacro %}
        """
    )


def _style_js(layer_id: str, color_field: str | None, colors: dict[str, str], default: str) -> str:
    """The VectorGrid style function: fill by the first characters of color_field, thin grey outline."""
    table = json.dumps(colors)
    width = len(next(iter(colors), "")) or 1
    pick = (f"({table})[String(p[{json.dumps(color_field)}] || '').slice(0, {width})] || {json.dumps(default)}"
            if color_field else json.dumps(default))
    return (f"{{{json.dumps(layer_id)}: function (p, z) {{ return {{fill: true, fillColor: {pick}, fillOpacity: 0.75, "
            f"color: '#555', weight: z >= 14 ? 0.6 : 0.25, opacity: 0.7}}; }}}}")


def vector_layer(tileset: TileSet, name: str = "土地利用图斑", static_url: str = COMPONENT_STATIC_URL,
                 color_field: str | None = "地类编码", colors: dict[str, str] | None = None,
                 max_zoom: int = 18, show: bool = True) -> ParcelTiles:
    """The folium layer drawing a TileSet on canvas; clicks return the parcel's fields (see module docstring)."""
    colors = LANDUSE_COLORS if colors is None else colors
    west, south, east, north = tileset.bounds
    options = (
        "{"
        f"vectorTileLayerStyles: {_style_js(tileset.layer_id, color_field, colors, '#cccccc')}, "
        "rendererFactory: L.canvas.tile, interactive: true, "
        f"minZoom: {tileset.minzoom}, maxZoom: {max_zoom}, maxNativeZoom: {tileset.maxzoom}, "
        f"bounds: L.latLngBounds([{south}, {west}], [{north}, {east}]), attribution: ''"
        "}"
    )
    return ParcelTiles(tileset.url(static_url), name=name, options=options, show=show)


#: 三调 first-level classes (GB/T 21010-2017), shown when zoomed out.
LANDUSE_CLASSES = {
    "01": "耕地", "02": "园地", "03": "林地", "04": "草地", "05": "商业服务业用地", "06": "工矿用地",
    "07": "住宅用地", "08": "公共管理与公共服务用地", "09": "特殊用地", "10": "交通运输用地",
    "11": "水域及水利设施用地", "12": "其他土地",
}
#: Parcel attributes the panel shows, in order, when present.
PARCEL_FIELDS = ("图斑编号", "地类编码", "地类名称", "面积")


def landuse_tiles(gdf: gpd.GeoDataFrame, static_dir: Path, layer_id: str = "parcels") -> TileSet:
    """Tiles of a 三调 parcel layer (地类编码/地类名称): parcels from zoom 13, first-level classes below."""
    code = gdf["地类编码"].astype(str)
    frame = gdf[["地类编码", "地类名称", gdf.geometry.name]].assign(
        一级类编码=code.str[:2], 一级类名称=code.str[:2].map(LANDUSE_CLASSES).fillna("其他"))
    return prepare_tiles(frame, static_dir, layer_id, ("地类编码", "地类名称"),
                         group_by={"地类编码": "一级类编码", "地类名称": "一级类名称"})


def parcel_attributes(gdf: gpd.GeoDataFrame, props: dict) -> dict[str, str]:
    """Chinese label → text for the panel, from the clicked feature's properties and the full row."""
    if props.get("generalised") or "fid" not in props:
        return {"地类（一级类）": str(props.get("地类名称", "")), "说明": "放大到 13 级以上可查看单个图斑"}
    row = gdf.iloc[int(props["fid"])]
    out = {}
    for f in [c for c in PARCEL_FIELDS if c in gdf.columns] + [c for c in gdf.columns if c not in PARCEL_FIELDS]:
        if f == gdf.geometry.name:
            continue
        v = row[f]
        out[f] = f"{v:,.2f} 平方米（{v / M2_PER_MU:,.2f} 亩）" if f == "面积" else str(v)
    return out
