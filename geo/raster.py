"""Polygons to a label image, vectorised with numpy (no per-polygon Python loop): for overview pictures.

Each pixel gets the polygon containing its centre (scanline fill, even-odd rule per polygon, so holes stay
empty). Polygons that tile the land (a coverage such as 三调 parcels) therefore leave no pixel of the land
empty however small they are, and a county's 300,000 parcels in one tile are drawn in about a second.
"""

from __future__ import annotations

import numpy as np
import shapely

from geo.tiling import Shift, tile_projector

#: Polygons rasterised per batch: bounds the memory of one picture (~40 MB of arrays per batch).
BATCH = 20_000


def _ring_edges(geoms: np.ndarray):
    """Edges (start, end coordinate positions) and coordinates of polygons/multipolygons, with the owning polygon.

    Uses to_ragged_array (which knows where each ring ends); slower, so only for polygons with holes or parts.
    """
    kind, coords, offsets = shapely.to_ragged_array(geoms)
    if kind == shapely.GeometryType.POLYGON:
        ring_off, geom_off = offsets
        rings_per_geom = np.diff(geom_off)
    elif kind == shapely.GeometryType.MULTIPOLYGON:
        ring_off, poly_off, geom_off = offsets
        rings_per_poly = np.diff(poly_off)
        polys_per_geom = np.diff(geom_off)
        poly_owner = np.repeat(np.arange(len(polys_per_geom)), polys_per_geom)
        rings_per_geom = np.bincount(poly_owner, weights=rings_per_poly, minlength=len(polys_per_geom)).astype(np.int64)
    else:
        raise ValueError(f"not polygons: {kind}")
    owner = np.repeat(np.repeat(np.arange(len(rings_per_geom)), rings_per_geom), np.diff(ring_off))
    last = np.zeros(len(coords), dtype=bool)
    last[ring_off[1:] - 1] = True
    first = np.flatnonzero(~last)
    return coords, first, owner[first]


def _simple_edges(geoms: np.ndarray):
    """Like _ring_edges for polygons without holes (one ring each): straight from get_coordinates, ~5× faster."""
    coords = shapely.get_coordinates(geoms)
    owner = np.repeat(np.arange(len(geoms)), shapely.get_num_coordinates(geoms))
    first = np.flatnonzero(owner[:-1] == owner[1:])
    return coords, first, owner[first]


def is_simple(geoms: np.ndarray) -> np.ndarray:
    """Per geometry: a polygon without holes (one ring), which label_image reads the fast way."""
    return (shapely.get_type_id(geoms) == 3) & (shapely.get_num_interior_rings(geoms) == 0)


def label_image(geoms: np.ndarray, z: int, x: int, y: int, size: int, shift: Shift | None = None,
                labels: np.ndarray | None = None, simple: np.ndarray | None = None) -> np.ndarray:
    """A size×size int32 image of tile z/x/y: at each pixel labels[i] of the polygon i containing its centre, else 0.

    geoms: lon/lat polygons or multipolygons, painted in order (a later one wins where they overlap).
    labels defaults to 1 + the polygon's position; simple (see is_simple) is computed when not given.
    """
    image = np.zeros(size * size, dtype=np.int32)
    if labels is None:
        labels = np.arange(1, len(geoms) + 1, dtype=np.int32)
    if simple is None:
        simple = is_simple(geoms)
    project = tile_projector(z, x, y, size, shift)
    for start in range(0, len(geoms), BATCH):
        part, part_simple = geoms[start:start + BATCH], simple[start:start + BATCH]
        edges = []
        for mask, reader in ((part_simple, _simple_edges), (~part_simple, _ring_edges)):
            pos = np.flatnonzero(mask)
            if len(pos):
                coords, first, owner = reader(part[pos])
                px, py = project(coords[:, 0], coords[:, 1])
                edges.append((px[first], py[first], px[first + 1], py[first + 1], pos[owner]))
        if not edges:
            continue
        x0, y0, x1, y1, edge_owner = (np.concatenate(a) for a in zip(*edges))
        # scanlines j (centre j + 0.5) with min(y0, y1) <= j + 0.5 < max(y0, y1)
        lo = np.maximum(np.ceil(np.minimum(y0, y1) - 0.5), 0).astype(np.int64)
        hi = np.minimum(np.ceil(np.maximum(y0, y1) - 0.5) - 1, size - 1).astype(np.int64)
        n = np.maximum(hi - lo + 1, 0)
        keep = n > 0
        if not keep.any():
            continue
        x0, y0, x1, y1, lo, n, edge_owner = x0[keep], y0[keep], x1[keep], y1[keep], lo[keep], n[keep], edge_owner[keep]
        edge = np.repeat(np.arange(len(n)), n)
        row = lo[edge] + (np.arange(len(edge)) - np.repeat(np.cumsum(n) - n, n))
        t = (row + 0.5 - y0[edge]) / (y1[edge] - y0[edge])
        cross_x = x0[edge] + t * (x1[edge] - x0[edge])
        cross_owner = edge_owner[edge]
        order = np.lexsort((cross_x, row, cross_owner))
        cross_x, row, cross_owner = cross_x[order], row[order], cross_owner[order]
        # even-odd: crossings pair up within each (polygon, row); a pair straddling two groups (only a broken
        # ring could cause one) is dropped rather than painted across polygons
        m = len(cross_x) // 2 * 2
        xs, xe, span_row, span_owner = cross_x[0:m:2], cross_x[1:m:2], row[0:m:2], cross_owner[0:m:2]
        same = (row[1:m:2] == span_row) & (cross_owner[1:m:2] == span_owner)
        c0 = np.maximum(np.ceil(xs - 0.5), 0).astype(np.int64)
        c1 = np.minimum(np.ceil(xe - 0.5) - 1, size - 1).astype(np.int64)
        length = np.maximum(c1 - c0 + 1, 0)
        filled = (length > 0) & same
        c0, length, span_row, span_owner = c0[filled], length[filled], span_row[filled], span_owner[filled]
        if not len(length):
            continue
        # spans are in polygon order (sorted above), so a later polygon wins
        span = np.repeat(np.arange(len(length)), length)
        col = c0[span] + (np.arange(len(span)) - np.repeat(np.cumsum(length) - length, length))
        image[span_row[span] * size + col] = labels[start + span_owner[span]]
    return image.reshape(size, size)


def edges_of(image: np.ndarray) -> np.ndarray:
    """Pixels where the label changes to the right or below (between two polygons, or a polygon and nothing)."""
    out = np.zeros(image.shape, dtype=bool)
    out[:, :-1] |= image[:, :-1] != image[:, 1:]
    out[:-1, :] |= image[:-1, :] != image[1:, :]
    return out & (image > 0)
