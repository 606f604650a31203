"""Geometry repairs that are counted, never silent: empties dropped, invalid shapes made valid, types split."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely

#: Geometry families a layer is split into, with their Chinese names.
KINDS = {"Point": "点", "MultiPoint": "点", "LineString": "线", "MultiLineString": "线", "LinearRing": "线",
         "Polygon": "面", "MultiPolygon": "面"}
_POLYGONAL = (shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON)


def drop_empty(gdf: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, int]:
    """The rows that have a geometry, and how many had none (null or empty)."""
    keep = gdf.geometry.notna() & ~gdf.geometry.is_empty
    return gdf[keep].copy(), int((~keep).sum())


def _polygonal_part(geom):
    """The polygons of a make_valid result (a bow-tie gives two triangles, slivers collapse to lines and go)."""
    parts = [p for p in shapely.get_parts(geom) if shapely.get_type_id(p) in _POLYGONAL]
    return shapely.union_all(parts) if parts else None


def repair_invalid(gdf: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, int, int]:
    """(layer, repaired, collapsed): invalid geometries made valid; polygons keep only their polygonal part."""
    invalid = ~gdf.geometry.is_valid
    if not invalid.any():
        return gdf, 0, 0
    gdf = gdf.copy()
    fixed = shapely.make_valid(gdf.geometry[invalid].to_numpy())
    was_polygon = gdf.geometry[invalid].geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()
    fixed = [(_polygonal_part(g) if poly else g) for g, poly in zip(fixed, was_polygon)]
    gdf.loc[invalid, gdf.geometry.name] = gpd.GeoSeries(fixed, index=gdf.index[invalid], crs=gdf.crs)
    collapsed = gdf.geometry.isna() | gdf.geometry.is_empty
    return gdf[~collapsed].copy(), int(invalid.sum()), int(collapsed.sum())


def close_polylines(gdf: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, int]:
    """CAD closed polylines (first vertex = last, ≥ 4 vertices) as polygons, and how many were closed."""
    geoms = gdf.geometry.to_numpy()
    lines = shapely.get_type_id(geoms) == shapely.GeometryType.LINESTRING
    closed = lines & shapely.is_closed(geoms) & (shapely.get_num_coordinates(geoms) >= 4)
    if not closed.any():
        return gdf, 0
    gdf = gdf.copy()
    gdf.loc[closed, gdf.geometry.name] = gpd.GeoSeries([shapely.Polygon(g.coords) for g in geoms[closed]], index=gdf.index[closed], crs=gdf.crs)
    return gdf, int(closed.sum())


def explode_collections(gdf: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, int]:
    """Geometry collections split into their parts (attributes repeated), and how many collections there were."""
    is_gc = gdf.geom_type == "GeometryCollection"
    if not is_gc.any():
        return gdf, 0
    parts = gdf[is_gc].explode(index_parts=False)
    return pd.concat([gdf[~is_gc], parts]).sort_index(kind="stable"), int(is_gc.sum())


def split_by_kind(gdf: gpd.GeoDataFrame) -> dict[str, gpd.GeoDataFrame]:
    """The layer split into 点/线/面 parts (a single-kind layer comes back whole under its kind)."""
    kinds = gdf.geom_type.map(KINDS).fillna("其他")
    return {kind: gdf[kinds == kind].reset_index(drop=True) for kind in ("点", "线", "面", "其他") if (kinds == kind).any()}
