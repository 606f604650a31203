"""催办 and published 通报 in the store (both engines), each written in one transaction with its change-log row.

A reminder (催办) names the lead unit, the items, a note, who made it and when. A 通报 published is frozen as 第 N 期:
its month, its data (JSON) and the xlsx and PDF bytes as published, never rewritten. Mixed into ``Store``; uses only its
``transaction``, ``reading`` and ``clock``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select

from store import schema as t
from store.errors import StoreError

#: The longest 催办 note kept.
MAX_REMINDER_NOTE = 500


@dataclass(frozen=True)
class Reminder:
    """One 催办: to which unit, about which items, the note, who made it and when (naive UTC)."""

    id: int
    unit: str
    items: tuple[str, ...]
    note: str
    made_by: str
    made_at: datetime


@dataclass(frozen=True)
class PublishedBulletin:
    """One 通报 as published (第 `issue` 期); the files only when asked for (``Store.published_bulletin``)."""

    issue: int
    month: str
    published_by: str
    published_at: datetime
    data: dict
    xlsx: bytes = b""
    pdf: bytes = b""


def already_published(month: str, issues: Sequence[int]) -> str:
    """The refusal of publishing a month again: names the 期 it was published as."""
    named = "、".join(f"第 {n} 期" for n in issues)
    return (f"{month} 的通报已发布（{named}），没有再次发布。确需再发一期请使用「再次发布」（命令行 --again），"
            "将编为新的一期。")


def _reminder(row) -> Reminder:
    return Reminder(row.id, row.unit, tuple(json.loads(row.items)), row.note, row.made_by, row.made_at)


class RemindersMixin:
    """The store's 催办 and published 通报 (see the module docstring)."""

    def add_reminder(self, unit: str, items: Sequence[str], note: str, user: str) -> Reminder:
        """Record a 催办 to `unit` about `items` in ONE transaction with its change-log row."""
        unit, note = str(unit or "").strip(), str(note or "").strip()
        items = tuple(dict.fromkeys(str(i).strip() for i in items if str(i).strip()))
        if not unit:
            raise StoreError("催办须写明被催办的单位。")
        if not items:
            raise StoreError("催办须至少选择一个事项。")
        if len(note) > MAX_REMINDER_NOTE:
            raise StoreError(f"催办说明超过 {MAX_REMINDER_NOTE} 个字。")
        with self.transaction(user, "reminder", "reminder.add", unit) as change:
            now = self.clock()
            new_id = change.conn.execute(insert(t.reminders).values(
                unit=unit, items=json.dumps(list(items), ensure_ascii=False), note=note, made_by=change.user,
                made_at=now)).inserted_primary_key[0]
            change.summary = f"催办「{unit}」{len(items)} 项：{'、'.join(items[:8])}{' 等' if len(items) > 8 else ''}" + (
                f"（{note}）" if note else "")
            change.after = {"reminder": new_id, "unit": unit, "items": list(items), "note": note}
        return Reminder(new_id, unit, items, note, change.user, now)

    def reminders(self, unit: str | None = None, item_id: str | None = None) -> list[Reminder]:
        """Every 催办 (or one unit's, or those naming one item), oldest first."""
        query = select(t.reminders).order_by(t.reminders.c.id)
        if unit is not None:
            query = query.where(t.reminders.c.unit == unit)
        with self.reading() as conn:
            found = [_reminder(r) for r in conn.execute(query)]
        return [r for r in found if item_id is None or item_id in r.items]

    def publish_bulletin(self, month: str, data: dict, xlsx: bytes, pdf: bytes, user: str,
                         again: bool = False) -> PublishedBulletin:
        """Freeze a 通报 as the next 第 N 期 in ONE transaction with its change-log row. A month published before is
        refused naming its 期, unless `again` (a new number)."""
        with self.transaction(user, "bulletin", "bulletin.publish", month) as change:
            earlier = change.conn.execute(select(t.bulletins.c.issue, t.bulletins.c.published_at)
                                          .where(t.bulletins.c.month == month).order_by(t.bulletins.c.issue)).all()
            if earlier and not again:
                raise StoreError(already_published(month, [r.issue for r in earlier]))
            issue = int(change.conn.execute(select(func.max(t.bulletins.c.issue))).scalar() or 0) + 1
            now = self.clock()
            change.conn.execute(insert(t.bulletins).values(
                issue=issue, month=month, data=json.dumps(data, ensure_ascii=False, default=str), xlsx=bytes(xlsx),
                pdf=bytes(pdf), published_by=change.user, published_at=now))
            change.target = f"第 {issue} 期"
            again_text = f"（再次发布，此前为{'、'.join(f'第 {r.issue} 期' for r in earlier)}）" if earlier else ""
            change.summary = f"发布 {month} 实施进展通报第 {issue} 期{again_text}"
            change.after = {"issue": issue, "month": month}
        return PublishedBulletin(issue, month, change.user, now, data)

    def published_bulletins(self) -> list[PublishedBulletin]:
        """Every published 通报 (without its files), by number."""
        b = t.bulletins.c
        with self.reading() as conn:
            rows = conn.execute(select(b.issue, b.month, b.published_by, b.published_at, b.data).order_by(b.issue)).all()
        return [PublishedBulletin(r.issue, r.month, r.published_by, r.published_at, json.loads(r.data)) for r in rows]

    def published_bulletin(self, issue: int) -> PublishedBulletin:
        """One published 通报 with its files exactly as published (StoreError naming the issues there are)."""
        with self.reading() as conn:
            row = conn.execute(select(t.bulletins).where(t.bulletins.c.issue == int(issue))).first()
            count = conn.execute(select(func.count()).select_from(t.bulletins)).scalar_one() if row is None else 0
        if row is None:
            raise StoreError(f"没有第 {issue} 期通报（已发布 {count} 期）。")
        return PublishedBulletin(row.issue, row.month, row.published_by, row.published_at, json.loads(row.data),
                                 bytes(row.xlsx), bytes(row.pdf))
