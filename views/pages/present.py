"""汇报模式: the tour full screen, no sidebar; keys and clickers step through the slides."""

from __future__ import annotations

import streamlit as st
import streamlit.components.v1 as components

from presentation.tour import load_tour, tour_yaml
from views.tour_view import stamp, tour_page

FULL_SCREEN_CSS = """<style>
  [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header, [data-testid="stToolbar"] {display:none !important}
  .block-container, [data-testid="stMainBlockContainer"] {padding:0 !important; max-width:100% !important}
  iframe[title="st.iframe"], [data-testid="stIFrame"], .stIFrame {height: calc(100vh - 32px) !important; width:100% !important}
</style>"""


def render() -> None:
    """The full-screen presentation page."""
    st.html(FULL_SCREEN_CSS)
    st.markdown('<a href="?mode=map" target="_self" style="font-size:13px">← 退出汇报</a>　'
                '<span style="font-size:13px;color:#666">点击画面后，用 ← → / PageUp PageDown / 空格 翻页，F 全屏</span>',
                unsafe_allow_html=True)
    tour = load_tour()
    page = tour_page(tour_yaml(tour), 0, stamp(tour))
    components.html(page, height=900, scrolling=False)
