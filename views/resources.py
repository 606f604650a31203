"""What every page shares, built once per server process: offline assets, the plan, the catalogue, the drawn map;
and the one way a view reaches the office's data: `store()` and `tracking()`, the store the settings name now.

Streamlit's caches live here and nowhere else; pages call these functions instead of reading globals or opening the
store themselves. The store object is not cached here (store.open_store keeps one per place): a change of settings
between runs (another database, another workspace) is followed on the next call.
"""

from __future__ import annotations

import copy
import time

import folium
import streamlit as st

from core import settings
from core.errors import ChaohuError
from layers import assets
from layers.catalog import Catalog, load_catalog
from layers.editmap import base_context, context_layers, place_context
from layers.mapview import BASEMAPS, build_map
from layers.userlayers import is_large, tiled_layer
from loaders.plan import Plan, load_plan
from store import open_store
from store.base import Store
from tracking.items import TrackItems
from tracking.load import plan_items
from tracking.service import Tracking
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


@st.cache_resource(show_spinner=False)
def _cleaned(where: str, _store: Store) -> None:
    """Remove the store's leftovers (expired sessions, recycle bin past 30 days, stale upload copies) once per process
    and place (`where`, the store's description; the store itself is not part of the cache key)."""
    _store.cleanup()


def store() -> Store:
    """The office store the settings name (PostGIS or the workspace GeoPackage), cleaned up on its first use in the
    process."""
    opened = open_store()
    _cleaned(opened.describe(), opened)
    return opened


@st.cache_resource(show_spinner="正在整理跟踪事项…")
def _items() -> TrackItems:
    return plan_items(plan())


def tracking() -> Tracking:
    """Tracking for the app: the plan's items (derived once per process) on the store in effect."""
    return Tracking(plan=plan(), items=_items(), store=store())


#: (revision, when asked): a script run asks for the catalogue many times; the store is asked at most once a second.
_REVISION: list = [None, 0.0]
REVISION_TTL_S = 1.0


def layers_revision() -> int | None:
    """The newest change to the store's layers (any user, any process): the catalogue and the map are rebuilt when it
    moves on. None while the store cannot be read (the catalogue then says so in its problems)."""
    revision, asked = _REVISION
    if time.monotonic() - asked < REVISION_TTL_S:
        return revision
    try:
        latest = store().changes(kind="layer", limit=1)
        revision = latest[0].id if latest else 0
    except ChaohuError:
        revision = None
    _REVISION[:] = [revision, time.monotonic()]
    return revision


def corrections_stamp() -> tuple[int, int]:
    """A cheap token that changes whenever a position correction is written, by this process or another one."""
    try:
        return store().corrections_stamp()
    except ChaohuError:  # an unreachable store: the catalogue says so itself
        return (-1, -1)


def data_stamp() -> tuple:
    """What the catalogue and the map are built from besides the shipped files: the store's layers and corrections."""
    return (layers_revision(), corrections_stamp())


@st.cache_resource(show_spinner="正在读取图层…", max_entries=2)
def _catalog(stamp: tuple) -> Catalog:
    return load_catalog()


def catalog() -> Catalog:
    """Every layer with the planner's own, joined to the towns, with the position corrections in effect
    (as of the store's latest layer change and correction)."""
    return _catalog(data_stamp())


@st.cache_resource(show_spinner="正在生成地图…", max_entries=32)
def _map(visible: tuple[str, ...], basemap: str, token: str, only: frozenset | None, stamp: tuple) -> folium.Map:
    cat = _catalog(stamp)
    user = cat.user_layers()
    extra = [(spec, gdf) for spec, gdf in user if not is_large(gdf)]
    tiled = [(spec, tiled_layer(spec, gdf, gcj02=BASEMAPS[basemap][3])) for spec, gdf in user if is_large(gdf)]
    m = build_map(cat.layers, list(visible), basemap, token, set(only) if only is not None else None,
                  extra=extra, tiled=tiled, height=MAP_HEIGHT)
    assets.offline(m, mode="static")
    return m


@st.cache_resource(show_spinner="正在生成地图…", max_entries=32)
def _map_strings(visible: tuple[str, ...], basemap: str, token: str, only: frozenset | None, stamp: tuple) -> MapStrings:
    return render_map(copy.deepcopy(_map(visible, basemap, token, only, stamp)))


def map_strings(visible, basemap: str, token: str, only: set[str] | None) -> MapStrings:
    """The map for these layers, basemap and filter, rendered once per server process (and data state) for the map frame."""
    return _map_strings(tuple(visible), basemap, token, frozenset(only) if only is not None else None, data_stamp())


@st.cache_resource(show_spinner=False, max_entries=4)
def _edit_base(gcj02: bool, revision, _stamp: tuple) -> dict:
    return base_context(_catalog(_stamp), gcj02)


@st.cache_resource(show_spinner=False, max_entries=4)
def _edit_places(gcj02: bool, stamp: tuple) -> dict:
    return place_context(_catalog(stamp), gcj02)


def edit_context(gcj02: bool) -> dict:
    """The surroundings under 校正位置's drawing map (layers/editmap.py) for a basemap kind: the towns, lake and city
    once per layer revision, the plan places once per data state (after each correction)."""
    stamp = data_stamp()
    return context_layers(_catalog(stamp), gcj02, base=_edit_base(gcj02, stamp[0], stamp), places=_edit_places(gcj02, stamp))


def forget_user_layers() -> None:
    """The workspace changed here: ask the store for its revision on the next call (catalogue and map follow it)."""
    _REVISION[:] = [None, 0.0]
