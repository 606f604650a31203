"""The map page's layout as a style sheet: the map fills the window's height beside its panel, the sidebar is
narrow, and Streamlit's own English texts (file uploader, the running indicator's stop button) read in Chinese."""

from __future__ import annotations

import streamlit as st

#: Space above and below the map (the app's header bar and a margin), so that map + margins = window height.
MAP_OFFSET = "4.4rem"

_CSS = f"""
<style>
[data-testid="stMainBlockContainer"] {{ padding: 3.4rem 1rem 1rem 1rem; max-width: none; }}
section[data-testid="stSidebar"] {{ width: 290px !important; min-width: 290px !important; }}
section[data-testid="stSidebar"] [data-testid="stSidebarUserContent"] {{ padding-top: 0.5rem; }}
.st-key-chaohu-map iframe {{ height: calc(100vh - {MAP_OFFSET}) !important; min-height: 360px; }}
.st-key-chaohu-panel {{ max-height: calc(100vh - {MAP_OFFSET}); overflow-y: auto; overflow-x: hidden; padding-right: 4px; }}
.st-key-chaohu-panel td {{ overflow-wrap: anywhere; }}
[data-testid="stFileUploaderDropzoneInstructions"] span {{ font-size: 0 !important; }}
[data-testid="stFileUploaderDropzoneInstructions"] span::after {{ content: "可拖放文件到此处，每个文件不超过 200 MB";
  font-size: 12px; white-space: normal; display: inline-block; }}
[data-testid="stFileUploaderDropzoneInstructions"] span {{ white-space: normal !important; }}
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p {{ font-size: 0 !important; }}
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"]::after {{ content: "选择文件"; font-size: 14px; }}
[data-testid="stFileUploaderFile"] small {{ font-size: 12px; }}
[data-testid="stStatusWidget"] button {{ font-size: 0 !important; }}
[data-testid="stStatusWidget"] button::after {{ content: "停止"; font-size: 13px; }}
</style>
"""


def map_page_css() -> None:
    """Apply the map page's style sheet (sent once per run; Streamlit caches it)."""
    st.html(_CSS)
