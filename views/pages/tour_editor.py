"""编辑汇报: reorder, add, edit and remove slides (title, text, places, layers); export the tour as HTML and PDF.

Widget keys follow the slide, not its position: each slide has an id for the session that moves with it when
slides are moved, added or removed, so its boxes, their unsaved text and whether it is open go where it goes.
The tour is the office's, kept in the store. Actions are callbacks that read the latest version first: a slide saved
on a page older than the store's version goes into the latest tour when no one else changed that slide, and is
refused (Chinese message naming who and when, with what was typed) when someone did; moves and removals are refused
on an older page. The store refuses a save racing another (ConflictError). 查看 users see it read-only.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import Counter
from dataclasses import asdict

import streamlit as st

from core.declarations import BY_ID, LAYERS
from core.errors import ChaohuError
from core.formats import mime_type
from core.formatting import plain
from geo.view import view_bounds
from layers.catalog import Catalog
from loaders.plan import Plan
from store import ConflictError
from core.clock import local_text
from presentation.tour import (Slide, StoredTour, Tour, add_slide, check_tour, move_slide, remove_slide, slide_from_view,
                               store_tour, stored_tour, tour_from_yaml, tour_yaml, update_slide)
from presentation.tour_pdf import tour_pdf
from views import login, resources
from views.map_session import current_state
from views.print_view import filter_words
from views.state import ViewState
from views.tour_view import progress_board, stamp, tour_page


#: The store version of the tour this browser was last shown: what a save says it edited.
SEEN = "tour_seen"
#: An action refused (someone saved first, a check failed): shown at the top of the reloaded page.
NOTICE = "tour_conflict"
#: Unsaved typing in slides someone else replaced meanwhile: shown as a warning, not dropped silently.
LOST = "tour_lost_typing"
#: After a refused action: the position of the slide to show open in the reloaded page.
OPEN_AT = "tour_open_at"


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
    """This session's slide ids for the tour as saved (fresh ones when the tour changed elsewhere).

    When it changed elsewhere, a slide someone else changed gets a new id and so new boxes: what this planner had
    typed into its old boxes is said in a warning (kept in `LOST`), never dropped silently.
    """
    ss = st.session_state
    text = tour_yaml(tour)
    kept = ss.get("tour_ids")
    if kept and kept[0] == text and len(kept[1]) == len(tour.slides):
        return list(kept[1])
    ids = slide_keys(tour)
    if kept:
        lost = _unsaved_in_replaced(tour_from_yaml(kept[0]), kept[1], set(ids))
        if lost:
            ss[LOST] = lost
    ss.tour_ids = (text, ids)
    return ids


def _typed(key: str) -> dict:
    """What the boxes of the slide with this id hold now (None for a box not drawn yet)."""
    ss = st.session_state
    return {"title": ss.get(f"t_title_{key}"), "text": ss.get(f"t_text_{key}"),
            "places": ss.get(f"t_places_{key}"), "layers": ss.get(f"t_layers_{key}")}


def _unsaved_in_replaced(before: Tour, ids: list[str], kept: set[str]) -> list[str]:
    """The typed but unsaved titles and texts of slides that were replaced by someone else's version, in words."""
    out = []
    for i, (slide, key) in enumerate(zip(before.slides, ids)):
        if key in kept:
            continue
        typed = _typed(key)
        parts = [f"{label}「{typed[name]}」" for name, label in (("title", "标题"), ("text", "说明"))
                 if typed[name] is not None and typed[name] != getattr(slide, name)]
        if parts:
            out.append(f"第 {i + 1} 页（{slide.title}）：" + "；".join(parts))
    return out


def _notice(message: str) -> None:
    """A message for the top of the page after this action (shown by `render`)."""
    st.session_state[NOTICE] = message


def _stale(latest: StoredTour, what: str, position: int) -> None:
    """Refuse an action taken on a page older than the tour in the store: say who saved what, reload the latest
    with the slide now at `position` open."""
    st.session_state[OPEN_AT] = position
    _notice(f"汇报已被{latest.updated_by}于 {local_text(latest.updated_at)} 修改并保存（第 {latest.version} 版），"
            f"{what}尚未保存。本页已重新载入最新版本。")


