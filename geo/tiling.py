"""Web-map tile maths and per-zoom polygon preparation for vector tiles (pure geometry, numpy + shapely)."""

from __future__ import annotations

import math

import numpy as np
import shapely

#: Half the Web Mercator world width, metres (EPSG:3857).
ORIGIN = 20037508.342789244
#: Pixels per tile edge in Leaflet.
TILE_PX = 256


#: The sphere radius of Web Mercator, metres.
RADIUS = 6378137.0


def mercator_y(lat):
    """Web Mercator northing of latitude(s) in degrees, in units of the sphere's radius (scalar or array)."""
    lat = np.clip(lat, -85.0511, 85.0511)
    return np.log(np.tan(np.pi / 4 + np.radians(lat) / 2))


def to_mercator(geoms: np.ndarray) -> np.ndarray:
    """Lon/lat (WGS84/CGCS2000) geometries to Web Mercator metres."""

    def fn(xy):
        return np.column_stack([np.radians(xy[:, 0]) * RADIUS, mercator_y(xy[:, 1]) * RADIUS])

    return shapely.transform(geoms, fn)


def resolution(z: int) -> float:
    """Metres per screen pixel at zoom z (at the equator, Web Mercator)."""
    return 2 * ORIGIN / (TILE_PX * 2**z)


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """(minx, miny, maxx, maxy) of tile z/x/y in Web Mercator metres (XYZ scheme, y down from the north)."""
    size = 2 * ORIGIN / 2**z
    return (-ORIGIN + x * size, ORIGIN - (y + 1) * size, -ORIGIN + (x + 1) * size, ORIGIN - y * size)


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


def simplify_coverage(geoms: np.ndarray, tolerance: float) -> np.ndarray:
    """Simplify polygons that tile the land together, keeping shared edges shared (no gaps, no slivers)."""
    if tolerance <= 0:
        return geoms
    return shapely.coverage_simplify(geoms, tolerance, simplify_boundary=True)


def is_coverage(geoms: np.ndarray) -> bool:
    """True when the polygons neither overlap nor leave hairline gaps between neighbours."""
    return bool(shapely.coverage_is_valid(geoms, gap_width=0.0))


def tile_geometries(geoms: np.ndarray, z: int, x: int, y: int, extent: int = 4096, buffer: int = 64) -> np.ndarray:
    """Geometries clipped to tile z/x/y (plus a buffer) in integer tile coordinates, y down, MVT winding.

    Vertices snap to the tile grid identically for neighbours, so shared edges stay shared.
    """
    minx, miny, maxx, maxy = tile_bounds(z, x, y)
    scale = extent / (maxx - minx)
    pad = buffer / scale
    clipped = shapely.clip_by_rect(geoms, minx - pad, miny - pad, maxx + pad, maxy + pad)

    def fn(xy):
        return np.column_stack([(xy[:, 0] - minx) * scale, (maxy - xy[:, 1]) * scale])

    local = shapely.set_precision(shapely.transform(clipped, fn), 1.0)
    # Mapbox Vector Tile: exterior rings clockwise on screen (y down) == counter-clockwise in these numbers.
    return shapely.orient_polygons(local, exterior_cw=False)
