"""A file made on request and then offered for download (the map page's 导出, the print panel): its 下载 button only
ever gives the file of the choices shown now.

Streamlit keeps an element of the last run on screen, and clickable, until the new run reaches its place: the 下载
button's place says 正在生成 while the file is made, and views/static/map_page.css hides a 下载 button of the last
run while a run that may change it is under way.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

import streamlit as st

from core.errors import ChaohuError


def made_file(key: str, wanted: Hashable, make: Callable[[], tuple[str, bytes, str]], *, go: str, busy: str) -> None:
    """The 生成 button `go` beside the slot of its 下载 button; `make()` gives (file name, bytes, MIME type) of the
    choices `wanted`, kept in the session under `key` and offered only while the choices stay the same."""
    ss = st.session_state
    go_col, file_col = st.columns([1, 3], vertical_alignment="center")
    slot = file_col.empty()
    if go_col.button(go, key=f"{key}_go"):
        ss[key] = None
        slot.caption(busy)  # in the 下载 button's place while the file is made
        try:
            ss[key] = (wanted, *make())
        except ChaohuError as exc:  # an unknown choice, no CJK font for a PDF …
            st.error(exc.message)
    made = ss.get(key)
    if made and made[0] == wanted:
        _, name, data, mime = made
        slot.download_button(f"下载 {name}", data=data, file_name=name, mime=mime, key=f"{key}_download")
    elif made:
        slot.caption("设置已更改，请重新生成。")