def _store(tour: Tour, ids: list[str], expected: int, acted_on: str | None = None) -> None:
    """Check the edited tour against the plan and the map and save it over version `expected`; else a notice."""
    ss = st.session_state
    catalog = resources.catalog()
    try:
        check_tour(tour, resources.plan(), set(catalog.features["id"]), set(BY_ID), progress_board(tour))
        version = store_tour(tour, login.require("edit_tour").name, expected_version=expected)
    except ConflictError as exc:  # someone saved between reading and writing: nothing written
        _notice(f"{exc.message}本页已重新载入最新版本。")
        return
    except ChaohuError as exc:
        _notice(exc.message)
        return
    ss[SEEN] = version
    ss.tour_ids = (tour_yaml(tour), ids)
    if acted_on:
        ss.tour_open.add(acted_on)  # the slide acted on stays open where it lands; the others as they were


def _save_slide(i: int, key: str, version: int, base: str) -> None:
    """保存修改 (callback): write this slide's boxes into the latest tour.

    A save made elsewhere since this page was drawn is kept: when it left this slide as this planner saw it, the
    slide is saved into the latest version; when it changed or removed this slide, nothing is written and the
    planner is told, with what they typed.
    """
    latest = stored_tour()
    ids = list(st.session_state.tour_ids[1])
    typed = _typed(key)
    if latest.version != version:
        current = [s.model_dump_json() for s in latest.tour.slides]
        if base not in current:
            _stale(latest, f"其中第 {i + 1} 页也被修改，您对这一页的修改（标题「{typed['title']}」）", i)
            return
        i = current.index(base)
        ids = slide_keys(latest.tour)
        ids[i] = key  # the boxes just saved stay this slide's
    try:
        edited = update_slide(latest.tour, i, title=typed["title"], text=typed["text"], places=tuple(typed["places"]),
                              layers=tuple(typed["layers"]))
    except ValueError:  # pydantic: an empty title
        _notice(f"第 {i + 1} 页：标题不能为空")
        return
    _store(edited, ids, latest.version, key)


#: The actions that move or remove a slide, as their buttons say.
ACTIONS = {"up": "上移", "down": "下移", "delete": "删除本页"}


def _restructure(action: str, i: int, key: str, version: int) -> None:
    """上移 / 下移 / 删除本页 (callback): only on the version this page shows, since positions may have changed."""
    latest = stored_tour()
    if latest.version != version:
        _stale(latest, f"「{ACTIONS[action]}」", i)
        return
    ids = list(st.session_state.tour_ids[1])
    if action in ("up", "down"):
        j = i - 1 if action == "up" else i + 1
        _store(move_slide(latest.tour, i, j), moved(ids, i, j), version, key)
    else:
        st.session_state.tour_open.discard(key)
        _store(remove_slide(latest.tour, i), removed(ids, i), version)


def _slide(tour: Tour, ids: list[str], i: int, options: dict[str, str], version: int) -> None:
    """One slide's boxes (title, text, places, layers) and its actions: save, move, delete."""
    slide, key = tour.slides[i], ids[i]
    st.text_input("标题", value=slide.title, key=f"t_title_{key}")
    st.text_area("说明", value=slide.text, key=f"t_text_{key}")
    place_ids = list(options) + [p for p in slide.places if p not in options]  # unknown ones are refused on saving
    st.multiselect("突出显示的地点", place_ids, default=list(slide.places), key=f"t_places_{key}",
                   format_func=lambda p: options.get(p, f"{p}（不在地图中）"), placeholder="选择地点；不选则显示全市")
    layer_ids = [s.id for s in LAYERS] + [x for x in slide.layers if x not in BY_ID]
    st.multiselect("显示的图层", layer_ids, default=list(slide.layers), key=f"t_layers_{key}",
                   format_func=lambda x: BY_ID[x].title if x in BY_ID else f"{x}（不存在）", placeholder="选择图层")
    if slide.view or slide.filters.active():
        st.caption("本页保存了" + "、".join(w for w, on in (("地图范围", slide.view), ("筛选条件", slide.filters.active()))
                                        if on) + "（从地图添加时记录）。")
    c1, c2, c3, c4 = st.columns(4)
    c1.button("保存修改", key=f"t_save_{key}", on_click=_save_slide, args=(i, key, version, slide.model_dump_json()))
    c2.button("上移", key=f"t_up_{key}", disabled=i == 0, on_click=_restructure, args=("up", i, key, version))
    c3.button("下移", key=f"t_down_{key}", disabled=i == len(tour.slides) - 1, on_click=_restructure,
              args=("down", i, key, version))
    c4.button("删除本页", key=f"t_del_{key}", disabled=len(tour.slides) == 1, on_click=_restructure,
              args=("delete", i, key, version))


