"""变更记录: who changed what and when in the office store, with filters; 撤销 where the store can reverse a change; the
回收站 (removed layers, restorable for 30 days).

Everything shown comes from the store's change log; names that came from files are escaped. Undo and restore are
offered to roles that may make the same change, and each one asks the store for the role again before it runs.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import streamlit as st

from core import roles
from core.errors import ChaohuError
from core.formatting import accuracy_label, esc
from core.clock import BEIJING, local_text
from store.base import RECYCLE_DAYS, ChangeRecord, LayerInfo, renamed_note
from store import labels
from store.labels import DOCUMENT_NAMES, FIELDS, HIDDEN_FIELDS, KINDS, setting_label
from views import login, resources

#: How many log lines the page shows at most (newest first).
LIMIT = 200
TABLE_CSS = """<style>
table.change-log {border-collapse:collapse; font-size:13px; width:100%}
table.change-log th, table.change-log td {border-bottom:1px solid #ddd; padding:4px 6px; text-align:left; vertical-align:top}
table.change-log th {background:#f4f4f4}
</style>"""


def _shown(key: str, value) -> str:
    """One before/after value as text: roles and accuracies in Chinese, yes/no as 是/否, lists joined, long texts by
    their length."""
    if value is None or value == "":
        return "（无）"
    if key == "role":
        return roles.ROLE_NAMES.get(value, str(value))
    if key == "accuracy":
        return accuracy_label(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if key == "content":
        return f"{len(str(value))} 字"
    if isinstance(value, list | tuple):
        return "、".join(map(str, value))
    return str(value)


def delta_text(record: ChangeRecord) -> str:
    """Before → after of a change, one field each: 「名称：甲 → 乙；要素数：（无） → 12」."""
    before, after = record.before or {}, record.after or {}
    parts = []
    for key in dict.fromkeys([*before, *after]):
        if key in HIDDEN_FIELDS or before.get(key) == after.get(key):
            continue
        parts.append(f"{FIELDS.get(key, key)}：{_shown(key, before.get(key))} → {_shown(key, after.get(key))}")
    return "；".join(parts)


def undo_permission(record: ChangeRecord) -> str | None:
    """The permission undoing this change needs (``store.labels.ACTIONS``), or None when it cannot be undone here."""
    return labels.undo_permission(record.action, record.target, record.before)


def utc_bounds(start: date | None, end: date | None) -> tuple[datetime | None, datetime | None]:
    """Beijing calendar days [start, end] as the store's naive UTC bounds (since inclusive, until exclusive)."""
    def utc(day: date) -> datetime:
        return datetime.combine(day, time.min, tzinfo=BEIJING).astimezone(UTC).replace(tzinfo=None)
    return (utc(start) if start else None), (utc(end + timedelta(days=1)) if end else None)


def target_name(record: ChangeRecord, places: dict[str, str] | None = None) -> str:
    """What a change was made to, as planners name it: documents and settings in Chinese, a corrected place by its
    name (`places`: id → name), the rest as recorded."""
    if record.kind == "document":
        return DOCUMENT_NAMES.get(record.target, record.target)
    if record.kind == "setting":
        return setting_label(record.target)
    if record.kind == "correction":
        return (places or {}).get(record.target, record.target)
    return record.target


def summary_text(record: ChangeRecord) -> str:
    """The change's summary as recorded, a setting named by its label (older rows recorded its key)."""
    if record.kind == "setting":
        return record.summary.replace(f"「{record.target}」", f"「{setting_label(record.target)}」")
    return record.summary


def log_table(records: list[ChangeRecord], places: dict[str, str] | None = None) -> str:
    """The change log as an HTML table; every text cell escaped (layer and file names come from planners' files)."""
    head = "".join(f"<th>{h}</th>" for h in ("编号", "时间", "用户", "类别", "操作", "对象", "内容", "变更前 → 变更后"))
    rows = []
    for r in records:
        target = target_name(r, places)
        cells = [r.id, local_text(r.at), r.user, KINDS.get(r.kind, r.kind), r.label, target, summary_text(r), delta_text(r)]
        rows.append(f'<tr data-change="{r.id}">' + "".join(f"<td>{esc(c)}</td>" for c in cells) + "</tr>")
    return f'{TABLE_CSS}<table class="change-log"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def _filters(store, user: login.User) -> dict:
    """The filter row: kind, user, target text, date range; the store.changes arguments they make."""
    kinds = [k for k in KINDS if k != "account" or user.can("manage_accounts")]
    c1, c2, c3, c4, c5 = st.columns([1, 1, 2, 1, 1])
    kind = c1.selectbox("类别", ["", *kinds], format_func=lambda k: KINDS.get(k, "全部"), key="log_kind")
    who = c2.selectbox("用户", ["", *store.change_users()], format_func=lambda u: u or "全部", key="log_user")
    target = c3.text_input("对象（图层、文档或设置名称中含）", key="log_target")
    start = c4.date_input("从", value=None, key="log_from", format="YYYY-MM-DD")
    end = c5.date_input("到", value=None, key="log_to", format="YYYY-MM-DD")
    since, until = utc_bounds(start, end)
    return dict(kind=kind or None, user=who or None, target=target.strip() or None, since=since, until=until)


def _report(kind: str, text: str) -> None:
    """Keep the outcome of an undo or restore for the next run (which redraws the log and the bin)."""
    st.session_state.changes_msg = (kind, text)


def _undo(change_id: int, permission: str) -> None:
    """撤销: reverse one change as the current user."""
    try:
        user = login.require(permission)
        _report("success", resources.store().undo(change_id, user.name) + "。")
    except ChaohuError as exc:
        _report("error", f"撤销未完成：{exc.message}")
    resources.forget_user_layers()


def _restore(info: LayerInfo) -> None:
    """恢复: a removed layer back on the map (renamed 名称（2）… if its name was taken meanwhile)."""
    try:
        user = login.require("remove")
        restored = resources.store().restore_layer(info.id, user.name)
        _report("success", f"已恢复图层「{restored.name}」。{renamed_note(info.name, restored.name)}")
    except ChaohuError as exc:
        _report("error", f"恢复未完成：{exc.message}")
    resources.forget_user_layers()


def _undo_box(records: list[ChangeRecord], user: login.User) -> None:
    """Pick one of the listed changes the user may reverse, and reverse it."""
    undoable = [r for r in records if (p := undo_permission(r)) and user.can(p)]
    if not undoable:
        return
    st.subheader("撤销")
    by_id = {r.id: r for r in undoable}
    chosen = st.selectbox("选择要撤销的变更", list(by_id), key="undo_pick",
                          format_func=lambda i: f"{i}. {local_text(by_id[i].at)} {by_id[i].user}：{summary_text(by_id[i])}")
    st.caption("撤销本身也会记入变更记录，可再次撤销。删除的图层撤销即恢复；添加或恢复的图层撤销即移入回收站。")
    st.button("撤销所选变更", key="undo_go", on_click=_undo, args=(chosen, undo_permission(by_id[chosen])))


def _recycle_bin(store, user: login.User) -> None:
    """Removed layers that can still be restored, each with who removed it, when, and how long it stays."""
    st.subheader("回收站")
    bin_ = store.recycle_bin()
    if not bin_:
        st.caption(f"回收站是空的。删除的图层在此保留 {RECYCLE_DAYS} 天。")
        return
    st.caption(f"删除的图层保留 {RECYCLE_DAYS} 天，之后彻底删除。")
    now = datetime.now(UTC).replace(tzinfo=None)
    for info in bin_:
        left = max(0, RECYCLE_DAYS - (now - info.removed_at).days)
        c1, c2 = st.columns([5, 1])
        c1.html(f'<div class="bin-item"><b>{esc(info.name)}</b> <span style="color:#666;font-size:12px">'
                f'{esc(info.features)} 个要素 · {esc(info.removed_by)} {esc(local_text(info.removed_at))} 删除 · '
                f'还可恢复 {left} 天 · 原由 {esc(info.added_by)} 添加</span></div>')
        if user.can("remove"):
            c2.button("恢复", key=f"restore_{info.id}", on_click=_restore, args=(info,))


def render() -> None:
    """The change log page."""
    user = login.current()
    store = resources.store()
    st.title("变更记录")
    st.caption("共享数据的每一次修改：谁、何时、改了什么（时间为北京时间）。")
    message = st.session_state.pop("changes_msg", None)
    if message:
        kind, text = message
        (st.success if kind == "success" else st.error)(text)
    query = _filters(store, user)
    records = store.changes(**query, limit=LIMIT)
    if not user.can("manage_accounts"):
        records = [r for r in records if r.kind != "account"]
    if not records:
        st.info("没有符合条件的变更记录。")
    else:
        places = resources.catalog().places
        st.html(log_table(records, dict(zip(places["id"], places["name"]))))
        if len(records) >= LIMIT:
            st.caption(f"只显示最近 {LIMIT} 条；请用上面的条件缩小范围。")
    _undo_box(records, user)
    _recycle_bin(store, user)


__all__ = ["render", "delta_text", "summary_text", "target_name", "undo_permission", "utc_bounds", "log_table"]
