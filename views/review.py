"""The office's side of reporting (实施进展 page, permission review_progress: 编辑 and 管理): the 待审核 reports with
their rows and evidence, each accepted (it counts from then) or returned with a reason the unit sees; an import or
report withdrawn (撤回); and the evidence of the reports in force — listed with a download in a place's panel, and
a photo with a position drawn on the map beside its place.
"""

from __future__ import annotations

import streamlit as st

from core.clock import local_text
from core.errors import ChaohuError
from core.formats import mime_type
from core.formatting import plain
from core.progress import ACCEPTED, PENDING
from layers.progressmap import photo_markers
from tracking.board import Board
from tracking.service import Tracking
from views import login
from views.reporting import batches_html, say


def _act(action, success: str) -> None:
    """Run a review or withdrawal (its permission asked of the store now); the message shows after the rerun."""
    try:
        action(login.require("review_progress"))
    except ChaohuError as exc:
        say("error", exc.message)
    else:
        say("success", success)
    st.rerun()


def _evidence_buttons(t: Tracking, files, key: str) -> None:
    """A download button per evidence file (the bytes read from the store for this session's page)."""
    for e in files:
        info, data = t.store.evidence_file(e.id)
        taken = f"，拍摄于 {info.taken}" if info.taken else ""
        st.download_button(plain(f"下载 {info.name}（{info.size / 1024:,.0f} KB{taken}）"), data=data, file_name=info.name,
                           mime=info.content_type or mime_type(info.name), key=f"{key}_{e.id}")


def _queue(t: Tracking, pending) -> None:
    for batch in pending:
        st.html(batches_html(t, [batch], ""))
        _evidence_buttons(t, t.store.progress_evidence(batch.batch), f"rv_dl_{batch.batch}")
        reason = st.text_input("退回原因", key=f"rv_reason_{batch.batch}", placeholder="退回时必填，填报单位会看到")
        c1, c2 = st.columns(2)
        if c1.button("采纳", key=f"rv_accept_{batch.batch}", type="primary"):
            _act(lambda user, b=batch.batch: t.review(b, user.name, user.role, True),
                 f"已采纳「{batch.unit}」的填报 {batch.records} 条，已计入实施进展。")
        if c2.button("退回", key=f"rv_return_{batch.batch}"):
            _act(lambda user, b=batch.batch, why=reason: t.review(b, user.name, user.role, False, why),
                 f"已退回「{batch.unit}」的填报 {batch.records} 条，填报单位可看到原因。")
        st.divider()


def _withdraw(t: Tracking, batches) -> None:
    active = [b for b in batches if b.state in (ACCEPTED, PENDING)]
    if not active:
        st.caption("没有可撤回的填报。")
        return
    labels = {b.batch: f"{b.unit}　{local_text(b.recorded_at)}　{b.records} 条　{b.state_label}　{b.source or '导入'}（{b.batch}）"
              for b in active}
    chosen = st.selectbox("撤回哪次填报", list(labels), key="rv_withdraw_batch", format_func=lambda b: plain(labels[b]))
    reason = st.text_input("撤回原因", key="rv_withdraw_reason", placeholder="如 误填")
    if st.button("撤回", key="rv_withdraw"):
        _act(lambda user: t.withdraw(chosen, user.name, user.role, reason),
             "已撤回该次填报：记录保留在历史中，标为已撤回，不再计入（可在变更记录中撤销）。")


def render_section(t: Tracking) -> None:
    """The review queue and withdrawal, for an account that may review (nothing otherwise)."""
    if not login.current().can("review_progress"):
        return
    batches = t.batches()
    pending = [b for b in batches if b.state == PENDING]
    # keyed by the count: a new report (an import in the tab under the map, a unit's online report) opens the queue
    with st.expander(f"待审核的填报（{len(pending)}）", expanded=bool(pending), key=f"rv_queue_{len(pending)}"):
        st.caption("各单位的导入和在线填报先待审核：采纳后计入实施进展；退回须写明原因，填报单位修改后重新填报。")
        if pending:
            _queue(t, pending)
        else:
            st.write("没有待审核的填报。")
    with st.expander("撤回填报"):
        st.caption("撤回一次导入或在线填报：其记录保留在历史中（标为已撤回），不再计入进展。")
        _withdraw(t, batches)


def place_evidence(t: Tracking, b: Board, place_id: str) -> None:
    """The evidence of the reports in force on a place's items, each with its download (in the place's panel)."""
    ids = [s.item.id for s in b.of_place(place_id)]
    files = t.evidence(ids)
    if not files:
        return
    st.markdown(f"**佐证材料（{len(files)} 个）**")
    _evidence_buttons(t, files, f"ev_dl_{place_id}")


def photo_group(t: Tracking, b: Board):
    """The map's markers of the photos (reports in force) that carry a position, with their name, date and item."""
    photos = [(e.lat, e.lon, f"现场照片：{e.name}" + (f"（{e.taken}）" if e.taken else "") + f" · 事项 {e.item_id}")
              for e in t.evidence() if e.lat is not None and e.lon is not None]
    return photo_markers(photos) if photos else None
