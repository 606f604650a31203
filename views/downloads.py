"""A file made on request and then offered for download (the map page's 导出, the print panel): its 下载 button only
ever gives the file of the choices shown now.

The button's slot is drawn before the file is made, so a 下载 left from the last run is gone the moment 生成 is
clicked (Streamlit keeps an element of the last run on screen, and clickable, until this run reaches its place).
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
        with st.spinner(busy):
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
