"""Progress records in the store (both engines): appended in one transaction with their change-log row, never
rewritten. A wrong import is withdrawn as a whole (recorded, reversible) and stays in the history marked 已撤回.
Every batch is 待审核 until the office accepts it (then it counts) or returns it with a reason (it never counts; the
unit reports again); a report's evidence (photos, PDFs) is stored with it, the bytes in the store.

Mixed into ``Store``; uses only its ``transaction``, ``reading`` and ``clock``.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, func, insert, select

from core.formatting import number
from core.progress import ACCEPTED, PENDING, RETURNED, REVIEW_STATES, STATUSES, WITHDRAWN
from store import schema as t
from store.errors import StoreError

#: How many item ids a change-log summary names before it says 等.
SUMMARY_ITEMS = 8


#: The longest 进展说明 kept (a paragraph; longer text belongs in a document).
MAX_NOTE = 500


@dataclass(frozen=True)
class ProgressInput:
    """One report before it is stored: the item, its 进展状态, 完成值 (targets only), 进展说明 and 填报日期."""

    item_id: str
    status: str
    value: float | None
    note: str
    reported_on: date


@dataclass(frozen=True)
class ProgressRecord:
    """One stored report: the input plus who reported it for which unit, the import it came in and its state."""

    id: int
    item_id: str
    status: str
    value: float | None
    note: str
    #: 填报单位 (the unit the workbook was made for) and 填报人 (who imported or entered it).
    unit: str
    reporter: str
    reported_on: date
    #: The import (one workbook or one form) the record came in; a whole batch is withdrawn together.
    batch: str
    source: str
    recorded_at: datetime
    withdrawn: bool = False
    #: The account (or the command line's --by) that imported it; 填报人 above is what the report says.
    recorded_by: str = ""
    #: The office's review of its batch: pending (待审核), accepted (counts) or returned (never counts).
    review: str = ACCEPTED

    @property
    def accepted(self) -> bool:
        """Whether the office accepted its batch (only accepted records count on the board)."""
        return self.review == ACCEPTED

    def value_text(self, unit: str = "") -> str:
        """`12.3 公里`, or "" without a value."""
        return "" if self.value is None else f"{number(self.value)} {unit}".strip()

    def to_dict(self) -> dict:
        """JSON-ready."""
        return {"id": self.id, "item_id": self.item_id, "status": self.status, "value": self.value, "note": self.note,
                "unit": self.unit, "reporter": self.reporter, "reported_on": self.reported_on.isoformat(),
                "batch": self.batch, "source": self.source, "withdrawn": self.withdrawn, "review": self.review}


@dataclass(frozen=True)
class ProgressBatch:
    """One import as the store keeps it: its id, unit, who, when, how many records, whether withdrawn."""

    batch: str
    unit: str
    reporter: str
    source: str
    records: int
    recorded_at: datetime
    withdrawn: bool
    #: The office's review: pending, accepted or returned, with the reason of a return, who and when.
    review: str = PENDING
    reason: str = ""
    reviewed_by: str = ""
    reviewed_at: datetime | None = None
    #: The account that submitted it and the items it reports on.
    recorded_by: str = ""
    items: tuple[str, ...] = ()

    @property
    def state(self) -> str:
        """pending / accepted / returned, or withdrawn (a withdrawn batch no longer counts, whatever its review)."""
        return WITHDRAWN if self.withdrawn else self.review

    @property
    def state_label(self) -> str:
        """待审核 / 已采纳 / 已退回 / 已撤回."""
        return REVIEW_STATES[self.state]

    def to_dict(self) -> dict:
        """JSON-ready (times as stored, naive UTC ISO)."""
        return {"batch": self.batch, "unit": self.unit, "reporter": self.reporter, "source": self.source,
                "records": self.records, "recorded_at": self.recorded_at.isoformat(), "withdrawn": self.withdrawn,
                "state": self.state, "state_label": self.state_label, "reason": self.reason,
                "reviewed_by": self.reviewed_by or None,
                "reviewed_at": self.reviewed_at.isoformat() if self.reviewed_at else None,
                "recorded_by": self.recorded_by, "items": list(self.items)}


@dataclass(frozen=True)
class EvidenceInput:
    """A file attached to a report before it is stored (checked by tracking/evidence.py): the item it shows, its name
    as text, its checked type, its bytes, and a photo's position (WGS84) and date when it carries a plausible one."""

    item_id: str
    name: str
    content_type: str
    data: bytes
    lat: float | None = None
    lon: float | None = None
    taken: str | None = None


