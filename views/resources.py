"""What every page shares, built once per server process: offline assets, the plan, the catalogue, the drawn map.

Streamlit's caches live here and nowhere else; pages call these functions instead of reading globals.
"""

from __future__ import annotations

import streamlit as st

from core import settings
from layers import assets
from layers.catalog import Catalog, load_catalog
from layers.mapview import build_map
from layers.userlayers import is_large, tiled_layer
from loaders.plan import Plan, load_plan
from views.mapframe import MapStrings, render_map

MAP_HEIGHT = 720


@st.cache_resource(show_spinner="正在准备离线地图资源…")
def vendor() -> None:
    """Write Leaflet and its plugins under static/vendor (once per process)."""
    assets.materialise_vendor(settings.STATIC_DIR)


@st.cache_resource(show_spinner="正在读取规划数据…")
def plan() -> Plan:
    """The validated plan data (a broken file raises PlanDataError with its Chinese message)."""
    return load_plan()


@st.cache_resource(show_spinner="正在读取图层…")
def catalog() -> Catalog:
    """Every layer with the planner's own, joined to the towns."""
    return load_catalog()


@st.cache_resource(show_spinner="正在生成地图…", max_entries=32)
def _map_strings(visible: tuple[str, ...], basemap: str, token: str, only: frozenset | None) -> MapStrings:
    cat = catalog()
    user = cat.user_layers()
    extra = [(spec, gdf) for spec, gdf in user if not is_large(gdf)]
    tiled = [(spec, tiled_layer(spec, gdf, settings.STATIC_DIR)) for spec, gdf in user if is_large(gdf)]
    m = build_map(cat.layers, list(visible), basemap, token, set(only) if only is not None else None,
                  extra=extra, tiled=tiled, height=MAP_HEIGHT)
    assets.offline(m, mode="static")
    return render_map(m)


def map_strings(visible, basemap: str, token: str, only: set[str] | None) -> MapStrings:
    """The map for these layers, basemap and filter, rendered once per server process for the map frame."""
    return _map_strings(tuple(visible), basemap, token, frozenset(only) if only is not None else None)


def forget_user_layers() -> None:
    """The workspace changed: reload the catalogue (user layers count in summaries) and redraw the map."""
    catalog.clear()
    _map_strings.clear()
