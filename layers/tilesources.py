"""What one tile of a large layer holds, made on request: a class-coloured picture when zoomed out,
Mapbox Vector Tiles of every feature when zoomed in (polygons), thinned vector points (points).

A source keeps no copy of the layer: it holds the layer's own geometry array (lon/lat), a spatial index
(``shapely.STRtree``) so that a tile reads only its features, and the few columns the tiles carry.

``write_shared`` saves what a source's tiles need as one folder of plain arrays (each feature's WKB, its box,
class, tile columns as category codes) beside ``meta.json``; ``SharedSource`` opens such a folder memory-mapped,
so every app process serving the layer shares one copy in the OS page cache instead of loading the layer again,
and a tile reads (and decodes) only the features whose box touches it.
"""

from __future__ import annotations

import functools
import io
import json
import math
import os
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import mapbox_vector_tile
import numpy as np
import pandas as pd
import shapely
from PIL import Image

from geo.raster import edges_of, is_simple, label_image
from geo.tiling import (TILE_PX, Shift, lonlat_tile_range, point_cells, tile_geometries, tile_lonlat_bounds,
                        tile_projector, zoom_for_width)

EXTENT = 4096
#: Simplification tolerance of vector tiles in screen pixels below the deepest zoom (which keeps every vertex).
TOLERANCE_PX = 0.5
#: Tile buffer (tile units) around vector tiles, so strokes and symbols at tile edges are not cut.
BUFFER = 64
#: Overview pictures are drawn this many times larger, then reduced: smooth edges, sub-pixel parcels blended.
SUPERSAMPLE = 2
#: The deepest zoom tiles are made for; the map stretches them beyond (clicks still hit the right feature).
MAXZOOM = 16
#: The shallowest zoom anything is drawn at (the whole county in one or two tiles).
MINZOOM = 8
#: Points closer than this many pixels are thinned to one (with the count) below the deepest zoom.
POINT_CELL_PX = 4


def _rgba(hex_colour: str, alpha: float) -> tuple[int, int, int, int]:
    """'#rrggbb' and an opacity as an RGBA tuple."""
    h = hex_colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16), int(round(alpha * 255))


@dataclass
class CoordShift:
    """A datum shift applied to the layer when drawn (e.g. WGS84 → GCJ-02 under 高德), with its inverse."""

    name: str
    forward: Shift
    inverse: Shift


def _query_box(z: int, x: int, y: int, pad_px: float, shift: CoordShift | None) -> shapely.Geometry:
    """The lon/lat box (in the layer's own coordinates) whose features can reach tile z/x/y."""
    west, south, east, north = tile_lonlat_bounds(z, x, y, pad_px)
    if shift is None:
        return shapely.box(west, south, east, north)
    lon, lat = shift.inverse(np.array([west, east, west, east]), np.array([south, south, north, north]))
    margin = 1e-4  # ≈ 10 m: the shift varies by far less than this across one tile
    return shapely.box(lon.min() - margin, lat.min() - margin, lon.max() + margin, lat.max() + margin)


def _field_values(columns: dict[str, pd.Series], idx: np.ndarray) -> dict[str, list]:
    """Per field, the tile's values (numbers rounded, missing dropped later) for the rows idx."""
    out = {}
    for name, series in columns.items():
        values = series.take(idx)
        if pd.api.types.is_float_dtype(values):
            out[name] = [None if math.isnan(v) else round(float(v), 2) for v in values]
        elif pd.api.types.is_integer_dtype(values):
            out[name] = [int(v) for v in values]
        else:
            out[name] = [None if v is None or (isinstance(v, float) and math.isnan(v)) else str(v) for v in values]
    return out


def encode_mvt(layer_id: str, geoms, idx: np.ndarray, columns: dict[str, pd.Series], extra=None,
               fids: np.ndarray | None = None) -> bytes:
    """One MVT layer of the given tile-unit geometries; each feature carries fid (row), layer and the columns.

    idx: the features' positions in `columns`; fids: the layer rows those positions stand for (default idx).
    """
    values = _field_values(columns, idx)
    features = []
    for j, (g, fid) in enumerate(zip(geoms, idx if fids is None else fids[idx])):
        props = {name: vals[j] for name, vals in values.items() if vals[j] is not None}
        props["fid"] = int(fid)
        props["layer"] = layer_id
        if extra is not None:
            props.update(extra[j])
        features.append({"geometry": g, "properties": props})
    if not features:
        return b""
    return mapbox_vector_tile.encode({"name": layer_id, "features": features},
                                     default_options={"extents": EXTENT, "y_coord_down": True,
                                                      "check_winding_order": False})


