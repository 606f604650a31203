"""编辑汇报: reorder, add, edit and remove slides; export the tour as HTML and PDF.

The tour is the office's, kept in the store: a save names the version this browser was shown, so a save by someone
else in between is refused (Chinese message) and the latest version is shown instead. 查看 users see it read-only.
"""

from __future__ import annotations

import hashlib
from collections import Counter

import streamlit as st

from core.declarations import BY_ID
from core.errors import ChaohuError
from loaders.store import ConflictError
from loaders.store.base import local_text
from presentation.tour import (Tour, add_slide, check_tour, move_slide, remove_slide, slide_from_view, store_tour,
                               stored_tour, tour_yaml, update_slide)
from presentation.tour_pdf import tour_pdf
from views import login, resources
from views.map import current_state
from views.present import tour_page


#: The store version of the tour this browser was last shown: what a save says it edited.
SEEN = "tour_seen"
#: A save refused because someone saved first: shown at the top of the reloaded page.
NOTICE = "tour_conflict"


def _save(tour: Tour) -> None:
    """Check the edited tour against the plan and the map, save it, show the result."""
    catalog = resources.catalog()
    try:
        check_tour(tour, resources.plan(), set(catalog.features["id"]), set(BY_ID))
    except ChaohuError as exc:
        st.error(exc.message)
        return
    try:
        version = store_tour(tour, login.require("edit_tour").name, expected_version=st.session_state.get(SEEN))
    except ConflictError as exc:  # nothing written: say so at the top and reload the page with the latest version
        st.session_state[NOTICE] = f"{exc.message}本页已重新载入最新版本。"
        st.session_state.pop(SEEN, None)
        st.rerun()
    except ChaohuError as exc:
        st.error(exc.message)
        return
    st.session_state[SEEN] = version
    st.rerun()


def slide_keys(tour: Tour) -> list[str]:
    """A widget key per slide that follows the slide, not its position: moving a slide moves its boxes with it."""
    keys, seen = [], Counter()
    for slide in tour.slides:
        digest = hashlib.sha1(slide.model_dump_json().encode("utf-8")).hexdigest()[:12]
        seen[digest] += 1
        keys.append(f"{digest}_{seen[digest]}")
    return keys


def _read_only(tour: Tour) -> None:
    """The slides as text, for roles that may not edit the tour."""
    for i, slide in enumerate(tour.slides):
        with st.expander(f"{i + 1}. {slide.title}"):
            st.text(slide.text or "（无说明）")


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
    stored = stored_tour()
    tour = stored.tour
    seen = st.session_state.setdefault(SEEN, stored.version)
    editable = login.current().can("edit_tour")
    st.title("编辑汇报" if editable else "汇报内容")
    saved = f"第 {stored.version} 版，{stored.updated_by} 于 {local_text(stored.updated_at)} 保存" if stored.version else "默认版本"
    st.caption(f"共 {len(tour.slides)} 页（{saved}）。汇报保存在共享数据库中，所有人看到同一份，刷新或重启后仍在。")
    if st.session_state.get(NOTICE):
        st.error(st.session_state.pop(NOTICE))
    elif seen != stored.version:
        st.info(f"{stored.updated_by} 于 {local_text(stored.updated_at)} 保存了第 {stored.version} 版，本页已更新为最新内容。")
    if not editable:
        st.info(f"您的角色为「{login.current().role_name}」：可浏览和导出汇报，不能修改。")
        _read_only(tour)
    else:
        _slides(tour)
        st.subheader("从当前地图视图添加一页")
        new_title = st.text_input("新页标题", key="t_new_title")
        if st.button("添加", disabled=not new_title):
            vs = current_state()
            _save(add_slide(tour, slide_from_view(new_title, places=vs.slide_places(resources.catalog()), layers=vs.layers)))
    st.session_state[SEEN] = stored.version
    st.subheader("导出")
    c1, c2 = st.columns(2)
    c1.download_button("下载离线汇报网页（HTML）", data=tour_page(tour_yaml(tour), 0),
                       file_name="巢湖制造业规划汇报.html", mime="text/html")
    if c2.button("生成 PDF 讲义"):
        with st.spinner("正在生成 PDF…"):
            st.session_state.tour_pdf = tour_pdf(tour, resources.plan(), resources.catalog())
    if st.session_state.get("tour_pdf"):
        c2.download_button("下载 PDF 讲义", data=st.session_state.tour_pdf, file_name="巢湖制造业规划汇报.pdf",
                           mime="application/pdf")
