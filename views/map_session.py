"""The map page's view as its widget keys in `st.session_state` hold it: read by the map page and by the pages that
take a view from it (编辑汇报's 「从当前地图视图添加一页」), kept by the router while other pages are shown."""

from __future__ import annotations

import streamlit as st

from core import settings
from core.declarations import LAYERS
from layers.query import Filters
from views.state import ViewState


def keep_state(mode: str = "map") -> None:
    """Keep the map's widget values while another page is shown (Streamlit drops the state of widgets not drawn).

    On another page the map frame is gone: back on the map, a new frame opens where the view was left.
    """
    ss = st.session_state
    if mode != "map":
        ss.map_key = None
    if "tianditu_tk" in ss:  # the 天地图 key typed on the map page, for the pages drawn over its basemap (校正位置)
        ss.tianditu_typed = ss.tianditu_tk
    for key in ["basemap", "town", *(f"f_{k}" for k in Filters.keys()), *(f"layer_{s.id}" for s in LAYERS)]:
        if key in ss:
            ss[key] = ss[key]


def current_state() -> ViewState:
    """The view as the widgets and the map hold it now."""
    ss = st.session_state
    view = ss.get("view")
    return ViewState(
        basemap=ss.get("basemap", "none"),
        layers=tuple(s.id for s in LAYERS if ss.get(f"layer_{s.id}")),
        town=ss.get("town", ""),
        filters=Filters(**{k: ss.get(f"f_{k}", "") for k in Filters.keys()}),
        sel=ss.get("sel", ""),
        center=tuple(view[0]) if view else None,
        zoom=view[1] if view else None,
    )


def tianditu_token() -> str:
    """The 天地图 key to use: the one typed in the map page's sidebar, else the settings' (empty: no 天地图 tiles are
    requested). The 校正位置 page draws over the same basemap with the same key."""
    ss = st.session_state
    typed = ss.get("tianditu_tk", ss.get("tianditu_typed")) if ss.get("basemap", "none").startswith("tianditu") else ""
    return typed or settings.current().tianditu_token
