"""实施进展: the places coloured by the state of their items, the panel with each item's state and history (its 催办
too), filters by 进展状态 / 逾期 / 牵头单位 in the sidebar, and in tabs under the map the units' workbooks out and in
(编辑), the monthly 通报 and its published 期, 催办 (office accounts) and 起始年份 (管理).

The pieces other pages show (the map panel's and the 概览's progress sections) are in views/progress_sections.py.
"""

from __future__ import annotations

import copy

import folium
import streamlit as st
from streamlit_folium import st_folium

from core import roles
from core.errors import ChaohuError
from core.formats import mime_type
from core.inputs import UPLOAD_MB, check_size, upload_name
from core.formatting import esc
from core.progress import NOT_REPORTED, STATUSES, YEAR_LABEL
from layers import assets
from layers.mapview import emphasis_group
from layers.progressmap import progress_map
from tracking.board import Board
from core.clock import local_text, today
from tracking.bulletin import by_section, item_table
from tracking.template import XLSX_MIME
from tracking import reminders
from tracking.reminders import DUE_DAYS
from tracking.service import REPORT_FORMATS, Tracking
from views import login, reporting, resources, review
from presentation.panel import place_html
from presentation.progress_panel import place_progress_html
from views.progress_sections import percent, totals

FILTER_ALL = ""


# ---- filters


def _matches(b: Board, states, status: str, overdue: bool, unit: str) -> bool:
    """Whether some item among `states` passes the filters."""
    for s in states:
        if status and s.status != status:
            continue
        if overdue and not s.overdue:
            continue
        if unit and unit not in s.item.leads:
            continue
        return True
    return False


def _filtered_items(b: Board, status: str, overdue: bool, unit: str):
    return [s for s in b.states if _matches(b, [s], status, overdue, unit)]


def _filtered_places(b: Board, place_ids, status: str, overdue: bool, unit: str) -> set[str] | None:
    if not (status or overdue or unit):
        return None
    return {pid for pid in place_ids if _matches(b, b.of_place(pid), status, overdue, unit)}


# ---- the map


@st.cache_resource(show_spinner="正在生成地图…", max_entries=16)
def _map(colors: tuple, tips: tuple, only: frozenset | None) -> folium.Map:
    m = progress_map(resources.catalog().layers, dict(colors), dict(tips), set(only) if only is not None else None,
                     height=resources.MAP_HEIGHT)
    assets.offline(m, mode="static")  # Leaflet and plugins from the app itself, never a CDN
    return m


def _tip(b: Board, pid: str) -> str:
    states = b.of_place(pid)
    if not states:
        return "无跟踪事项"
    reported = sum(1 for s in states if s.record is not None)
    late = sum(s.overdue for s in states)
    return f"{b.place_category(pid)}（事项 {len(states)} 项，已填报 {reported} 项{f'，逾期 {late} 项' if late else ''}）"


def _draw_map(b: Board, only: set[str] | None) -> None:
    catalog = resources.catalog()
    ids = list(catalog.plan_features()["id"])
    colors = b.place_colors(ids)
    tips = {pid: _tip(b, pid) for pid in ids}
    fmap = copy.deepcopy(_map(tuple(sorted(colors.items())), tuple(sorted(tips.items())),
                              frozenset(only) if only is not None else None))
    emphasis = []
    sel = st.session_state.get("p_sel", "")
    if sel and catalog.feature(sel) is not None:
        row = catalog.features[catalog.features["id"] == sel]
        emphasis.append(emphasis_group(row, catalog.spec(row.iloc[0]["layer"])))
    if (photos := review.photo_group(resources.tracking(), b)) is not None:
        emphasis.append(photos)
    out = st_folium(fmap, key="progress_map", height=resources.MAP_HEIGHT, use_container_width=True,
                    returned_objects=["last_active_drawing"], feature_group_to_add=emphasis or None)
    props = ((out or {}).get("last_active_drawing") or {}).get("properties") or {}
    pid = str(props.get("id") or "")
    if pid and catalog.feature(pid) is not None and pid != st.session_state.get("p_last"):
        st.session_state.p_last = pid
        if pid != sel:
            st.session_state.p_sel = pid
            st.rerun()


def _reminders_by_item(t: Tracking) -> dict[str, list]:
    """item id → its 催办, newest first (shown in the item's history)."""
    out: dict[str, list] = {}
    for r in reversed(t.store.reminders()):
        for item_id in r.items:
            out.setdefault(item_id, []).append(r)
    return out


