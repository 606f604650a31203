"""Approximate zones around seat points (Voronoi cells) where no real boundaries exist."""

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from geo.crs import MEASURE

#: The method text every generated zone carries, so no one mistakes it for a boundary.
VORONOI_METHOD = "泰森多边形（按镇街驻地估计位置）：非官方界线，仅供分镇街汇总参考"


def _polygonal(geom: BaseGeometry) -> BaseGeometry:
    """The polygon parts of a clip result (drops stray lines/points), valid and non-empty."""
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.make_valid(shapely.union_all(parts)) if parts else shapely.Polygon()


def voronoi_zones(
    seats: gpd.GeoDataFrame,
    extent: BaseGeometry,
    water: BaseGeometry | None = None,
    water_name: str = "巢湖（水域）",
) -> gpd.GeoDataFrame:
    """Voronoi cells of the seats, clipped to extent minus water, plus water∩extent as its own unit.

    `extent` and `water` are in the seats' CRS; cells are built in EPSG:4548 and returned in
    the seats' CRS with the seats' attribute columns, `accuracy` and `method`. The cells and
    the water unit tile the extent exactly.
    """
    to_m = lambda g: gpd.GeoSeries([g], crs=seats.crs).to_crs(MEASURE).iloc[0]  # noqa: E731
    extent_m = shapely.make_valid(to_m(extent))
    water_m = shapely.intersection(extent_m, shapely.make_valid(to_m(water))) if water is not None else None
    land_m = shapely.difference(extent_m, water_m) if water_m is not None else extent_m

    points = seats.geometry.to_crs(MEASURE)
    xmin, ymin, xmax, ymax = extent_m.buffer(10_000).bounds
    frame = shapely.box(xmin, ymin, xmax, ymax)
    cells = shapely.voronoi_polygons(shapely.MultiPoint(list(points)), extend_to=frame, ordered=True)
    clipped = [_polygonal(shapely.intersection(cell, land_m)) for cell in shapely.get_parts(cells)]
    clipped = _merge_fragments(clipped, list(points))

    zones = seats.drop(columns=seats.geometry.name).copy()
    zones = gpd.GeoDataFrame(zones, geometry=gpd.GeoSeries(clipped, index=seats.index, crs=MEASURE))
    zones["accuracy"] = "approximate"
    zones["method"] = VORONOI_METHOD
    if water_m is not None and not water_m.is_empty:
        lake_row = gpd.GeoDataFrame(
            {"id": ["water"], "name": [water_name], "kind": ["水域"], "accuracy": ["approximate"],
             "method": ["水面：湖岸线与范围相交，单列为水域单元"]},
            geometry=gpd.GeoSeries([_polygonal(water_m)], crs=MEASURE),
        )
        zones = gpd.GeoDataFrame(
            pd.concat([zones, lake_row], ignore_index=True), crs=MEASURE
        )
    zones = zones.to_crs(seats.crs)
    # reprojection can leave slivers of self-intersection: repair, keeping polygons only
    repaired = [_polygonal(shapely.make_valid(g)) for g in zones.geometry]
    return zones.set_geometry([_drop_slivers(g, seats.crs) for g in repaired], crs=seats.crs)


def _merge_fragments(cells: list, seats: list) -> list:
    """Hand each detached piece of a cell (not the piece holding, or nearest, its seat) to the
    land neighbour sharing the longest border, so every zone is one piece; pieces surrounded
    by water or the extent's edge (islands) stay with their seat."""
    cells = list(cells)
    for i, (cell, seat) in enumerate(zip(cells, seats)):
        parts = list(shapely.get_parts(cell))
        if len(parts) < 2:
            continue
        home = min(range(len(parts)), key=lambda k: parts[k].distance(seat))
        for k, part in enumerate(parts):
            if k == home:
                continue
            shared = [(shapely.intersection(part.boundary, c.boundary).length, j)
                      for j, c in enumerate(cells) if j != i and part.intersects(c)]
            if not shared or max(shared)[0] == 0:
                continue
            j = max(shared)[1]
            cells[j] = _polygonal(shapely.union(cells[j], part))
            cells[i] = _polygonal(shapely.difference(cells[i], part))
    return [_drop_slivers(c) for c in cells]


def _drop_slivers(cell, crs=MEASURE, min_m2: float = 100.0):
    """The cell without floating-point slivers (< min_m2, measured in EPSG:4548) that unions,
    differences and reprojection leave behind."""
    parts = shapely.get_parts(cell)
    keep = gpd.GeoSeries(parts, crs=crs).to_crs(MEASURE).area.to_numpy() >= min_m2
    return shapely.union_all(parts[keep]) if keep.any() else cell
