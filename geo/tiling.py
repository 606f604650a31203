"""Web-map tile maths and the geometry of one tile (pure numpy + shapely): what a tile holds, in tile units.

Tiles follow the XYZ scheme of Leaflet (Web Mercator, y down from the north). Geometries come in lon/lat
(WGS84/CGCS2000, which agree to centimetres) and are projected per tile, so no projected copy of a whole
layer is ever kept.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import shapely
from shapely.errors import GEOSException

#: Half the Web Mercator world width, metres (EPSG:3857).
ORIGIN = 20037508.342789244
#: Pixels per tile edge in Leaflet.
TILE_PX = 256
EARTH_RADIUS = 6378137.0
MAX_LAT = 85.0511

#: A lon/lat → lon/lat shift applied before projecting (e.g. WGS84 → GCJ-02 for 高德 basemaps).
Shift = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def mercator_xy(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """Lon/lat degrees to Web Mercator metres."""
    lat = np.clip(np.asarray(lat, dtype=float), -MAX_LAT, MAX_LAT)
    x = np.radians(np.asarray(lon, dtype=float)) * EARTH_RADIUS
    y = np.log(np.tan(np.pi / 4 + np.radians(lat) / 2)) * EARTH_RADIUS
    return x, y


def mercator_lonlat(x, y) -> tuple[np.ndarray, np.ndarray]:
    """Web Mercator metres to lon/lat degrees."""
    lon = np.degrees(np.asarray(x, dtype=float) / EARTH_RADIUS)
    lat = np.degrees(2 * np.arctan(np.exp(np.asarray(y, dtype=float) / EARTH_RADIUS)) - np.pi / 2)
    return lon, lat


def to_mercator(geoms: np.ndarray) -> np.ndarray:
    """Lon/lat (WGS84/CGCS2000) geometries to Web Mercator metres."""
    return shapely.transform(geoms, lambda xy: np.column_stack(mercator_xy(xy[:, 0], xy[:, 1])))


def resolution(z: int) -> float:
    """Metres per screen pixel at zoom z (at the equator, Web Mercator)."""
    return 2 * ORIGIN / (TILE_PX * 2**z)


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """(minx, miny, maxx, maxy) of tile z/x/y in Web Mercator metres (XYZ scheme, y down from the north)."""
    size = 2 * ORIGIN / 2**z
    return (-ORIGIN + x * size, ORIGIN - (y + 1) * size, -ORIGIN + (x + 1) * size, ORIGIN - y * size)


def tile_lonlat_bounds(z: int, x: int, y: int, pad_px: float = 0.0) -> tuple[float, float, float, float]:
    """(west, south, east, north) of tile z/x/y in degrees, grown by pad_px screen pixels on every side.

    Web Mercator maps lon and lat separately, so a tile is a lon/lat rectangle too.
    """
    minx, miny, maxx, maxy = tile_bounds(z, x, y)
    pad = pad_px * (maxx - minx) / TILE_PX
    (west, east), (south, north) = mercator_lonlat([minx - pad, maxx + pad], [miny - pad, maxy + pad])
    return float(west), float(south), float(east), float(north)


def tile_range(bounds: tuple[float, float, float, float], z: int) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1), inclusive, of the tiles at zoom z covering Web Mercator bounds."""
    size = 2 * ORIGIN / 2**z
    minx, miny, maxx, maxy = bounds
    last = 2**z - 1
    x0 = min(last, max(0, math.floor((minx + ORIGIN) / size)))
    x1 = min(last, max(0, math.floor((maxx + ORIGIN) / size)))
    y0 = min(last, max(0, math.floor((ORIGIN - maxy) / size)))
    y1 = min(last, max(0, math.floor((ORIGIN - miny) / size)))
    return x0, y0, x1, y1