def _panel(t: Tracking, b: Board) -> None:
    catalog, plan = resources.catalog(), resources.plan()
    sel = st.session_state.get("p_sel", "")
    f = catalog.feature(sel) if sel else None
    if f is None:
        st.markdown("#### 实施进展")
        st.write("点击地图上的地点，查看其跟踪事项的当前状态和填报历史。")
        st.caption("颜色按地点关联事项的最新填报：逾期优先，其次滞后、调整；灰色为尚无填报，浅灰为无跟踪事项。"
                   "地点位置多为示意，非测绘成果。")
        st.dataframe(percent(by_section(b, plan)), hide_index=True, width="stretch")
        return
    st.html(f'<h3 style="margin:.2em 0">{esc(f["name"])}</h3>')
    st.html(place_progress_html(b, sel, f["name"], reminders=_reminders_by_item(t)))
    review.place_evidence(resources.tracking(), b, sel)
    with st.expander("地点与规划要求"):
        st.html(place_html(catalog, plan, f))


# ---- the sidebar: filters, year, workbooks, 通报


def _filters(t: Tracking, b: Board) -> tuple[str, bool, str]:
    st.subheader("筛选")
    status = st.selectbox("进展状态", [FILTER_ALL, NOT_REPORTED, *STATUSES], key="pf_status",
                          format_func=lambda v: v or "全部")
    overdue = st.checkbox("只看逾期", key="pf_overdue", disabled=b.year is None,
                          help=None if b.year else f"{YEAR_LABEL}未设置时不判断逾期")
    units = [FILTER_ALL] + [uid for uid, _ in t.items.units()]
    names = dict(t.items.units())
    unit = st.selectbox("牵头单位", units, key="pf_unit", format_func=lambda u: names.get(u, "全部"))
    return status, bool(overdue and b.year), unit


def _year(t: Tracking, b: Board, who: str | None) -> None:
    allowed = roles.allowed(who, "manage_settings")
    with st.container():
        st.markdown(f"**{YEAR_LABEL}：{b.year} 年**" if b.year else f"**{YEAR_LABEL}：未设置**")
        st.caption("方案原文没有写年份。设置后，「6月底前」等时限换算为该年的日期，并判断逾期和临近；未设置时不判断逾期。")
        value = st.text_input(YEAR_LABEL, value=str(b.year or ""), key="p_year", placeholder="如 2018",
                              disabled=not allowed)
        c1, c2 = st.columns(2)
        if c1.button("保存", key="p_year_save", disabled=not allowed):
            _act(lambda: t.set_year(value, _user(), login.role()), f"{YEAR_LABEL}已保存。")
        if c2.button("清除", key="p_year_clear", disabled=not allowed or b.year is None):
            _act(lambda: t.set_year(None, _user(), login.role()), f"{YEAR_LABEL}已清除。")
        if not allowed:
            st.caption("修改起始年份需要「管理」角色。")


def _user() -> str:
    """Who acts: the signed-in account (the typed 填报人 is a field of the report, never the actor)."""
    return login.current().name


def _act(action, success: str) -> None:
    """Run a change; its Chinese message (success or error) is shown after the rerun."""
    try:
        action()
    except ChaohuError as exc:
        st.session_state.p_msg = ("error", exc.message)
    else:
        st.session_state.p_msg = ("success", st.session_state.pop("p_msg_after", None) or success)
    st.rerun()


def _workbooks(t: Tracking, b: Board, who: str | None) -> None:
    allowed = roles.allowed(who, "report_progress")
    with st.container():
        names = dict(t.items.units())
        options = [uid for uid, _ in t.items.units()]
        bound = t.items.unit_id(login.current().unit or "")  # a 填报 account starts at its own unit's template
        unit = st.selectbox("牵头单位", options, index=options.index(bound) if bound in options else 0, key="p_tpl_unit",
                            format_func=names.get)
        name, data = t.template_bytes(unit)
        st.download_button(f"下载填报模板：{names[unit]}", data=data, file_name=name, mime=XLSX_MIME, key="p_tpl_dl")
        if st.button("准备全部单位的模板（zip）", key="p_tpl_all"):
            st.session_state.p_zip = t.all_templates_zip()
        if st.session_state.get("p_zip"):
            zname, zdata = st.session_state.p_zip
            st.download_button("下载全部模板（zip）", data=zdata, file_name=zname, mime=mime_type(zname), key="p_zip_dl")
        st.divider()
        limit = UPLOAD_MB["workbook"]
        upload = st.file_uploader(f"导入填好的工作簿（.xlsx，不超过 {limit} MB）", type=["xlsx"], key="p_upload",
                                  disabled=not allowed, max_upload_size=limit,
                                  help=f"每个文件不超过 {limit} MB；逐行检查，全部无误才写入。")
        st.text_input("填报人", key="p_by", placeholder="姓名（记入进展记录；导入人记为当前账号）", disabled=not allowed)
        if st.button("导入", key="p_import", disabled=not allowed or upload is None):
            _import(t, upload)
        if not allowed:
            st.caption("导入进展需要「编辑」角色。")
        elif login.current().can("review_progress"):
            st.caption("导入后待审核：在页面上方「待审核的填报」中采纳，采纳后计入实施进展。")


