"""Progress records in the store (both engines): appended in one transaction with their change-log row, never
rewritten. A wrong import is withdrawn as a whole (recorded, reversible) and stays in the history marked 已撤回.

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
from core.progress import STATUSES
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

    def value_text(self, unit: str = "") -> str:
        """`12.3 公里`, or "" without a value."""
        return "" if self.value is None else f"{number(self.value)} {unit}".strip()

    def to_dict(self) -> dict:
        """JSON-ready."""
        return {"id": self.id, "item_id": self.item_id, "status": self.status, "value": self.value, "note": self.note,
                "unit": self.unit, "reporter": self.reporter, "reported_on": self.reported_on.isoformat(),
                "batch": self.batch, "source": self.source, "withdrawn": self.withdrawn}


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


class ProgressMixin:
    """The store's progress records (see the module docstring)."""

    def add_progress(self, reports: Sequence[ProgressInput], unit: str, user: str, source: str = "",
                     reporter: str | None = None) -> ProgressBatch:
        """Append reports for `unit` (填报单位) in ONE transaction with its change-log row: recorded by `user` (the
        account, or the command line's --by), with 填报人 `reporter` as the workbook or form gives it (default: user)."""
        if not reports:
            raise StoreError("没有要保存的进展记录。")
        unit, user = str(unit or "").strip(), str(user or "").strip()
        reporter = str(reporter or "").strip() or user
        if not unit or not user:
            raise StoreError("进展记录须写明填报单位和填报人。")
        for report in reports:
            _check(report)
        batch = uuid.uuid4().hex[:16]
        with self.transaction(user, "progress", "progress.report", unit) as change:
            now = self.clock()
            change.conn.execute(insert(t.progress), [{
                "item_id": r.item_id, "status": r.status, "value": None if r.value is None else float(r.value),
                "note": str(r.note or ""), "unit": unit, "reporter": reporter, "reported_on": r.reported_on, "batch": batch,
                "source": str(source or ""), "recorded_by": change.user, "recorded_at": now} for r in reports])
            named = "、".join(f"{r.item_id} {r.status}" for r in reports[:SUMMARY_ITEMS])
            more = f" 等 {len(reports)} 项" if len(reports) > SUMMARY_ITEMS else ""
            about = "，".join(filter(None, [str(source or ""), f"填报人 {reporter}" if reporter != change.user else ""]))
            change.summary = f"「{unit}」填报进展 {len(reports)} 条{f'（{about}）' if about else ''}：{named}{more}"
            change.after = {"batch": batch, "count": len(reports), "items": [r.item_id for r in reports]}
        return ProgressBatch(batch, unit, reporter, str(source or ""), len(reports), now, False)

    def progress_records(self, item_id: str | None = None) -> list[ProgressRecord]:
        """Every record (or one item's), oldest first, withdrawn ones included and marked."""
        p, w = t.progress.c, t.progress_withdrawals.c
        query = (select(t.progress, w.batch.is_not(None).label("withdrawn"))
                 .select_from(t.progress.outerjoin(t.progress_withdrawals, w.batch == p.batch)).order_by(p.id))
        if item_id is not None:
            query = query.where(p.item_id == item_id)
        with self.reading() as conn:
            return [ProgressRecord(id=r.id, item_id=r.item_id, status=r.status, value=r.value, note=r.note, unit=r.unit,
                                   reporter=r.reporter, reported_on=r.reported_on, batch=r.batch, source=r.source,
                                   recorded_at=r.recorded_at, withdrawn=bool(r.withdrawn), recorded_by=r.recorded_by)
                    for r in conn.execute(query)]

    def progress_batches(self) -> list[ProgressBatch]:
        """Every import, newest first."""
        p, w = t.progress.c, t.progress_withdrawals.c
        query = (select(p.batch, func.min(p.unit), func.min(p.reporter), func.min(p.source), func.count(),
                        func.min(p.recorded_at), func.count(w.batch))
                 .select_from(t.progress.outerjoin(t.progress_withdrawals, w.batch == p.batch))
                 .group_by(p.batch).order_by(func.max(p.id).desc()))
        with self.reading() as conn:
            return [ProgressBatch(r[0], r[1], r[2], r[3], r[4], r[5], bool(r[6])) for r in conn.execute(query)]

    def progress_stamp(self) -> tuple[int, int]:
        """Changes whenever a record is added or a batch withdrawn or reinstated (a cache key for pages)."""
        with self.reading() as conn:
            last = conn.execute(select(func.max(t.progress.c.id))).scalar()
            log = conn.execute(select(func.max(t.changes.c.id)).where(t.changes.c.kind == "progress")).scalar()
        return int(last or 0), int(log or 0)

    def _batch(self, conn, batch: str):
        return conn.execute(select(t.progress.c.unit, func.count()).where(t.progress.c.batch == batch)
                            .group_by(t.progress.c.unit)).first()

    def withdraw_progress(self, batch: str, user: str, reason: str = "") -> int:
        """Withdraw one import: its records stay in the history (已撤回) but no longer count; how many records."""
        with self.transaction(user, "progress", "progress.withdraw", batch) as change:
            row = self._batch(change.conn, batch)
            if row is None:
                raise StoreError(f"没有编号为 {batch} 的进展填报。")
            if change.conn.execute(select(t.progress_withdrawals.c.batch)
                                   .where(t.progress_withdrawals.c.batch == batch)).first() is not None:
                raise StoreError(f"进展填报 {batch} 已经撤回。")
            change.conn.execute(insert(t.progress_withdrawals).values(
                batch=batch, reason=str(reason or ""), withdrawn_by=change.user, withdrawn_at=self.clock()))
            change.target = row.unit
            change.summary = f"撤回「{row.unit}」的进展填报 {row[1]} 条{f'（{reason}）' if reason else ''}"
            change.before, change.after = {"batch": batch, "withdrawn": False}, {"batch": batch, "withdrawn": True}
        return int(row[1])

    def reinstate_progress(self, batch: str, user: str) -> int:
        """Undo a withdrawal: the import's records count again; how many records."""
        with self.transaction(user, "progress", "progress.reinstate", batch) as change:
            row = self._batch(change.conn, batch)
            gone = change.conn.execute(delete(t.progress_withdrawals).where(t.progress_withdrawals.c.batch == batch))
            if row is None or gone.rowcount != 1:
                raise StoreError(f"进展填报 {batch} 没有被撤回，无需恢复。")
            change.target = row.unit
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

    def _undo_progress_reinstate(self, rec, user: str) -> str:
        n = self.withdraw_progress(rec.after["batch"], user, "撤销恢复")
        return f"已再次撤回该次进展填报（{n} 条）"
