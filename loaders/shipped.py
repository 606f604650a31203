"""The points of the shipped layers: the known features an upload's GCJ-02 check compares against."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from core.settings import SHAPEFILE_DIR as SHIPPED_DIR
from geo.crs import STORAGE


def shipped_points(directory: Path = SHIPPED_DIR) -> gpd.GeoSeries | None:
    """Every point of the shipped layers (EPSG:4490): the known features the GCJ-02 check compares against."""
    parts = []
    for shp in sorted(directory.glob("*.shp")):
        try:
            gdf = pyogrio.read_dataframe(shp, encoding="UTF-8", columns=[])
        except Exception:
            continue
        points = gdf[gdf.geom_type == "Point"]
        if len(points):
            parts.append(points.to_crs(STORAGE).geometry)
    return gpd.GeoSeries(pd.concat(parts, ignore_index=True), crs=STORAGE) if parts else None