def _import(t: Tracking, upload) -> None:
    """Import an uploaded workbook (all or nothing); the result or every problem is shown after the rerun."""
    try:
        check_size("workbook", upload_name(upload.name), upload.size)
        user = login.require("report_progress")
        filled, batch = t.import_workbook(upload.getvalue(), user.name, user.role, upload_name(upload.name),
                                          reporter=st.session_state.get("p_by", ""), unit=user.unit)
    except ChaohuError as exc:
        st.session_state.p_msg = ("error", exc.message)
    else:
        st.session_state.p_msg = ("success", f"已导入「{filled.unit}」的进展 {batch.records} 条（填报人 {batch.reporter}，"
                                             f"导入编号 {batch.batch}）；{filled.blank_rows} 行未填写，未记录。"
                                             "待审核：办公室在页面上方「待审核的填报」中采纳后计入实施进展。")
    st.rerun()


def _bulletin(t: Tracking, who: str | None) -> None:
    month = st.text_input("月份", value=f"{today():%Y-%m}", key="p_month", help="如 2026-11")
    fmt = st.radio("格式", list(REPORT_FORMATS), horizontal=True, key="p_fmt",
                   format_func=lambda f: REPORT_FORMATS[f].label)
    c1, c2 = st.columns(2)
    if c1.button("生成通报", key="p_report"):
        with st.spinner("正在生成通报…"):
            try:
                bulletin = t.bulletin(month)
                st.session_state.p_report_file = t.report_bytes(bulletin, fmt, resources.catalog())
            except ChaohuError as exc:
                st.session_state.p_report_file = None
                st.error(exc.message)
    if st.session_state.get("p_report_file"):
        name, data, mime = st.session_state.p_report_file
        st.download_button(f"下载 {name}", data=data, file_name=name, mime=mime, key="p_report_dl")
    if roles.allowed(who, "remind_units"):
        again = c2.checkbox("该月已发布时再发一期", key="p_again")
        if c2.button("发布为正式通报（第 N 期）", key="p_publish"):
            with st.spinner("正在生成并发布通报…"):
                _act(lambda: _publish(t, month, again), "")
    published = t.published()
    st.markdown(f"**已发布的通报**（{len(published)} 期）：下载的是发布时保存的文件，原样不变。")
    for issue in reversed(published):
        cols = st.columns([3, 1, 1])
        cols[0].write(f"第 {issue.issue} 期 · {issue.month} · {issue.published_by} · {local_text(issue.published_at)}")
        for col, f in zip(cols[1:], REPORT_FORMATS):
            name, data, mime = t.published_bytes(issue.issue, f)
            col.download_button(REPORT_FORMATS[f].label, data=data, file_name=name, mime=mime,
                                key=f"p_pub_{issue.issue}_{f}")


def _publish(t: Tracking, month: str, again: bool) -> None:
    user = login.require("remind_units")
    issue = t.publish(month, user.name, user.role, again=again, catalog=resources.catalog())
    st.session_state.p_msg_after = f"已发布 {issue.month} 实施进展通报第 {issue.issue} 期。"


