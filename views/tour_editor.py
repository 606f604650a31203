"""编辑汇报: reorder, add, edit and remove slides; export the tour as HTML and PDF."""

from __future__ import annotations

import hashlib
from collections import Counter

import streamlit as st

from core.declarations import BY_ID
from core.errors import ChaohuError
from presentation.tour import (Tour, add_slide, check_tour, load_tour, move_slide, remove_slide, save_tour,
                               slide_from_view, tour_yaml, update_slide)
from presentation.tour_pdf import tour_pdf
from views import resources
from views.map import current_state
from views.present import tour_page


def _save(tour: Tour) -> None:
    """Check the edited tour against the plan and the map, save it, show the result."""
    catalog = resources.catalog()
    try:
        check_tour(tour, resources.plan(), set(catalog.features["id"]), set(BY_ID))
    except ChaohuError as exc:
        st.error(exc.message)
        return
    save_tour(tour)
    st.rerun()


def slide_keys(tour: Tour) -> list[str]:
    """A widget key per slide that follows the slide, not its position: moving a slide moves its boxes with it."""
    keys, seen = [], Counter()
    for slide in tour.slides:
        digest = hashlib.sha1(slide.model_dump_json().encode("utf-8")).hexdigest()[:12]
        seen[digest] += 1
        keys.append(f"{digest}_{seen[digest]}")
    return keys


def _slides(tour: Tour) -> None:
    """Each slide in an expander: title and text, save, move, delete."""
    for i, (slide, key) in enumerate(zip(tour.slides, slide_keys(tour))):
        with st.expander(f"{i + 1}. {slide.title}", expanded=st.session_state.get("tour_open") == slide.title):
            title = st.text_input("标题", value=slide.title, key=f"t_title_{key}")
            text = st.text_area("说明", value=slide.text, key=f"t_text_{key}")
            c1, c2, c3, c4 = st.columns(4)
            if any(st.session_state.get(f"t_{what}_{key}") for what in ("save", "up", "down")):
                st.session_state.tour_open = title  # the slide acted on stays open where it lands
            if c1.button("保存修改", key=f"t_save_{key}"):
                _save(update_slide(tour, i, title=title, text=text))
            if c2.button("上移", key=f"t_up_{key}", disabled=i == 0):
                _save(move_slide(tour, i, i - 1))
            if c3.button("下移", key=f"t_down_{key}", disabled=i == len(tour.slides) - 1):
                _save(move_slide(tour, i, i + 1))
            if c4.button("删除本页", key=f"t_del_{key}", disabled=len(tour.slides) == 1):
                _save(remove_slide(tour, i))


def render() -> None:
    """The tour editing page."""
    tour = load_tour()
    st.title("编辑汇报")
    st.caption(f"共 {len(tour.slides)} 页。修改保存在工作区，刷新或重启后仍在。")
    _slides(tour)
    st.subheader("从当前地图视图添加一页")
    new_title = st.text_input("新页标题", key="t_new_title")
    if st.button("添加", disabled=not new_title):
        vs = current_state()
        _save(add_slide(tour, slide_from_view(new_title, places=vs.slide_places(resources.catalog()), layers=vs.layers)))
    st.subheader("导出")
    c1, c2 = st.columns(2)
    c1.download_button("下载离线汇报网页（HTML）", data=tour_page(tour_yaml(tour), 0, resources.corrections_stamp()),
                       file_name="巢湖制造业规划汇报.html", mime="text/html")
    if c2.button("生成 PDF 讲义"):
        with st.spinner("正在生成 PDF…"):
            st.session_state.tour_pdf = tour_pdf(tour, resources.plan(), resources.catalog())
    if st.session_state.get("tour_pdf"):
        c2.download_button("下载 PDF 讲义", data=st.session_state.tour_pdf, file_name="巢湖制造业规划汇报.pdf",
                           mime="application/pdf")