def lonlat_tile_range(bounds: tuple[float, float, float, float], z: int) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1), inclusive, of the tiles at zoom z covering lon/lat bounds (west, south, east, north)."""
    (minx, maxx), (miny, maxy) = mercator_xy([bounds[0], bounds[2]], [bounds[1], bounds[3]])
    return tile_range((minx, miny, maxx, maxy), z)


def tile_projector(z: int, x: int, y: int, extent: int, shift: Shift | None = None):
    """A function mapping lon/lat arrays to tile units of z/x/y (0..extent, y down), after the optional shift."""
    minx, _, maxx, maxy = tile_bounds(z, x, y)
    scale = extent / (maxx - minx)

    def project(lon, lat):
        if shift is not None:
            lon, lat = shift(lon, lat)
        mx, my = mercator_xy(lon, lat)
        return (mx - minx) * scale, (maxy - my) * scale

    return project


def to_tile_units(geoms: np.ndarray, z: int, x: int, y: int, extent: int, shift: Shift | None = None) -> np.ndarray:
    """Lon/lat geometries in the float tile units of z/x/y (not clipped, not snapped)."""
    project = tile_projector(z, x, y, extent, shift)
    return shapely.transform(geoms, lambda xy: np.column_stack(project(xy[:, 0], xy[:, 1])))


def simplify_coverage(geoms: np.ndarray, tolerance: float, boundary: bool = True) -> np.ndarray:
    """Simplify polygons that tile the land together, keeping shared edges shared (no gaps, no slivers)."""
    if tolerance <= 0:
        return geoms
    return shapely.coverage_simplify(geoms, tolerance, simplify_boundary=boundary)


def is_coverage(geoms: np.ndarray) -> bool:
    """True when the polygons neither overlap nor leave hairline gaps between neighbours."""
    return bool(shapely.coverage_is_valid(geoms, gap_width=0.0))


def simplify_tile(local: np.ndarray, tolerance: float) -> tuple[np.ndarray, bool]:
    """Polygons of one tile (tile units, not yet clipped) simplified; (geometries, whether as a coverage).

    A tile's parcels are a coverage when neighbours share edges exactly: shared edges are then simplified
    once for both (no gaps open). The tile's outer boundary is kept as it is: every edge inside the tile
    whose neighbour is missing from the tile is a real outer edge (a shore, a gap in the data).
    Otherwise each polygon is simplified on its own.
    """
    if tolerance <= 0 or not len(local):
        return local, False
    try:
        if is_coverage(local):
            return simplify_coverage(local, tolerance, boundary=False), True
    except GEOSException:  # not a clean polygon coverage: fall through
        pass
    return shapely.simplify(local, tolerance, preserve_topology=True), False


def clip_and_snap(local: np.ndarray, extent: int, buffer: int) -> np.ndarray:
    """Tile-unit geometries clipped to the tile plus buffer, snapped to whole units, rings wound as MVT wants.

    Vertices snap to the tile grid identically for neighbours, so shared edges stay shared.
    """
    clipped = shapely.clip_by_rect(local, -buffer, -buffer, extent + buffer, extent + buffer)
    snapped = shapely.set_precision(clipped, 1.0)
    # Mapbox Vector Tile: exterior rings clockwise on screen (y down) == counter-clockwise in these numbers.
    return shapely.orient_polygons(snapped, exterior_cw=False)


def tile_geometries(geoms: np.ndarray, z: int, x: int, y: int, extent: int = 4096, buffer: int = 64,
                    tolerance_px: float = 0.0, shift: Shift | None = None) -> tuple[np.ndarray, bool]:
    """Lon/lat polygons or lines as they go into tile z/x/y: projected, simplified, clipped, snapped.

    tolerance_px > 0 simplifies by that many screen pixels (as a coverage when the polygons are one, see
    simplify_tile). Returns (geometries aligned with the input, empty where nothing is left; coverage?).
    """
    local = to_tile_units(geoms, z, x, y, extent, shift)
    local, coverage = simplify_tile(local, tolerance_px * extent / TILE_PX)
    return clip_and_snap(local, extent, buffer), coverage


def point_cells(tx: np.ndarray, ty: np.ndarray, cell: float) -> tuple[np.ndarray, np.ndarray]:
    """Thin points to one per cell of a grid (tile units): (index of each kept point, points in its cell).

    The kept point is the first of its cell in input order, so neighbouring tiles keep the same ones.
    """
    if not len(tx):
        return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.intp)
    cx = np.floor(tx / cell).astype(np.int64)
    cy = np.floor(ty / cell).astype(np.int64)
    key = (cx - cx.min()) * (cy.max() - cy.min() + 1) + (cy - cy.min())
    _, first, counts = np.unique(key, return_index=True, return_counts=True)
    order = np.argsort(first)
    return first[order], counts[order]


def zoom_for_width(width_m: float, lat: float, min_px: float, lo: int, hi: int) -> int:
    """The first zoom in [lo, hi] at which something width_m wide (at latitude lat) spans min_px pixels."""
    for z in range(lo, hi + 1):
        if width_m / (resolution(z) * math.cos(math.radians(lat))) >= min_px:
            return z
    return hi
