"""Reporting online (实施进展 page): an account bound to a lead unit sees its unit's items only, fills a row per item
— 进展状态, 完成值 (targets), 进展说明, 填报日期, photos or PDFs as evidence — and submits them as one report (待审核),
checked as a workbook row is (tracking/records.py through ``Tracking.report_online``). It sees the state of its
reports: 待审核, 已退回 with the office's reason (then it reports again), 已采纳. ``batches_html`` draws reports for
the unit and for the office's review queue (views/review.py).
"""

from __future__ import annotations

from collections.abc import Sequence
import streamlit as st
from markupsafe import Markup

from core.clock import local_text, today
from core.errors import ChaohuError
from core.formatting import number, plain
from core.inputs import EVIDENCE_KINDS, MAX_EVIDENCE_FILES, UPLOAD_MB
from core.progress import STATUSES
from core.templates import render, style_element
from store.progress import ProgressBatch
from tracking.records import DATE_COL, EARLIEST_REPORT, NOTE_COL, STATUS_COL, VALUE_COL
from tracking.service import OnlineRow, Tracking
from views import login

BATCHES_CSS = style_element("views", "batches.css")
#: The file kinds the evidence uploader offers (a convenience: the bytes decide, tracking/evidence.py).
EVIDENCE_SUFFIXES = ["jpg", "jpeg", "png", "pdf"]
#: The session key holding the form's generation: a new one after a submitted report empties the form.
FORM_KEY = "po_form"
MESSAGE_KEY = "p_msg"


def batches_html(t: Tracking, batches: Sequence[ProgressBatch], empty: str) -> str:
    """Reports with their state (and the reason of a return), their rows and their evidence files."""
    wanted = {b.batch for b in batches}
    rows: dict[str, list] = {}
    for rec in t.store.progress_records():
        if rec.batch in wanted:
            rows.setdefault(rec.batch, []).append(rec)
    evidence: dict[str, list] = {}
    for e in t.store.progress_evidence():
        if e.batch in wanted:
            evidence.setdefault(e.batch, []).append(e)
    titles = {i.id: i.title for i in t.items}
    units = {i.id: i.unit for i in t.items}
    return render("views", "batches.html.j2", css=Markup(BATCHES_CSS), batches=list(batches), rows=rows,
                  evidence=evidence, titles=titles, units=units, number=number, empty=empty,
                  when=lambda at: local_text(at) if at else "")


def say(kind: str, text: str) -> None:
    """A message the 实施进展 page shows after the rerun (success or error)."""
    st.session_state[MESSAGE_KEY] = (kind, text)


def _row(item, gen: int) -> OnlineRow | None:
    """The form's row of one item (None when no 进展状态 was chosen)."""
    key = f"po{gen}_{item.id}"
    status = st.session_state.get(f"{key}_status") or ""
    if not status:
        return None
    files = tuple((f.name, f.getvalue()) for f in st.session_state.get(f"{key}_files") or ())
    value = st.session_state.get(f"{key}_value") if item.quantified else None
    return OnlineRow(item.id, status, value or None, st.session_state.get(f"{key}_note") or "",
                     st.session_state.get(f"{key}_date"), files)


def _item_fields(item, gen: int) -> None:
    key = f"po{gen}_{item.id}"
    st.markdown(f"**{plain(item.id)}** {plain(item.title)}")
    st.caption(plain(f"规划要求：{item.requirement}" + (f"；目标：{item.words or number(item.target)}" if item.quantified
                                                     else "")))
    c1, c2, c3 = st.columns(3)
    c1.selectbox(STATUS_COL, ["", *STATUSES], key=f"{key}_status", format_func=lambda v: v or "（不填报）")
    if item.quantified:
        c2.text_input(f"{VALUE_COL}（{item.unit}）", key=f"{key}_value", placeholder="只填数字")
    c3.date_input(DATE_COL, value=today(), max_value=today(), min_value=EARLIEST_REPORT, key=f"{key}_date")
    st.text_area(NOTE_COL, key=f"{key}_note", height=68)
    st.file_uploader(f"佐证材料（{EVIDENCE_KINDS}，每个不超过 {UPLOAD_MB['evidence']} MB，最多 {MAX_EVIDENCE_FILES} 个）",
                     type=EVIDENCE_SUFFIXES, accept_multiple_files=True, key=f"{key}_files")


def _submit(t: Tracking, items, gen: int) -> None:
    rows = [row for row in (_row(item, gen) for item in items) if row is not None]
    try:
        user = login.require("report_progress")
        batch, notes = t.report_online(rows, user.name, user.role, user.unit,
                                       reporter=st.session_state.get(f"po{gen}_reporter", ""))
    except ChaohuError as exc:
        say("error", exc.message)
    else:
        st.session_state[FORM_KEY] = gen + 1  # an empty form for the next report
        say("success", f"已提交填报 {batch.records} 条（编号 {batch.batch}），待办公室审核；采纳后计入实施进展。"
                       + "".join(notes))
    st.rerun()


def render_section(t: Tracking) -> None:
    """The reporting section, for an account bound to a lead unit (nothing otherwise)."""
    user = login.current()
    if not user.unit or not user.can("report_progress"):
        return
    try:
        items = t.unit_items(user.unit)
    except ChaohuError as exc:
        st.error(exc.message)
        return
    mine = t.batches(dict(t.items.units()).get(t.items.unit_id(user.unit) or "", user.unit))
    returned = sum(b.state == "returned" for b in mine)
    title = f"在线填报：{user.unit}（牵头事项 {len(items)} 项）" + (f"，已退回 {returned} 次，请查看原因" if returned else "")
    with st.expander(plain(title), expanded=True):
        st.caption("每个事项可填一行，选择进展状态的事项一并提交为一次填报；检查与 Excel 填报相同。"
                   "提交后待办公室审核，采纳后才计入实施进展；退回时可在下方看到原因，修改后重新填报。")
        gen = int(st.session_state.get(FORM_KEY, 0))
        with st.form(f"po_form_{gen}"):
            st.text_input("填报人", key=f"po{gen}_reporter", placeholder="姓名（记入进展记录；提交人记为当前账号）")
            for item in items:
                st.divider()
                with st.container(key=f"po_item_{item.id.replace('.', '_')}"):  # st-key-po_item_4_3 for tests
                    _item_fields(item, gen)
            submitted = st.form_submit_button("提交填报", type="primary")
        if submitted:
            _submit(t, items, gen)
        st.markdown("**本单位的填报**")
        st.html(batches_html(t, mine, "尚无填报。"))