@functools.lru_cache(maxsize=64)
def _palette(colours: tuple[str, ...], fill_opacity: float) -> np.ndarray:
    """RGBA rows: 0 transparent, 1… the fill colours, then the outline."""
    palette = [(0, 0, 0, 0)] + [_rgba(c, fill_opacity) for c in colours] + [_rgba("#555555", 0.7)]
    return np.array(palette, dtype=np.float32)


def _png(index: np.ndarray, palette: np.ndarray) -> bytes:
    """Palette indices (supersampled) → a smooth RGBA PNG of TILE_PX pixels."""
    rgba = palette[index]
    alpha = rgba[..., 3:4]
    premul = np.concatenate([rgba[..., :3] * alpha, alpha], axis=-1)
    k = SUPERSAMPLE
    small = premul.reshape(TILE_PX, k, TILE_PX, k, 4).mean(axis=(1, 3))
    a = small[..., 3:4]
    rgb = np.where(a > 0, small[..., :3] / np.maximum(a, 1e-6), 0)
    out = np.concatenate([rgb, a], axis=-1).round().clip(0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(out, "RGBA").save(buf, "PNG", compress_level=6)
    return buf.getvalue()


@dataclass
class Tile:
    """A made tile: its bytes (empty when the layer has nothing there) and what they are."""

    data: bytes
    media_type: str
    features: int = 0


@dataclass
class PolygonSource:
    """Tiles of a large polygon layer: pictures below detail_zoom, every polygon as vectors from it on."""

    layer_id: str
    geoms: np.ndarray
    columns: dict[str, pd.Series]
    colour_index: np.ndarray  # per feature: 1-based index into colours
    colours: list[str]
    fill_opacity: float = 0.75
    minzoom: int = MINZOOM
    maxzoom: int = MAXZOOM
    detail_zoom: int = 13
    outline_zoom: int = 12
    #: The layer rows the geometries stand for (a part of a layer read for one tile); None: their positions.
    fids: np.ndarray | None = None
    tree: shapely.STRtree = field(init=False, repr=False)
    bounds: tuple[float, float, float, float] = field(init=False)
    _area: np.ndarray = field(init=False, repr=False)
    _simple: np.ndarray = field(init=False, repr=False)

    def __post_init__(self):
        self.tree = shapely.STRtree(self.geoms)
        self._simple = is_simple(self.geoms)
        self.bounds = tuple(float(v) for v in shapely.total_bounds(self.geoms))
        self._area = shapely.area(self.geoms)

    @classmethod
    def for_layer(cls, layer_id, geoms, columns, colour_index, colours, **kw) -> PolygonSource:
        """A source whose detail zoom is where a typical polygon is 5 px wide, and outlines from 3 px."""
        area = shapely.area(geoms)  # degrees² (missing geometries: NaN)
        lat = float(np.mean(shapely.total_bounds(geoms)[[1, 3]]))
        width_m = math.sqrt(float(np.nanmedian(area))) * 111_320 * math.sqrt(math.cos(math.radians(lat)))
        detail = zoom_for_width(width_m, lat, 5, 10, 15)
        outline = zoom_for_width(width_m, lat, 3, MINZOOM, detail)
        return cls(layer_id, geoms, columns, colour_index, colours, detail_zoom=detail, outline_zoom=outline, **kw)

    @property
    def kind(self) -> str:
        """What the layer holds: "polygon"."""
        return "polygon"

    def format_at(self, z: int) -> str:
        """'png' (overview picture) or 'pbf' (vector tiles) at zoom z."""
        return "png" if z < self.detail_zoom else "pbf"

    def tile(self, z: int, x: int, y: int, shift: CoordShift | None = None, colour: str | None = None) -> Tile:
        """Tile z/x/y: a picture below detail_zoom, vectors from it on.

        colour: the fill of a layer drawn in one colour (the map may give a layer another colour than its source).
        """
        if z < self.detail_zoom:
            return self.picture(z, x, y, shift, colour)
        return self.vectors(z, x, y, shift)

    def vectors(self, z: int, x: int, y: int, shift: CoordShift | None = None) -> Tile:
        """Every polygon touching tile z/x/y, simplified by half a pixel (none at maxzoom), as MVT."""
        idx = np.sort(self.tree.query(_query_box(z, x, y, BUFFER * TILE_PX / EXTENT, shift)))
        if not len(idx):
            return Tile(b"", "application/x-protobuf")
        tolerance = 0.0 if z >= self.maxzoom else TOLERANCE_PX
        local, _ = tile_geometries(self.geoms[idx], z, x, y, EXTENT, BUFFER, tolerance,
                                   shift.forward if shift else None)
        keep = ~shapely.is_empty(local)
        data = encode_mvt(self.layer_id, local[keep], idx[keep], self.columns, fids=self.fids)
        return Tile(data, "application/x-protobuf", int(keep.sum()))

    def picture(self, z: int, x: int, y: int, shift: CoordShift | None = None, colour: str | None = None) -> Tile:
        """Tile z/x/y as a PNG: each polygon filled in its class colour (outlined once polygons are 3 px wide)."""
        idx = self.tree.query(_query_box(z, x, y, 1, shift))
        if not len(idx):
            return Tile(b"", "image/png")
        idx = idx[np.argsort(-self._area[idx], kind="stable")]  # big first: an enclave lands on top
        size = TILE_PX * SUPERSAMPLE
        label = label_image(self.geoms[idx], z, x, y, size, shift.forward if shift else None,
                            simple=self._simple[idx])
        colours = [colour] if colour and len(self.colours) == 1 else self.colours
        index = np.concatenate([[0], self.colour_index[idx]]).astype(np.int64)[label]
        if z >= self.outline_zoom:
            index[edges_of(label)] = len(colours) + 1
        return Tile(_png(index, _palette(tuple(colours), self.fill_opacity)), "image/png", len(idx))

    def first_tiles(self, z: int) -> list[tuple[int, int, int]]:
        """The tiles of zoom z covering the layer (what a map showing all of it at z asks for)."""
        x0, y0, x1, y1 = lonlat_tile_range(self.bounds, z)
        return [(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]

    def feature_at(self, lon: float, lat: float) -> int | None:
        """The row of the (smallest) polygon containing lon/lat, or None."""
        hits = self.tree.query(shapely.Point(lon, lat), predicate="intersects")
        if not len(hits):
            return None
        return int(hits[np.argmin(self._area[hits])])


@dataclass
class PointSource:
    """Tiles of a large point layer: vector points, thinned to one per few pixels below the deepest zoom."""

    layer_id: str
    lon: np.ndarray
    lat: np.ndarray
    columns: dict[str, pd.Series]
    minzoom: int = MINZOOM
    maxzoom: int = MAXZOOM
    radius_px: float = 4.0
    bounds: tuple[float, float, float, float] = field(init=False)

    def __post_init__(self):
        self.bounds = (float(np.nanmin(self.lon)), float(np.nanmin(self.lat)),
                       float(np.nanmax(self.lon)), float(np.nanmax(self.lat)))

    @classmethod
    def from_geometries(cls, layer_id: str, geoms: np.ndarray, columns: dict[str, pd.Series], **kw) -> PointSource:
        """A source from point (or multipoint: its first point) geometries in lon/lat."""
        first = shapely.get_point(geoms, 0)
        single = shapely.get_type_id(geoms) == 0
        pts = np.where(single, geoms, first)  # missing geometries give NaN coordinates: never in a tile
        return cls(layer_id, shapely.get_x(pts), shapely.get_y(pts), columns, **kw)

    @property
    def kind(self) -> str:
        """What the layer holds: "point"."""
        return "point"

    @property
    def detail_zoom(self) -> int:
        """Points are vectors from the first zoom on."""
        return self.minzoom

    def format_at(self, z: int) -> str:
        """Always 'pbf' (vector tiles)."""
        return "pbf"

    def tile(self, z: int, x: int, y: int, shift: CoordShift | None = None, colour: str | None = None) -> Tile:
        """The points in tile z/x/y (plus a symbol's radius), one per POINT_CELL_PX cell below maxzoom.

        colour: unused (points are coloured by the map's style).
        """
        pad = self.radius_px + 2
        west, south, east, north = shapely.bounds(_query_box(z, x, y, pad, shift))
        sel = np.flatnonzero((self.lon >= west) & (self.lon <= east) & (self.lat >= south) & (self.lat <= north))
        if not len(sel):
            return Tile(b"", "application/x-protobuf")
        project = tile_projector(z, x, y, EXTENT, shift.forward if shift else None)
        tx, ty = project(self.lon[sel], self.lat[sel])
        limit = pad * EXTENT / TILE_PX
        inside = (tx >= -limit) & (tx <= EXTENT + limit) & (ty >= -limit) & (ty <= EXTENT + limit)
        sel, tx, ty = sel[inside], tx[inside], ty[inside]
        if z < self.maxzoom:
            keep, counts = point_cells(tx, ty, POINT_CELL_PX * EXTENT / TILE_PX)
        else:
            keep, counts = np.arange(len(sel)), np.ones(len(sel), dtype=np.intp)
        geoms = shapely.points(np.round(tx[keep]), np.round(ty[keep]))
        extra = [{"n": int(n)} if n > 1 else {} for n in counts]
        return Tile(encode_mvt(self.layer_id, geoms, sel[keep], self.columns, extra), "application/x-protobuf",
                    len(keep))

    def first_tiles(self, z: int) -> list[tuple[int, int, int]]:
        """The tiles of zoom z covering the layer."""
        x0, y0, x1, y1 = lonlat_tile_range(self.bounds, z)
        return [(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]


# ---------------------------------------------------------------- the shared copy every process reads

#: Arrays of a shared copy, by kind (each an .npy file beside meta.json).
_POLYGON_ARRAYS = ("wkb", "offsets", "boxes", "colour_index")
_POINT_ARRAYS = ("lon", "lat")


def _codes(series: pd.Series) -> tuple[np.ndarray, list[str]]:
    """A tile column as int32 category codes (-1 missing) and its categories as text."""
    values = series.astype(object).where(series.notna(), None).map(lambda v: None if v is None else str(v))
    cat = pd.Categorical(values)
    return cat.codes.astype(np.int32), [str(c) for c in cat.categories]


def write_shared(path: Path, source) -> bool:
    """Save what `source`'s tiles need at `path` (a folder), atomically: built beside it, then renamed in place.

    Returns False when another writer got there first (its folder is kept; both hold the same layer version).
    """
    path = Path(path)
    if path.is_dir():
        return False
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp")
    tmp.mkdir(parents=True)
    try:
        meta = {"kind": source.kind, "layer_id": source.layer_id, "bounds": list(source.bounds),
                "minzoom": source.minzoom, "maxzoom": source.maxzoom, "columns": {}}
        arrays: dict[str, np.ndarray] = {}
        if source.kind == "polygon":
            wkbs = shapely.to_wkb(source.geoms)
            lengths = np.array([0 if w is None else len(w) for w in wkbs], dtype=np.int64)
            arrays["offsets"] = np.concatenate([[0], np.cumsum(lengths)])
            arrays["wkb"] = np.frombuffer(b"".join(w for w in wkbs if w is not None), dtype=np.uint8)
            arrays["boxes"] = shapely.bounds(source.geoms)  # NaN for a missing geometry: never in a tile
            arrays["colour_index"] = np.asarray(source.colour_index, dtype=np.uint8)
            meta.update(colours=list(source.colours), fill_opacity=source.fill_opacity,
                        detail_zoom=source.detail_zoom, outline_zoom=source.outline_zoom)
        else:
            arrays["lon"], arrays["lat"] = np.asarray(source.lon, dtype=np.float64), np.asarray(source.lat, dtype=np.float64)
            meta["radius_px"] = source.radius_px
        for name, series in source.columns.items():
            codes, categories = _codes(series)
            key = f"column{len(meta['columns'])}"
            arrays[key] = codes
            meta["columns"][name] = {"array": key, "categories": categories}
        for name, array in arrays.items():
            np.save(tmp / f"{name}.npy", array, allow_pickle=False)
        (tmp / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        try:
            os.rename(tmp, path)  # atomic; fails when a racing writer's folder is already there
        except OSError:
            if path.is_dir():
                return False
            raise
        return True
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


class SharedSource:
    """A layer's tiles from its shared copy (``write_shared``): the arrays memory-mapped, a tile decoding only the
    features whose box touches it (a part-layer PolygonSource made per tile, carrying the layer's row numbers)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        meta = json.loads((self.path / "meta.json").read_text(encoding="utf-8"))
        self.meta = meta
        self.kind: str = meta["kind"]
        self.layer_id: str = meta["layer_id"]
        self.bounds = tuple(meta["bounds"])
        self.minzoom, self.maxzoom = meta["minzoom"], meta["maxzoom"]
        names = (_POLYGON_ARRAYS if self.kind == "polygon" else _POINT_ARRAYS) + tuple(
            c["array"] for c in meta["columns"].values())
        self._arrays = {n: np.load(self.path / f"{n}.npy", mmap_mode="r", allow_pickle=False) for n in names}
        if self.kind == "polygon":
            self.detail_zoom, self.outline_zoom = meta["detail_zoom"], meta["outline_zoom"]
            self.columns = {}
        else:
            self.detail_zoom = self.minzoom
            self._points = PointSource(self.layer_id, self._arrays["lon"], self._arrays["lat"], self._columns(None),
                                       minzoom=self.minzoom, maxzoom=self.maxzoom, radius_px=meta["radius_px"])

    def format_at(self, z: int) -> str:
        """'png' below the detail zoom of a polygon layer, else 'pbf'."""
        return "png" if self.kind == "polygon" and z < self.detail_zoom else "pbf"

    def first_tiles(self, z: int) -> list[tuple[int, int, int]]:
        """The tiles of zoom z covering the layer."""
        x0, y0, x1, y1 = lonlat_tile_range(self.bounds, z)
        return [(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]

    def _columns(self, rows: np.ndarray | None) -> dict[str, pd.Series]:
        """The tile columns of the given rows (all when None), as categoricals."""
        out = {}
        for name, col in self.meta["columns"].items():
            codes = np.asarray(self._arrays[col["array"]] if rows is None else self._arrays[col["array"]][rows])
            out[name] = pd.Series(pd.Categorical.from_codes(codes, col["categories"]))
        return out

    def tile(self, z: int, x: int, y: int, shift: CoordShift | None = None, colour: str | None = None) -> Tile:
        """Tile z/x/y, made from the features whose box reaches it."""
        if self.kind == "point":
            return self._points.tile(z, x, y, shift)
        pad = 1 if z < self.detail_zoom else BUFFER * TILE_PX / EXTENT
        west, south, east, north = shapely.bounds(_query_box(z, x, y, pad, shift))
        boxes = self._arrays["boxes"]
        rows = np.flatnonzero((boxes[:, 0] <= east) & (boxes[:, 2] >= west) & (boxes[:, 1] <= north)
                              & (boxes[:, 3] >= south))
        media = "image/png" if z < self.detail_zoom else "application/x-protobuf"
        if not len(rows):
            return Tile(b"", media)
        wkb, offsets = self._arrays["wkb"], np.asarray(self._arrays["offsets"])
        geoms = shapely.from_wkb(np.array([wkb[offsets[r]:offsets[r + 1]].tobytes() for r in rows], dtype=object))
        part = PolygonSource(self.layer_id, geoms, self._columns(rows), np.asarray(self._arrays["colour_index"][rows]),
                             self.meta["colours"], fill_opacity=self.meta["fill_opacity"], minzoom=self.minzoom,
                             maxzoom=self.maxzoom, detail_zoom=self.detail_zoom, outline_zoom=self.outline_zoom,
                             fids=rows)
        return part.tile(z, x, y, shift, colour)