def _slides(tour: Tour, ids: list[str], options: dict[str, str], version: int) -> None:
    """Each slide in an expander keyed by its id: it stays open or closed as the planner left it when its number
    changes, and the slide just acted on opens where it lands."""
    open_ids = st.session_state.tour_open
    for i, (slide, key) in enumerate(zip(tour.slides, ids)):
        with st.expander(f"{i + 1}. {plain(slide.title)}", expanded=key in open_ids, key=f"t_exp_{key}"):
            _slide(tour, ids, i, options, version)


def _add(catalog: Catalog) -> None:
    """添加 (callback): a slide of the map page as it is now, at the end of the latest tour (nothing is overwritten)."""
    latest = stored_tour()
    kept = st.session_state.get("tour_ids")
    ids = list(kept[1]) if kept and kept[0] == tour_yaml(latest.tour) else slide_keys(latest.tour)
    new_id = uuid.uuid4().hex[:12]
    slide = slide_of_view(st.session_state.t_new_title, current_state(), catalog)
    _store(add_slide(latest.tour, slide), ids + [new_id], latest.version, new_id)


def _add_from_map(catalog: Catalog, plan: Plan) -> None:
    """A new slide of the map page as the planner left it: view, layers, filters, selection."""
    st.subheader("从当前地图视图添加一页")
    st.caption(plain("　".join(view_summary(current_state(), catalog, plan))))
    new_title = st.text_input("新页标题", key="t_new_title")
    st.button("添加", disabled=not new_title, on_click=_add, args=(catalog,))


def _read_only(tour: Tour) -> None:
    """The slides as text, for roles that may not edit the tour."""
    for i, slide in enumerate(tour.slides):
        with st.expander(f"{i + 1}. {plain(slide.title)}"):
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
    st.caption(f"共 {len(tour.slides)} 页（{plain(saved)}）。汇报保存在共享数据库中，所有人看到同一份，刷新或重启后仍在。")
    if st.session_state.get(NOTICE):
        st.error(plain(st.session_state.pop(NOTICE)))
    elif seen != stored.version:
        st.info(f"{plain(stored.updated_by)} 于 {local_text(stored.updated_at)} 保存了第 {stored.version} 版，本页已更新为最新内容。")
    if not editable:
        st.info(f"您的角色为「{login.current().role_name}」：可浏览和导出汇报，不能修改。")
        _read_only(tour)
    else:
        st.session_state.setdefault("tour_open", set())
        ids = _ids(tour)
        if OPEN_AT in st.session_state:
            st.session_state.tour_open.add(ids[min(st.session_state.pop(OPEN_AT), len(ids) - 1)])
        if st.session_state.get(LOST):
            st.warning("以下页面已被他人修改并保存，您在这些页面中尚未保存的修改未能保留，请对照后重新填写：\n\n"
                       + "\n\n".join(plain(line) for line in st.session_state.pop(LOST)))
        _slides(tour, ids, place_options(catalog), stored.version)
        _add_from_map(catalog, plan)
    st.session_state[SEEN] = stored.version
    st.subheader("导出")
    c1, c2 = st.columns(2)
    c1.download_button("下载离线汇报网页（HTML）", data=tour_page(tour_yaml(tour), 0, stamp(tour)),
                       file_name="巢湖制造业规划汇报.html", mime=mime_type(".html"))
    if c2.button("生成 PDF 讲义"):
        with st.spinner("正在生成 PDF…"):
            st.session_state.tour_pdf = tour_pdf(tour, plan, catalog, progress_board(tour))
    if st.session_state.get("tour_pdf"):
        c2.download_button("下载 PDF 讲义", data=st.session_state.tour_pdf, file_name="巢湖制造业规划汇报.pdf",
                           mime=mime_type(".pdf"))


__all__ = ["render", "slide_keys", "moved", "removed", "place_options", "slide_of_view", "view_summary"]
