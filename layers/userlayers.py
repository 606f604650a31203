"""Declarations for the planner's own layers, made from the layers in the shared store."""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd

from core.declarations import USER_GROUP, LayerSpec
from layers.columns import COMPUTED
from layers.large import large_layer, parcel_attributes, start
from layers.tilekeys import tiled_kind, tiles_attrs
from loaders.errors import LoadError
from store import open_store

USER_COLORS = ("#e8590c", "#5f3dc4", "#087f5b", "#c2255c")
#: Above this many polygons or points a layer is drawn from tiles the app makes on request (layers/large.py),
#: not sent to the browser whole as GeoJSON.
LARGE_FEATURES = 5000


def is_large(gdf: gpd.GeoDataFrame) -> bool:
    """Whether a planner's layer is big enough to be drawn from tiles: > LARGE_FEATURES polygons or points."""
    return int(gdf.geometry.notna().sum()) > LARGE_FEATURES and tiled_kind(gdf) is not None


def tiled_layer(spec: LayerSpec, gdf: gpd.GeoDataFrame, gcj02: bool = False):
    """The folium layer drawing a large layer from tiles (三调 parcels coloured by 地类编码, others in the layer colour).

    gcj02: the basemap is in GCJ-02 (高德), so the tiles are shifted onto it like the GeoJSON overlays.
    """
    return large_layer(gdf, spec.id, spec.title, color=spec.color, gcj02=gcj02)


def start_tiles(spec: LayerSpec, gdf: gpd.GeoDataFrame) -> None:
    """For a large layer: register it with the tile server and start making its first view's tiles now."""
    if is_large(gdf):
        start(gdf, spec.id, spec.color)


def clicked_attributes(gdf: gpd.GeoDataFrame, props: dict) -> dict[str, str]:
    """Chinese label → text of a feature clicked on a tiled layer: the file's own fields, then its town."""
    attrs = parcel_attributes(gdf, props)
    town = attrs.get("town", "")
    shown = {k: v for k, v in attrs.items() if k not in COMPUTED and v not in ("", "nan", "None")}
    if town and town != "nan":
        shown["所在乡镇/街道（近似范围）"] = town
    return shown


NAME_COLUMNS = ("名称", "NAME", "Name", "MC", "mc", "项目名称", "地块名称", "DKMC", "XMMC", "地类名称", "行政区名称", "用地用海分类名称")


def _names(gdf: gpd.GeoDataFrame, stem: str) -> pd.Series:
    """The column a planner would call the name: a known name column, else the first text column."""
    for col in NAME_COLUMNS:
        if col in gdf:
            return gdf[col].astype(str)
    text = [c for c in gdf.columns if c != "geometry" and pd.api.types.is_string_dtype(gdf[c])]
    if text:
        return gdf[text[0]].astype(str)
    return pd.Series([f"{stem}-{j + 1}" for j in range(len(gdf))], index=gdf.index)


def popup_fields(gdf: gpd.GeoDataFrame, own_name: bool) -> tuple[tuple[str, str], ...]:
    """Every column of the file as (field, label), the name once: the tooltip shows what the panel shows.

    When the name was taken from one of the file's columns (名称, MC …), that column is shown under its own
    heading and the derived `name` is left out; empty values are left out per feature when drawn.
    """
    fields = [c for c in gdf.columns if c not in ("geometry", "id")]
    if not own_name:
        fields = [c for c in fields if c != "name"]
        if not any(gdf[c].astype(str).equals(gdf["name"].astype(str)) for c in fields):
            fields.insert(0, "name")  # a name made up from the file's name: still shown
    return tuple((c, "名称" if c == "name" else str(c)) for c in fields)


@dataclass
class UserLayerSet:
    """The planner's layers declared for the map, and what could not be read (Chinese)."""

    layers: list[tuple[LayerSpec, gpd.GeoDataFrame]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def user_layers(store=None) -> UserLayerSet:
    """(declaration, data) for each layer of `store` (else the store the settings name), in the 我的数据 group.

    A damaged or unreachable store must not take the map down: it is said in `problems` and no layer is shown.
    """
    out = UserLayerSet()
    try:
        store = store or open_store()
        found = [(info, store.read_layer(info)) for info in store.layers()]
    except LoadError as exc:
        out.problems.append(f"工作空间无法读取，其中的图层暂不显示：{exc.message}")
        return out
    for i, (info, gdf) in enumerate(found):
        stem = info.name
        gdf = gdf.copy()
        gdf.attrs["tiles"] = tiles_attrs(info)  # its tiles' URL: any app process finds the layer by it
        own_name = "name" in gdf
        if not own_name:
            gdf["name"] = _names(gdf, stem)
        gdf["id"] = [f"user_{i}_{j}" for j in range(len(gdf))]
        kinds = set(gdf.geom_type.dropna())
        geometry = "Point" if kinds <= {"Point", "MultiPoint"} else "LineString" if kinds <= {"LineString", "MultiLineString"} else "Polygon"
        spec = LayerSpec(id=f"user_{i}", title=f"我的数据：{stem}", group=USER_GROUP, geometry=geometry, file=stem,
                         color=USER_COLORS[i % len(USER_COLORS)], fill_opacity=0.3, plan=False,
                         popup_fields=popup_fields(gdf, own_name))
        out.layers.append((spec, gdf))
    return out
