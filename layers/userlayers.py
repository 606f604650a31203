"""Declarations for the planner's own layers, made from the files found in the workspace."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from layers.registry import LayerSpec
from loaders.workspace import read_user_layers

USER_COLORS = ("#e8590c", "#5f3dc4", "#087f5b", "#c2255c")
MAX_POPUP_FIELDS = 8


NAME_COLUMNS = ("名称", "NAME", "Name", "MC", "mc", "项目名称", "地块名称", "DKMC", "XMMC")


def _names(gdf: gpd.GeoDataFrame, stem: str) -> pd.Series:
    """The column a planner would call the name: a known name column, else the first text column."""
    for col in NAME_COLUMNS:
        if col in gdf:
            return gdf[col].astype(str)
    text = [c for c in gdf.columns if c != "geometry" and pd.api.types.is_string_dtype(gdf[c])]
    if text:
        return gdf[text[0]].astype(str)
    return pd.Series([f"{stem}-{j + 1}" for j in range(len(gdf))], index=gdf.index)


def user_layers() -> list[tuple[LayerSpec, gpd.GeoDataFrame]]:
    """(declaration, data) for each workspace layer, shown in the 我的数据 group."""
    out = []
    for i, (stem, gdf) in enumerate(read_user_layers()):
        gdf = gdf.copy()
        if "name" not in gdf:
            gdf["name"] = _names(gdf, stem)
        gdf["id"] = [f"user_{i}_{j}" for j in range(len(gdf))]
        kinds = set(gdf.geom_type.dropna())
        geometry = "Point" if kinds <= {"Point", "MultiPoint"} else "LineString" if kinds <= {"LineString", "MultiLineString"} else "Polygon"
        fields = [c for c in gdf.columns if c not in ("geometry", "id")][:MAX_POPUP_FIELDS]
        spec = LayerSpec(id=f"user_{i}", title=f"我的数据：{stem}", group="我的数据", geometry=geometry, file=stem,
                         color=USER_COLORS[i % len(USER_COLORS)], fill_opacity=0.3, plan=False,
                         popup_fields=tuple((c, "名称" if c == "name" else c) for c in fields))
        out.append((spec, gdf))
    return out