@dataclass(frozen=True)
class Evidence:
    """A stored evidence file without its bytes (``Store.evidence_file`` reads those)."""

    id: int
    batch: str
    item_id: str
    name: str
    content_type: str
    size: int
    lat: float | None
    lon: float | None
    taken: str | None
    added_by: str
    added_at: datetime


#: The types evidence may have (checked by their bytes before they reach the store).
EVIDENCE_TYPES = ("image/jpeg", "image/png", "application/pdf")


def _check(report: ProgressInput) -> None:
    """Nothing implausible is stored: a known status, a finite non-negative value, a real date, a bounded note."""
    where = f"事项 {report.item_id}"
    if not str(report.item_id or "").strip():
        raise StoreError("进展记录缺少事项编号。")
    if report.status not in STATUSES:
        raise StoreError(f"{where}：进展状态「{report.status}」不在可选项中（{'、'.join(STATUSES)}）。")
    if report.value is not None and (not isinstance(report.value, (int, float)) or not math.isfinite(report.value)
                                     or report.value < 0):
        raise StoreError(f"{where}：完成值「{report.value}」应为不小于 0 的有限数值。")
    if not isinstance(report.reported_on, date):
        raise StoreError(f"{where}：填报日期「{report.reported_on}」不是日期。")
    if len(report.note or "") > MAX_NOTE:
        raise StoreError(f"{where}：进展说明超过 {MAX_NOTE} 个字。")


def unknown_batch(batch: str) -> str:
    """The message for a batch id the store does not hold."""
    return f"没有编号为 {batch} 的进展填报（用 python -m tracking batches 查看编号）。"


