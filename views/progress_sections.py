"""The 实施进展 pieces other pages show: the progress section of the map's panel and the 概览's progress section,
and the totals and percentages the 实施进展 page shows too. Each draw reads the board once and hands it down."""

from __future__ import annotations

import logging

import pandas as pd
import streamlit as st

from core.errors import ChaohuError
from core.progress import YEAR_LABEL
from tracking.board import Board
from tracking.bulletin import by_section, by_unit, item_table
from views import resources
from presentation.progress_panel import measure_progress_html, place_progress_html

log = logging.getLogger("chaohu")


def board() -> Board:
    """Every item's state today, read fresh from the store in effect."""
    return resources.tracking().board()


def board_or_none() -> Board | None:
    """The board, or None when the store cannot be read (a panel then goes without its 实施进展 section)."""
    try:
        return board()
    except ChaohuError as exc:
        log.warning("%s (%s)", exc.message, exc.detail)
        return None


def place_section(feature: pd.Series) -> str:
    """The 实施进展 section of a place's panel on the planning map ("" when the store cannot be read)."""
    try:
        return place_progress_html(board(), feature["id"], feature["name"])
    except ChaohuError as exc:
        log.warning("%s (%s)", exc.message, exc.detail)
        return ""


def measure_section(measure_id: str) -> str:
    """The 实施进展 section of a measure's panel on the planning map."""
    try:
        return measure_progress_html(board(), measure_id)
    except ChaohuError as exc:
        log.warning("%s (%s)", exc.message, exc.detail)
        return ""


def percent(frame: pd.DataFrame) -> pd.DataFrame:
    """完成度 as a percentage for display."""
    if "完成度" in frame:
        frame = frame.assign(完成度=frame["完成度"].map(lambda v: f"{v:.0%}" if v == v and v is not None else ""))
    return frame


def totals(b: Board) -> None:
    """The board's counts as five metrics: items, reported, done, overdue, due within 30 days."""
    t = b.total()
    cols = st.columns(5)
    cols[0].metric("跟踪事项", t.total)
    cols[1].metric("已有填报", t.reported)
    cols[2].metric("已完成", t.done)
    cols[3].metric("逾期", t.overdue if b.year else "—", help=None if b.year else f"{YEAR_LABEL}未设置，不判断逾期")
    cols[4].metric("30 天内到期", t.due_soon if b.year else "—")


def overview_section() -> None:
    """The 概览 page's progress section: totals, by unit, by section, the overdue list."""
    b = board()
    st.subheader("实施进展")
    totals(b)
    c1, c2 = st.columns(2)
    with c1:
        st.caption("按牵头单位")
        st.dataframe(percent(by_unit(b)), hide_index=True, width="stretch")
    with c2:
        st.caption("按方案部分（标题为编者所加）")
        st.dataframe(percent(by_section(b, resources.plan())), hide_index=True, width="stretch")
    st.caption("逾期事项" if b.year else f"逾期事项：{YEAR_LABEL}未设置，不判断逾期")
    overdue = item_table(b.overdue())
    if overdue.empty:
        st.write("无逾期事项。" if b.year else "—")
    else:
        st.dataframe(overdue, hide_index=True, width="stretch")
    st.caption("状态均来自各牵头单位的填报，未填报的事项不推断进展。在「实施进展」页导入填报、下载通报。")
