"""Map views: which centre and zoom show a set of bounds, which bounds a centre and zoom show, and how many pixels."""

from __future__ import annotations

import math

from geo.tiling import EARTH_RADIUS, TILE_PX, mercator_xy

#: The map's size in pixels when the page does not say (the map page's map is about this big on an office screen).
NOMINAL_PX = (900, 700)


def screen_size(bounds: tuple[float, float, float, float], zoom: int) -> tuple[int, int]:
    """Width and height in pixels of a web map showing lon/lat `bounds` at `zoom` (the inverse of view_for)."""
    minx, miny, maxx, maxy = bounds
    scale = TILE_PX * 2**zoom
    w = (maxx - minx) / 360 * scale
    h = float(mercator_xy(0, maxy)[1] - mercator_xy(0, miny)[1]) / EARTH_RADIUS / (2 * math.pi) * scale
    return round(w), round(h)


def view_for(bounds: tuple[float, float, float, float], width_px: int = NOMINAL_PX[0], height_px: int = NOMINAL_PX[1],
             max_zoom: int = 17) -> tuple[list[float], int]:
    """Centre [lat, lon] and the largest web-mercator zoom at which lon/lat `bounds` fit the map."""
    minx, miny, maxx, maxy = bounds
    center = [(miny + maxy) / 2, (minx + maxx) / 2]
    for z in range(max_zoom, 1, -1):
        w, h = screen_size(bounds, z)
        if w <= width_px * 0.85 and h <= height_px * 0.85:
            return center, z
    return center, 2


def view_bounds(center: tuple[float, float], zoom: float, width_px: int = NOMINAL_PX[0],
                height_px: int = NOMINAL_PX[1]) -> tuple[float, float, float, float]:
    """(west, south, east, north) in degrees that a web map of this size shows at centre (lat, lon) and zoom."""
    lat, lon = center
    world = TILE_PX * 2**zoom  # pixels around the world at this zoom
    half_lon = width_px / 2 / world * 360
    y = float(mercator_xy(0, lat)[1]) / EARTH_RADIUS
    half_y = height_px / 2 / world * 2 * math.pi
    south = math.degrees(2 * math.atan(math.exp(y - half_y)) - math.pi / 2)
    north = math.degrees(2 * math.atan(math.exp(y + half_y)) - math.pi / 2)
    return (lon - half_lon, south, lon + half_lon, north)
