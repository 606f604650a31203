"""Map views: which centre and zoom show a set of bounds."""

from __future__ import annotations

import math

from geo.tiling import mercator_y


def view_for(bounds: tuple[float, float, float, float], width_px: int = 900, height_px: int = 700,
             max_zoom: int = 17) -> tuple[list[float], int]:
    """Centre [lat, lon] and the largest web-mercator zoom at which lon/lat `bounds` fit the map."""
    minx, miny, maxx, maxy = bounds
    center = [(miny + maxy) / 2, (minx + maxx) / 2]

    for z in range(max_zoom, 1, -1):
        scale = 256 * 2**z
        w = (maxx - minx) / 360 * scale
        h = float(mercator_y(maxy) - mercator_y(miny)) / (2 * math.pi) * scale
        if w <= width_px * 0.85 and h <= height_px * 0.85:
            return center, z
    return center, 2


def screen_size(bounds: tuple[float, float, float, float], zoom: int) -> tuple[int, int]:
    """Width and height in pixels of a web map showing lon/lat `bounds` at `zoom` (the inverse of view_for)."""
    minx, miny, maxx, maxy = bounds
    scale = 256 * 2**zoom
    w = (maxx - minx) / 360 * scale
    h = float(mercator_y(maxy) - mercator_y(miny)) / (2 * math.pi) * scale
    return round(w), round(h)