def _remind(t: Tracking, b: Board) -> None:
    """催办: a unit's overdue and soon-due items, the 催办 recorded and the 催办单 (office accounts)."""
    names = dict(t.items.units())
    days = int(st.number_input("多少天内到期", min_value=0, max_value=3660, value=DUE_DAYS, step=1, key="p_due_days"))
    found = {u.unit_id: u for u in t.due(None, days)}
    options = [uid for uid, _ in t.items.units()]

    def label(uid: str) -> str:
        u = found.get(uid)
        return f"{names[uid]}（逾期 {len(u.overdue)} 项，{days} 天内到期 {len(u.due)} 项）" if u else names[uid]

    first = next((i for i, uid in enumerate(options) if uid in found), 0)
    uid = st.selectbox("被催办单位", options, index=first, key="p_remind_unit", format_func=label)
    due = reminders.unit_due(b, uid, days)
    if not b.year:
        st.info(reminders.year_note(b))
    if due.states:
        st.dataframe(reminders.due_table(due), hide_index=True, width="stretch")
    else:
        st.write("该单位没有逾期或即将到期的事项。")
    ids = [s.item.id for s in b.states if uid in s.item.leads]
    titles = {i: f"{b.state(i).item.number} {b.state(i).item.title}" for i in ids}
    chosen = st.multiselect("催办事项", ids, default=[s.item.id for s in due.states], key=f"p_remind_items_{uid}_{days}",
                            format_func=titles.get)
    note = st.text_area("催办说明", key="p_remind_note", placeholder="如：请于本周五前报送开工进展", max_chars=500)
    if st.button("记录催办", key="p_remind_save", disabled=not chosen):
        _act(lambda: _record_reminder(t, names[uid], chosen, note), f"已记录对「{names[uid]}」的催办（{len(chosen)} 项）。")
    made = t.reminders(names[uid])
    st.markdown(f"**「{names[uid]}」的催办记录**（{len(made)} 次）")
    if made:
        st.dataframe(reminders.sheet_frame(b, made), hide_index=True, width="stretch")
    c1, c2 = st.columns(2)
    for col, f in zip((c1, c2), REPORT_FORMATS):
        if col.button(f"生成催办单 {REPORT_FORMATS[f].label}", key=f"p_sheet_{f}"):
            st.session_state[f"p_sheet_file_{f}"] = t.reminder_sheet(f, names[uid])
        if st.session_state.get(f"p_sheet_file_{f}"):
            name, data, mime = st.session_state[f"p_sheet_file_{f}"]
            col.download_button(f"下载 {name}", data=data, file_name=name, mime=mime, key=f"p_sheet_dl_{f}")


def _record_reminder(t: Tracking, unit: str, items: list[str], note: str) -> None:
    user = login.require("remind_units")
    t.remind(unit, items, note, user.name, user.role)


def _messages() -> None:
    if "p_msg" in st.session_state:
        kind, text = st.session_state.pop("p_msg")
        (st.error if kind == "error" else st.success)(text)


# ---- the page


def render() -> None:
    """The 实施进展 page."""
    t = resources.tracking()
    b = t.board()
    who = login.role()
    if "p_sel" not in st.session_state:
        sel = str(st.query_params.get("sel") or "")
        st.session_state.p_sel = sel if resources.catalog().feature(sel) is not None else ""
    with st.sidebar:
        st.title("实施进展")
        st.caption("各牵头单位填报的进展：颜色、清单和通报只反映填报内容。填报、通报、催办和起始年份在地图下方。")
        status, overdue, unit = _filters(t, b)
    st.title("实施进展")
    _messages()
    reporting.render_section(t)
    review.render_section(t)
    totals(b)
    only = _filtered_places(b, resources.catalog().plan_features()["id"], status, overdue, unit)
    if only is not None:
        st.info(f"筛选结果：{len(only)} 处地点有符合条件的事项。")
    col_map, col_panel = st.columns([3, 2], gap="small")
    with col_map:
        _draw_map(b, only)
    with col_panel:
        _panel(t, b)
    states = _filtered_items(b, status, overdue, unit)
    tabs = st.tabs([f"逾期（{len(b.overdue())}）", f"临近时限（{len(b.due_soon())}）", f"事项清单（{len(states)}）"])
    lists = ((b.overdue(), "无逾期事项。" if b.year else f"{YEAR_LABEL}未设置，不判断逾期。"),
             (b.due_soon(), "30 天内没有到期的事项。" if b.year else f"{YEAR_LABEL}未设置，不判断临近。"))
    for tab, (found, empty) in zip(tabs, lists):
        with tab:
            if found:
                st.dataframe(item_table(found), hide_index=True, width="stretch")
            else:
                st.write(empty)
    with tabs[2]:
        st.dataframe(item_table(states), hide_index=True, width="stretch")
    office = roles.allowed(who, "remind_units")
    # the office's work, one tab drawn at a time; the tab chosen stays chosen across reruns (its key)
    work = st.tabs(["进展填报（Excel）", "月度通报", *(["催办"] if office else []), YEAR_LABEL], key="p_work",
                   on_change="rerun")
    draws = [lambda: _workbooks(t, b, who), lambda: _bulletin(t, who), *([lambda: _remind(t, b)] if office else []),
             lambda: _year(t, b, who)]
    for tab, draw in zip(work, draws):
        if tab.open:
            with tab:
                draw()
    if st.session_state.get("p_sel"):
        st.query_params["sel"] = st.session_state.p_sel
    st.caption(f"数据截至 {b.on.isoformat()}；{f'{YEAR_LABEL} {b.year} 年' if b.year else f'{YEAR_LABEL}未设置'}。")
