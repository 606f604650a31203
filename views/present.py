"""汇报模式: the tour full screen, no sidebar; keys and clickers step through the slides."""

from __future__ import annotations

import streamlit as st
import streamlit.components.v1 as components

from core.templates import render as render_template, style_element

from presentation.tour import load_tour, tour_from_yaml, tour_yaml
from presentation.tour_html import tour_html
from store import open_store
from views import resources

FULL_SCREEN_CSS = style_element("views", "present.css")


@st.cache_data(show_spinner="正在生成汇报页面…", max_entries=8)
def tour_page(tour_yaml_text: str, start: int = 0, stamp: tuple = ()) -> str:
    """The self-contained presentation page of a tour (cached by its YAML text and by what else changes it: the
    progress records for live progress figures, the corrections of positions)."""
    return tour_html(tour_from_yaml(tour_yaml_text), resources.plan(), resources.catalog(), start=start)


def stamp(tour) -> tuple:
    """What changes a tour's page besides its text: the progress records (when a slide shows progress:… figures)
    and the corrections of positions."""
    live = any(ref.startswith("progress:") for slide in tour.slides for ref in slide.figures)
    return (open_store().progress_stamp() if live else (), resources.corrections_stamp())


def render() -> None:
    """The full-screen presentation page."""
    st.html(FULL_SCREEN_CSS)
    st.markdown(render_template("views", "present_bar.html.j2"), unsafe_allow_html=True)
    tour = load_tour()
    page = tour_page(tour_yaml(tour), 0, stamp(tour))
    components.html(page, height=900, scrolling=False)
