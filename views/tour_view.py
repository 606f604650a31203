"""The tour as the pages show it: its self-contained presentation page (汇报模式 and 编辑汇报's HTML download), what
changes that page, and the progress board its progress:… figures are drawn from (read once per draw or check)."""

from __future__ import annotations

import streamlit as st

from core.clock import today
from core.progress import YEAR_SETTING
from presentation.tour import Tour, shows_progress, tour_from_yaml
from presentation.tour_html import tour_html
from tracking.board import Board
from views import resources


def progress_board(tour: Tour) -> Board | None:
    """The board a tour's progress figures show, read once from the store in effect (None when no slide shows one)."""
    return resources.tracking().board() if any(shows_progress(slide) for slide in tour.slides) else None


@st.cache_data(show_spinner="正在生成汇报页面…", max_entries=8)
def tour_page(tour_yaml_text: str, start: int = 0, stamp: tuple = ()) -> str:
    """The self-contained presentation page of a tour (cached by its YAML text and by what else changes it: the
    progress records for live progress figures, the corrections of positions)."""
    tour = tour_from_yaml(tour_yaml_text)
    return tour_html(tour, resources.plan(), resources.catalog(), start=start, board=progress_board(tour))


def stamp(tour: Tour) -> tuple:
    """What changes a tour's page besides its text: the progress board (when a slide shows progress:… or overdue
    figures: the records, 起始年份 and the day, as 实施进展 reads them) and the corrections of positions."""
    live = any(shows_progress(slide) for slide in tour.slides)
    board = (resources.store().progress_stamp(), resources.store().setting(YEAR_SETTING), today()) if live else ()
    return (board, resources.corrections_stamp())