class ProgressMixin:
    """The store's progress records (see the module docstring)."""

    def add_progress(self, reports: Sequence[ProgressInput], unit: str, user: str, source: str = "",
                     reporter: str | None = None, evidence: Sequence[EvidenceInput] = ()) -> ProgressBatch:
        """Append reports for `unit` (填报单位) in ONE transaction with its change-log row and its evidence files: recorded
        by `user` (the account, or the command line's --by), with 填报人 `reporter` as the workbook or form gives it
        (default: user). The batch is 待审核: it counts once the office accepts it (``review_progress``)."""
        if not reports:
            raise StoreError("没有要保存的进展记录。")
        unit, user = str(unit or "").strip(), str(user or "").strip()
        reporter = str(reporter or "").strip() or user
        if not unit or not user:
            raise StoreError("进展记录须写明填报单位和填报人。")
        for report in reports:
            _check(report)
        items = {r.item_id for r in reports}
        for file in evidence:
            if file.content_type not in EVIDENCE_TYPES or not file.data or file.item_id not in items:
                raise StoreError(f"佐证材料「{file.name}」不是本次填报事项的图片或 PDF，没有写入任何记录。")
        batch = uuid.uuid4().hex[:16]
        with self.transaction(user, "progress", "progress.report", unit) as change:
            now = self.clock()
            change.conn.execute(insert(t.progress), [{
                "item_id": r.item_id, "status": r.status, "value": None if r.value is None else float(r.value),
                "note": str(r.note or ""), "unit": unit, "reporter": reporter, "reported_on": r.reported_on, "batch": batch,
                "source": str(source or ""), "recorded_by": change.user, "recorded_at": now} for r in reports])
            if evidence:
                change.conn.execute(insert(t.progress_evidence), [{
                    "batch": batch, "item_id": f.item_id, "name": f.name, "content_type": f.content_type,
                    "size": len(f.data), "data": bytes(f.data), "lat": f.lat, "lon": f.lon, "taken": f.taken,
                    "added_by": change.user, "added_at": now} for f in evidence])
            named = "、".join(f"{r.item_id} {r.status}" for r in reports[:SUMMARY_ITEMS])
            more = f" 等 {len(reports)} 项" if len(reports) > SUMMARY_ITEMS else ""
            about = "，".join(filter(None, [str(source or ""), f"填报人 {reporter}" if reporter != change.user else ""]))
            change.summary = f"「{unit}」填报进展 {len(reports)} 条{f'（{about}）' if about else ''}：{named}{more}"
            files = f"，佐证材料 {len(evidence)} 个" if evidence else ""
            change.summary += f"{files}（待审核）"
            change.after = {"batch": batch, "count": len(reports), "items": [r.item_id for r in reports],
                            "evidence": len(evidence)}
        return ProgressBatch(batch, unit, reporter, str(source or ""), len(reports), now, False, recorded_by=change.user,
                             items=tuple(r.item_id for r in reports))

    def progress_records(self, item_id: str | None = None) -> list[ProgressRecord]:
        """Every record (or one item's), oldest first, withdrawn ones included and marked."""
        p, w, v = t.progress.c, t.progress_withdrawals.c, t.progress_reviews.c
        query = (select(t.progress, w.batch.is_not(None).label("withdrawn"), v.state.label("review"))
                 .select_from(t.progress.outerjoin(t.progress_withdrawals, w.batch == p.batch)
                              .outerjoin(t.progress_reviews, v.batch == p.batch)).order_by(p.id))
        if item_id is not None:
            query = query.where(p.item_id == item_id)
        with self.reading() as conn:
            return [ProgressRecord(id=r.id, item_id=r.item_id, status=r.status, value=r.value, note=r.note, unit=r.unit,
                                   reporter=r.reporter, reported_on=r.reported_on, batch=r.batch, source=r.source,
                                   recorded_at=r.recorded_at, withdrawn=bool(r.withdrawn), recorded_by=r.recorded_by,
                                   review=r.review or PENDING)
                    for r in conn.execute(query)]

    def progress_batches(self, unit: str | None = None) -> list[ProgressBatch]:
        """Every import and online report (or one unit's), newest first, with its review."""
        p, w, v = t.progress.c, t.progress_withdrawals.c, t.progress_reviews.c
        query = (select(p.batch, func.min(p.unit), func.min(p.reporter), func.min(p.source), func.count(),
                        func.min(p.recorded_at), func.count(w.batch), func.min(v.state), func.min(v.reason),
                        func.min(v.reviewed_by), func.min(v.reviewed_at), func.min(p.recorded_by))
                 .select_from(t.progress.outerjoin(t.progress_withdrawals, w.batch == p.batch)
                              .outerjoin(t.progress_reviews, v.batch == p.batch))
                 .group_by(p.batch).order_by(func.max(p.id).desc()))
        if unit is not None:
            query = query.where(p.unit == unit)
        with self.reading() as conn:
            items: dict[str, list[str]] = {}
            for batch, item in conn.execute(select(p.batch, p.item_id).order_by(p.id)):
                items.setdefault(batch, []).append(item)
            return [ProgressBatch(r[0], r[1], r[2], r[3], r[4], r[5], bool(r[6]), review=r[7] or PENDING,
                                  reason=r[8] or "", reviewed_by=r[9] or "", reviewed_at=r[10], recorded_by=r[11],
                                  items=tuple(items.get(r[0], ()))) for r in conn.execute(query)]

    def progress_batch(self, batch: str) -> ProgressBatch:
        """One batch with its review (StoreError naming an unknown one)."""
        found = [b for b in self.progress_batches() if b.batch == batch]
        if not found:
            raise StoreError(unknown_batch(batch))
        return found[0]

    def review_progress(self, batch: str, user: str, accept: bool, reason: str = "") -> ProgressBatch:
        """The office accepts a 待审核 batch (it counts from then) or returns it with a reason (it never counts; the unit
        sees why and reports again): ONE transaction with its change-log row. StoreError (Chinese) for an unknown,
        withdrawn or already reviewed batch, and for a return without a reason."""
        reason = str(reason or "").strip()
        if not accept and not reason:
            raise StoreError("退回须写明原因（填报单位会看到），没有作任何改动。")
        action = "progress.accept" if accept else "progress.return"
        with self.transaction(user, "progress", action, batch) as change:
            row = self._known(change, batch, f"进展填报 {batch} 已经撤回，不能再审核。")
            done = change.conn.execute(select(t.progress_reviews).where(t.progress_reviews.c.batch == batch)).first()
            if done is not None:
                raise StoreError(f"进展填报 {batch} 已经审核（{REVIEW_STATES[done.state]}，{done.reviewed_by}），"
                                 "不能重复审核。")
            change.conn.execute(insert(t.progress_reviews).values(
                batch=batch, state=ACCEPTED if accept else RETURNED, reason="" if accept else reason,
                reviewed_by=change.user, reviewed_at=self.clock()))
            change.summary = (f"采纳「{row.unit}」的进展填报 {row[1]} 条（{batch}）" if accept
                              else f"退回「{row.unit}」的进展填报 {row[1]} 条（{batch}）：{reason}")
            change.before = {"batch": batch, "review": PENDING}
            change.after = {"batch": batch, "review": ACCEPTED if accept else RETURNED, "reason": reason}
        return self.progress_batch(batch)

    def reopen_progress(self, batch: str, user: str) -> None:
        """Undo a review: the batch is 待审核 again (and no longer counts until reviewed anew)."""
        with self.transaction(user, "progress", "progress.reopen", batch) as change:
            row = self._unmark(change, t.progress_reviews, batch, f"进展填报 {batch} 尚未审核，无需撤销审核。")
            change.summary = f"撤销对「{row.unit}」进展填报（{batch}）的审核，恢复为待审核"
            change.after = {"batch": batch, "review": PENDING}

    def progress_evidence(self, batch: str | None = None, item_id: str | None = None) -> list[Evidence]:
        """Evidence files (without their bytes), oldest first: of one batch, one item, or all."""
        e = t.progress_evidence.c
        query = select(e.id, e.batch, e.item_id, e.name, e.content_type, e.size, e.lat, e.lon, e.taken, e.added_by,
                       e.added_at).order_by(e.id)
        if batch is not None:
            query = query.where(e.batch == batch)
        if item_id is not None:
            query = query.where(e.item_id == item_id)
        with self.reading() as conn:
            return [Evidence(*r) for r in conn.execute(query)]

    def evidence_counts(self) -> dict[str, int]:
        """item id → evidence files of its accepted reports still in force (what the 通报 counts)."""
        e, v, w = t.progress_evidence.c, t.progress_reviews.c, t.progress_withdrawals.c
        query = (select(e.item_id, func.count()).join(t.progress_reviews, v.batch == e.batch)
                 .outerjoin(t.progress_withdrawals, w.batch == e.batch)
                 .where(v.state == ACCEPTED, w.batch.is_(None)).group_by(e.item_id))
        with self.reading() as conn:
            return {item: int(n) for item, n in conn.execute(query)}

    def evidence_file(self, evidence_id: int) -> tuple[Evidence, bytes]:
        """One evidence file with its bytes (StoreError for an unknown id)."""
        e = t.progress_evidence.c
        with self.reading() as conn:
            row = conn.execute(select(t.progress_evidence).where(e.id == int(evidence_id))).first()
        if row is None:
            raise StoreError(f"没有编号为 {evidence_id} 的佐证材料。")
        return (Evidence(row.id, row.batch, row.item_id, row.name, row.content_type, row.size, row.lat, row.lon,
                         row.taken, row.added_by, row.added_at), bytes(row.data))

    def progress_stamp(self) -> tuple[int, int]:
        """Changes whenever a record is added or a batch withdrawn or reinstated (a cache key for pages)."""
        with self.reading() as conn:
            last = conn.execute(select(func.max(t.progress.c.id))).scalar()
            log = conn.execute(select(func.max(t.changes.c.id)).where(t.changes.c.kind == "progress")).scalar()
        return int(last or 0), int(log or 0)

    def _batch(self, conn, batch: str):
        return conn.execute(select(t.progress.c.unit, func.count()).where(t.progress.c.batch == batch)
                            .group_by(t.progress.c.unit)).first()

    def _known(self, change, batch: str, refuse_withdrawn: str = ""):
        """The batch's (unit, count) in the change's transaction, its unit the change's target; StoreError for an
        unknown batch, and (`refuse_withdrawn`: the message) for a withdrawn one."""
        row = self._batch(change.conn, batch)
        if row is None:
            raise StoreError(unknown_batch(batch))
        if refuse_withdrawn and change.conn.execute(select(t.progress_withdrawals.c.batch)
                                                    .where(t.progress_withdrawals.c.batch == batch)).first():
            raise StoreError(refuse_withdrawn)
        change.target = row.unit
        return row

    def _unmark(self, change, table, batch: str, refused: str):
        """Delete a batch's mark (its withdrawal or its review) in the change's transaction, its unit the change's
        target; the batch's (unit, count), or StoreError(refused) when it has no such mark."""
        row = self._batch(change.conn, batch)
        gone = change.conn.execute(delete(table).where(table.c.batch == batch))
        if row is None or gone.rowcount != 1:
            raise StoreError(refused)
        change.target = row.unit
        return row

    def withdraw_progress(self, batch: str, user: str, reason: str = "") -> int:
        """Withdraw one import: its records stay in the history (已撤回) but no longer count; how many records."""
        with self.transaction(user, "progress", "progress.withdraw", batch) as change:
            row = self._known(change, batch, f"进展填报 {batch} 已经撤回。")
            change.conn.execute(insert(t.progress_withdrawals).values(
                batch=batch, reason=str(reason or ""), withdrawn_by=change.user, withdrawn_at=self.clock()))
            change.summary = f"撤回「{row.unit}」的进展填报 {row[1]} 条{f'（{reason}）' if reason else ''}"
            change.before, change.after = {"batch": batch, "withdrawn": False}, {"batch": batch, "withdrawn": True}
        return int(row[1])

    def reinstate_progress(self, batch: str, user: str) -> int:
        """Undo a withdrawal: the import's records count again; how many records."""
        with self.transaction(user, "progress", "progress.reinstate", batch) as change:
            row = self._unmark(change, t.progress_withdrawals, batch, f"进展填报 {batch} 没有被撤回，无需恢复。")
            change.summary = f"恢复「{row.unit}」的进展填报 {row[1]} 条"
            change.before, change.after = {"batch": batch, "withdrawn": True}, {"batch": batch, "withdrawn": False}
        return int(row[1])

    def _undo_progress_report(self, rec, user: str) -> str:
        """Undo of an import (``store.labels.ACTIONS`` names these): withdrawn, kept in the history."""
        n = self.withdraw_progress(rec.after["batch"], user, "撤销")
        return f"已撤回该次进展填报（{n} 条记录保留在历史中，标为已撤回）"

    def _undo_progress_withdraw(self, rec, user: str) -> str:
        n = self.reinstate_progress(rec.after["batch"], user)
        return f"已恢复该次进展填报（{n} 条）"

    def _undo_progress_review(self, rec, user: str) -> str:
        """Undo of an acceptance or a return: the batch is 待审核 again."""
        self.reopen_progress(rec.after["batch"], user)
        return "已撤销审核，该次进展填报恢复为待审核"

    def _undo_progress_reinstate(self, rec, user: str) -> str:
        n = self.withdraw_progress(rec.after["batch"], user, "撤销恢复")
        return f"已再次撤回该次进展填报（{n} 条）"
