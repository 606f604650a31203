"""Declarations for the planner's own layers, made from the files found in the workspace."""

from __future__ import annotations

import geopandas as gpd

from layers.registry import LayerSpec
from loaders.workspace import read_user_layers

USER_COLORS = ("#e8590c", "#5f3dc4", "#087f5b", "#c2255c")


def user_layers() -> list[tuple[LayerSpec, gpd.GeoDataFrame]]:
    """(declaration, data) for each workspace layer, shown in the 我的数据 group."""
    out = []
    for i, (stem, gdf) in enumerate(read_user_layers()):
        gdf = gdf.copy()
        if "name" not in gdf:
            text_cols = [c for c in gdf.columns if c != "geometry" and gdf[c].dtype == object]
            gdf["name"] = gdf[text_cols[0]].astype(str) if text_cols else [f"{stem}-{j + 1}" for j in range(len(gdf))]
        gdf["id"] = [f"user_{i}_{j}" for j in range(len(gdf))]
        kinds = set(gdf.geom_type.dropna())
        geometry = "Point" if kinds <= {"Point", "MultiPoint"} else "LineString" if kinds <= {"LineString", "MultiLineString"} else "Polygon"
        spec = LayerSpec(id=f"user_{i}", title=f"我的数据：{stem}", group="我的数据", geometry=geometry, file=stem,
                         color=USER_COLORS[i % len(USER_COLORS)], fill_opacity=0.3, plan=False,
                         popup_fields=(("name", "名称"),))
        out.append((spec, gdf))
    return out
