"""The map page's layout as a style sheet: the map fills the window's height beside its panel, the sidebar is
narrow."""

from __future__ import annotations

import streamlit as st

from core.templates import style_element

_CSS = style_element("views", "map_page.css")


def map_page_css() -> None:
    """Apply the map page's style sheet (sent once per run; Streamlit caches it)."""
    st.html(_CSS)
