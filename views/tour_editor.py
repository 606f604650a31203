"""编辑汇报: reorder, add, edit and remove slides (title, text, places, layers); export the tour as HTML and PDF.

Widget keys follow the slide, not its position: each slide has an id for the session that moves with it when
slides are moved, added or removed, so its boxes, their unsaved text and whether it is open go where it goes.
The tour is the office's, kept in the store: a save names the version this browser was shown, so a save by someone
else in between is refused (Chinese message) and the latest version is shown instead. 查看 users see it read-only.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import Counter
from dataclasses import asdict

import streamlit as st

from core.declarations import BY_ID, LAYERS
from core.errors import ChaohuError
from geo.view import view_bounds
from layers.catalog import Catalog
from loaders.plan import Plan
from loaders.store import ConflictError
from loaders.store.base import local_text
from presentation.tour import (Slide, Tour, add_slide, check_tour, move_slide, remove_slide, slide_from_view, store_tour,
                               stored_tour, tour_yaml, update_slide)
from presentation.tour_pdf import tour_pdf
from views import login, resources
from views.map import current_state
from views.present import stamp, tour_page
from views.print_view import filter_words
from views.state import ViewState


#: The store version of the tour this browser was last shown: what a save says it edited.
SEEN = "tour_seen"
#: A save refused because someone saved first: shown at the top of the reloaded page.
NOTICE = "tour_conflict"


# ---- slide ids (pure: the lists are data in, data out)


def slide_keys(tour: Tour) -> list[str]:
    """A first id per slide, from its content (the same tour gives the same ids in every session)."""
    keys, seen = [], Counter()
    for slide in tour.slides:
        digest = hashlib.sha1(slide.model_dump_json().encode("utf-8")).hexdigest()[:12]
        seen[digest] += 1
        keys.append(f"{digest}_{seen[digest]}")
    return keys


def moved(ids: list[str], i: int, j: int) -> list[str]:
    """The ids after slide i moved to position j (as presentation.tour.move_slide moves the slide)."""
    out = list(ids)
    out.insert(j, out.pop(i))
    return out


def removed(ids: list[str], i: int) -> list[str]:
    """The ids after slide i was removed."""
    return ids[:i] + ids[i + 1:]


def place_options(catalog: Catalog) -> dict[str, str]:
    """Places a slide can show, id → 「name（layer）」: the city, the towns' areas, then the plan places by layer."""
    features = catalog.features
    options: dict[str, str] = {}
    city = catalog.city_outline()
    for _, row in city.iterrows():
        options[row["id"]] = f"{row['name']}（全市）"
    for _, row in catalog.town_areas.iterrows():
        options.setdefault(row["id"], f"{row['name']}（{BY_ID[row['layer']].title}）")
    for spec in LAYERS:
        if spec.plan:
            for _, row in features[features["layer"] == spec.id].iterrows():
                options.setdefault(row["id"], f"{row['name']}（{spec.title}）")
    return options


def view_summary(vs: ViewState, catalog: Catalog, plan: Plan) -> list[str]:
    """What 「从当前地图视图添加一页」 keeps of the map page, in words."""
    lines = [f"图层：{'、'.join(BY_ID[i].title for i in vs.layers) or '无'}"]
    if vs.center is not None and vs.zoom is not None:
        lines.append(f"地图范围：中心 {vs.center[1]:.4f}°E, {vs.center[0]:.4f}°N，缩放级别 {vs.zoom}")
    else:
        lines.append("地图范围：未移动地图，按地点或全市显示")
    active = filter_words(plan, vs.filters)
    lines.append(f"筛选：{'；'.join(active) if active else '无'}")
    places = vs.slide_places(catalog)
    lines.append(f"突出显示：{'、'.join(catalog.place_name(p) for p in places[:6])}{' 等' if len(places) > 6 else ''}"
                 if places else "突出显示：无")
    return lines


def slide_of_view(title: str, vs: ViewState, catalog: Catalog) -> Slide:
    """A new slide of the map page as it is: its view (centre and zoom → bounds), layers, filters and selection."""
    view = view_bounds(vs.center, vs.zoom) if vs.center is not None and vs.zoom is not None else None
    filters = {k: v for k, v in asdict(vs.filters).items() if v}
    return slide_from_view(title, places=vs.slide_places(catalog), layers=vs.layers, view=view, filters=filters)


# ---- the page


def _ids(tour: Tour) -> list[str]:
    """This session's slide ids for the tour as saved (fresh ones when the tour changed elsewhere)."""
    ss = st.session_state
    text = tour_yaml(tour)
    kept = ss.get("tour_ids")
    if kept and kept[0] == text and len(kept[1]) == len(tour.slides):
        return list(kept[1])
    ids = slide_keys(tour)
    ss.tour_ids = (text, ids)
    return ids


def _save(tour: Tour, ids: list[str], acted_on: str | None = None) -> None:
    """Check the edited tour against the plan and the map, save it with its slide ids, show the result."""
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
    st.session_state.tour_ids = (tour_yaml(tour), ids)
    if acted_on:
        st.session_state.tour_open.add(acted_on)  # the slide acted on stays open where it lands; the others as they were
    st.rerun()


