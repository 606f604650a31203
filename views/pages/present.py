"""汇报模式: the tour full screen, no sidebar; keys and clickers step through the slides."""

from __future__ import annotations

import streamlit as st
import streamlit.components.v1 as components

from core.templates import render as render_template, style_element
from presentation.tour import load_tour, tour_yaml
from views.tour_view import stamp, tour_page

FULL_SCREEN_CSS = style_element("views", "present.css")


def render() -> None:
    """The full-screen presentation page."""
    st.html(FULL_SCREEN_CSS)
    st.markdown(render_template("views", "present_bar.html.j2"), unsafe_allow_html=True)
    tour = load_tour()
    page = tour_page(tour_yaml(tour), 0, stamp(tour))
    components.html(page, height=900, scrolling=False)
