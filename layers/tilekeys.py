"""Which layer a tile URL names, and its tile source: the store's layer id and a version of its data (the key of
``/api/tiles/{layer}/{version}/…``), the source of a loaded frame (三调 parcels coloured by class, other polygons
in one colour, points), and a layer found in the store by its key (what any app process does for a layer it did
not load itself). Below both the tile server (``layers/tileserver.py``) and the map layer (``layers/large.py``).
"""

from __future__ import annotations

import hashlib
import re

import geopandas as gpd
import numpy as np
import shapely

from layers.tilesources import PointSource, PolygonSource
from loaders.errors import LoadError
from store import open_store
from store.base import LayerInfo

#: A layer id and a version in a URL (they name a folder, so nothing else is accepted).
KEY_PART_RE = re.compile(r"^[A-Za-z0-9_]{1,40}$")


def tile_key(layer: str, version: str) -> str:
    """The key of one version of a layer: ``layer/version`` as in its URLs."""
    return f"{layer}/{version}"


def key_parts(key: str) -> tuple[str, str] | None:
    """(layer, version) of a key, or None when it could not name a folder safely."""
    layer, _, version = key.partition("/")
    return (layer, version) if KEY_PART_RE.match(layer) and KEY_PART_RE.match(version) else None

#: 三调 class colours by the first two characters of 地类编码 (GB/T 21010 first-level classes).
LANDUSE_COLORS = {
    "01": "#f3e9a0", "02": "#e8b86a", "03": "#6fb46f", "04": "#b9dd8c", "05": "#e97d7d", "06": "#c9728f",
    "07": "#f0a0a0", "08": "#e49bd0", "09": "#b5869f", "10": "#b0b0b0", "11": "#86c5e8", "12": "#d8c9a6",
}
DEFAULT_COLOR = "#cccccc"
#: Where a 三调 layer keeps 地类编码 / 地类名称: Chinese field names, or the database standard's (DLBM, DLMC).
LANDUSE_CODE_FIELDS = ("地类编码", "DLBM")
LANDUSE_NAME_FIELDS = ("地类名称", "DLMC")


def landuse_fields(gdf: gpd.GeoDataFrame) -> tuple[str, str] | None:
    """(code field, name field) when the layer holds 三调 parcels, else None."""
    code = next((f for f in LANDUSE_CODE_FIELDS if f in gdf.columns), None)
    name = next((f for f in LANDUSE_NAME_FIELDS if f in gdf.columns), None)
    return (code, name) if code and name else None


def tiled_kind(gdf: gpd.GeoDataFrame) -> str | None:
    """"polygon" or "point" when every (present) geometry is one, else None: the layers tiles can draw."""
    kinds = gdf.geom_type.dropna()
    if len(kinds) and kinds.isin(["Polygon", "MultiPolygon"]).all():
        return "polygon"
    if len(kinds) and kinds.isin(["Point", "MultiPoint"]).all():
        return "point"
    return None


def _geometries(gdf: gpd.GeoDataFrame) -> np.ndarray:
    """The layer's geometries in lon/lat as an array (the frame's own objects when it is already lon/lat)."""
    if gdf.crs is not None and not gdf.crs.is_geographic:
        gdf = gdf.to_crs(4490)
    return np.asarray(gdf.geometry.values)


def polygon_source(gdf: gpd.GeoDataFrame, layer_id: str, color: str = DEFAULT_COLOR) -> PolygonSource:
    """Tiles of a polygon layer: 三调 parcels coloured by first-level class, anything else in one colour."""
    geoms = _geometries(gdf)
    fields = landuse_fields(gdf)
    if fields:
        code, name = fields
        classes = list(LANDUSE_COLORS)
        index = gdf[code].astype(str).str[:2].map({c: i + 2 for i, c in enumerate(classes)})
        colour_index = index.fillna(1).astype(np.uint8).to_numpy()
        colours = [DEFAULT_COLOR] + [LANDUSE_COLORS[c] for c in classes]
        columns = {"地类编码": gdf[code], "地类名称": gdf[name]}
    else:
        colour_index = np.ones(len(gdf), dtype=np.uint8)
        colours, columns = [color], {}
    return PolygonSource.for_layer(layer_id, geoms, columns, colour_index, colours)


def point_source(gdf: gpd.GeoDataFrame, layer_id: str) -> PointSource:
    """Tiles of a point layer."""
    return PointSource.from_geometries(layer_id, _geometries(gdf), {})


def version_of(info: LayerInfo) -> str:
    """The version of a stored layer's data: its data table is written once, so a new table is a new version."""
    return hashlib.sha1(f"{info.table_name}:{info.features}".encode()).hexdigest()[:12]


def tiles_attrs(info: LayerInfo) -> dict:
    """What ``gdf.attrs["tiles"]`` holds for a layer read from the store: its id and version."""
    return {"layer": str(info.id), "version": version_of(info), "features": info.features}


def tiles_of(gdf: gpd.GeoDataFrame, layer_id: str) -> str:
    """The tile key of a frame: the store's layer id and version when it came from the store (``attrs["tiles"]``),
    else `layer_id` and a hash of its geometries and classes (a frame made in code, e.g. by tests)."""
    stored = gdf.attrs.get("tiles")
    if stored and stored.get("features", len(gdf)) == len(gdf):  # not a part of it (pandas hands attrs on to slices)
        return tile_key(stored["layer"], stored["version"])
    digest = hashlib.sha1(b"".join(w or b"" for w in shapely.to_wkb(np.asarray(gdf.geometry.values))))
    fields = landuse_fields(gdf)
    if fields:
        digest.update("\x1f".join(gdf[fields[0]].astype(str)).encode())
    return tile_key(re.sub(r"[^A-Za-z0-9_]", "_", layer_id)[:40] or "layer", digest.hexdigest()[:12])


def frame_source(gdf: gpd.GeoDataFrame, name: str, color: str = DEFAULT_COLOR):
    """The tile source of a layer (points or polygons by geometry type), its tiles' layer named `name`."""
    return point_source(gdf, name) if tiled_kind(gdf) == "point" else polygon_source(gdf, name, color)


def store_loader(layer: str, version: str):
    """For the tile server: a function loading one version of a stored layer as a tile source, or None when the
    store has no such layer on the map at that version (an old URL after the layer changed)."""
    if not layer.isdigit():
        return None
    try:
        store = open_store()
        info = store.layer_by_id(int(layer))
    except LoadError:
        return None
    if info.removed_at is not None or version_of(info) != version:
        return None
    return lambda: frame_source(store.read_layer(info), layer)