def _toggled(key: str) -> None:
    """The planner opened or closed a slide: remember it, so that no action folds it."""
    if st.session_state.get(f"t_exp_{key}"):
        st.session_state.tour_open.add(key)
    else:
        st.session_state.tour_open.discard(key)


def _slide(tour: Tour, ids: list[str], i: int, options: dict[str, str]) -> None:
    """One slide's boxes (title, text, places, layers) and its actions: save, move, delete."""
    slide, key = tour.slides[i], ids[i]
    title = st.text_input("标题", value=slide.title, key=f"t_title_{key}")
    text = st.text_area("说明", value=slide.text, key=f"t_text_{key}")
    place_ids = list(options) + [p for p in slide.places if p not in options]  # unknown ones are refused on saving
    places = st.multiselect("突出显示的地点", place_ids, default=list(slide.places), key=f"t_places_{key}",
                            format_func=lambda p: options.get(p, f"{p}（不在地图中）"),
                            placeholder="选择地点；不选则显示全市")
    layer_ids = [s.id for s in LAYERS] + [x for x in slide.layers if x not in BY_ID]
    layers = st.multiselect("显示的图层", layer_ids, default=list(slide.layers), key=f"t_layers_{key}",
                            format_func=lambda x: BY_ID[x].title if x in BY_ID else f"{x}（不存在）",
                            placeholder="选择图层")
    if slide.view or slide.filters.active():
        st.caption("本页保存了" + "、".join(w for w, on in (("地图范围", slide.view), ("筛选条件", slide.filters.active()))
                                        if on) + "（从地图添加时记录）。")
    c1, c2, c3, c4 = st.columns(4)
    if c1.button("保存修改", key=f"t_save_{key}"):
        try:
            edited = update_slide(tour, i, title=title, text=text, places=tuple(places), layers=tuple(layers))
        except ValueError:  # pydantic: an empty title
            st.error(f"第 {i + 1} 页：标题不能为空")
            return
        _save(edited, ids, key)
    if c2.button("上移", key=f"t_up_{key}", disabled=i == 0):
        _save(move_slide(tour, i, i - 1), moved(ids, i, i - 1), key)
    if c3.button("下移", key=f"t_down_{key}", disabled=i == len(tour.slides) - 1):
        _save(move_slide(tour, i, i + 1), moved(ids, i, i + 1), key)
    if c4.button("删除本页", key=f"t_del_{key}", disabled=len(tour.slides) == 1):
        st.session_state.tour_open.discard(key)
        _save(remove_slide(tour, i), removed(ids, i))


def _slides(tour: Tour, ids: list[str], options: dict[str, str]) -> None:
    """Each slide in an expander that stays open or closed as the planner left it (also when its number changes)."""
    open_ids = st.session_state.tour_open
    for i, (slide, key) in enumerate(zip(tour.slides, ids)):
        st.session_state[f"t_exp_{key}"] = key in open_ids  # a renumbered slide's expander is a new widget
        with st.expander(f"{i + 1}. {slide.title}", key=f"t_exp_{key}", on_change=_toggled, args=(key,)):
            _slide(tour, ids, i, options)


def _add_from_map(tour: Tour, ids: list[str], catalog: Catalog, plan: Plan) -> None:
    """A new slide of the map page as the planner left it: view, layers, filters, selection."""
    st.subheader("从当前地图视图添加一页")
    vs = current_state()
    st.caption("　".join(view_summary(vs, catalog, plan)))
    new_title = st.text_input("新页标题", key="t_new_title")
    if st.button("添加", disabled=not new_title):
        new_id = uuid.uuid4().hex[:12]
        _save(add_slide(tour, slide_of_view(new_title, vs, catalog)), ids + [new_id], new_id)


def _read_only(tour: Tour) -> None:
    """The slides as text, for roles that may not edit the tour."""
    for i, slide in enumerate(tour.slides):
        with st.expander(f"{i + 1}. {slide.title}"):
            st.text(slide.text or "（无说明）")


def render() -> None:
    """The tour editing page (read-only for roles that may not edit the tour)."""
    stored = stored_tour()
    tour = stored.tour
    catalog, plan = resources.catalog(), resources.plan()
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
        st.session_state.setdefault("tour_open", set())
        ids = _ids(tour)
        _slides(tour, ids, place_options(catalog))
        _add_from_map(tour, ids, catalog, plan)
    st.session_state[SEEN] = stored.version
    st.subheader("导出")
    c1, c2 = st.columns(2)
    c1.download_button("下载离线汇报网页（HTML）", data=tour_page(tour_yaml(tour), 0, stamp(tour)),
                       file_name="巢湖制造业规划汇报.html", mime="text/html")
    if c2.button("生成 PDF 讲义"):
        with st.spinner("正在生成 PDF…"):
            st.session_state.tour_pdf = tour_pdf(tour, plan, catalog)
    if st.session_state.get("tour_pdf"):
        c2.download_button("下载 PDF 讲义", data=st.session_state.tour_pdf, file_name="巢湖制造业规划汇报.pdf",
                           mime="application/pdf")


__all__ = ["render", "slide_keys", "moved", "removed", "place_options", "slide_of_view", "view_summary"]
