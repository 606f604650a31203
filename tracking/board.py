"""The state of every item on a day: its latest report, its history, whether it is overdue or due soon, and the
roll-up from deadlines, targets and places to measures, sections and units (as Decidim rolls results up).

Pure: items, records, the plan year and the day in, states out. Statuses come only from records the office accepted
(a report 待审核 or 已退回 changes nothing; an item counts its reports awaiting review as `pending`); 逾期 and 临近 are
computed from the plan year and the deadline, and only when the year is set.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property

from core.formatting import number, value_text
from core.progress import CATEGORY_COLORS, DONE, NO_ITEMS, NOT_REPORTED, OVERDUE, PENDING, STATUSES
from tracking.dates import due_date, due_text, is_soon
from tracking.items import TrackItem, TrackItems
from tracking.records import ProgressRecord

#: The columns of a status count, in order: nothing reported first, then the five statuses.
COUNT_KEYS = (NOT_REPORTED, *STATUSES)


@dataclass(frozen=True)
class ItemState:
    """One item on a day: its current record (None: nobody reported), its history and its dates."""

    item: TrackItem
    record: ProgressRecord | None
    #: Every record up to the day, oldest first, withdrawn ones included (marked).
    history: tuple[ProgressRecord, ...]
    due_on: date | None
    due_label: str
    overdue: bool
    due_soon: bool
    #: Reports on the item awaiting the office's review (they do not count yet).
    pending: int = 0
    #: Evidence files (photos, PDFs) of its accepted reports.
    evidence: int = 0

    @property
    def status(self) -> str:
        """The reported 进展状态, or 未填报."""
        return self.record.status if self.record else NOT_REPORTED

    @property
    def value(self) -> float | None:
        """The latest reported 完成值 of a target (from the latest record that carries one)."""
        for rec in reversed(self.history):
            if not rec.withdrawn and rec.value is not None:
                return rec.value
        return None

    @property
    def completion(self) -> float | None:
        """完成度 0…1 where something is measurable: 1 when 已完成; a target's (完成值 − 基数) / (目标 − 基数) from the
        plan's baseline (由5亿元增加到10亿元: 5 → 0, 7.5 → 0.5); None where nothing is measurable yet."""
        if self.status == DONE:
            return 1.0
        item = self.item
        if not item.quantified or self.value is None or not item.target:
            return None
        base = item.baseline or 0.0
        if item.target == base:
            return None
        return max(0.0, min((self.value - base) / (item.target - base), 1.0))

    @property
    def fraction(self) -> float:
        """How far the item is for roll-ups, 0…1: its completion, 0 where nothing is measurable."""
        return self.completion or 0.0

    def done_text(self) -> str:
        """A target as reported / the plan's words: `12.3公里 / 25.85公里`, `未填报 / 3支左右`, `7.5亿元 / 由5亿元增加到10亿元`."""
        goal = self.item.words or f"{value_text(self.item.target, self.item.target_max)}{self.item.unit}"
        done = f"{number(self.value)}{self.item.unit}" if self.value is not None else NOT_REPORTED
        return f"{done} / {goal}"

    def summary(self) -> str:
        """One line: `推进中（2026-11-20 市经信委填报，完成值 12.3 公里）` or `未填报`."""
        if self.record is None:
            return NOT_REPORTED
        parts = [f"{self.record.reported_on.isoformat()} {self.record.unit}填报"]
        if self.value is not None:
            parts.append(f"完成值 {number(self.value)} {self.item.unit}".strip())
        return f"{self.status}（{'，'.join(parts)}）"

    def to_dict(self) -> dict:
        """JSON-ready: id, what, who leads, the deadline, and the current status with its value and date."""
        rec = self.record
        return {
            "id": self.item.id, "kind": self.item.kind, "title": self.item.title, "requirement": self.item.requirement,
            "leads": list(self.item.lead_names), "due": self.item.due,
            "due_date": self.due_on.isoformat() if self.due_on else None,
            "status": rec.status if rec else None, "value": self.value, "unit": self.item.unit or None,
            "target": self.item.target, "target_max": self.item.target_max, "baseline": self.item.baseline,
            "target_words": self.item.words or None, "completion": self.completion,
            "note": rec.note if rec else None, "reported_on": rec.reported_on.isoformat() if rec else None,
            "reported_by_unit": rec.unit if rec else None, "reporter": rec.reporter if rec else None,
            "overdue": self.overdue, "due_soon": self.due_soon, "records": len(self.history),
            "pending": self.pending, "evidence": self.evidence,
        }


@dataclass(frozen=True)
class RollUp:
    """Counts of a group of items (a measure with its children, a section, a unit) by status, with what is late."""

    total: int
    counts: dict[str, int]
    overdue: int
    due_soon: int
    #: Mean of the items' fractions (已完成 = 1, a target's 完成值/目标, others 0), 0…1.
    progress: float
    #: Evidence files of the items' accepted reports.
    evidence: int = 0

    @property
    def done(self) -> int:
        """Items reported 已完成."""
        return self.counts.get(DONE, 0)

    @property
    def reported(self) -> int:
        """Items with at least one report."""
        return self.total - self.counts.get(NOT_REPORTED, 0)


def roll_up(states: Iterable[ItemState]) -> RollUp:
    """The roll-up of some item states."""
    states = list(states)
    counts = Counter(s.status for s in states)
    return RollUp(total=len(states), counts={k: counts.get(k, 0) for k in COUNT_KEYS},
                  overdue=sum(s.overdue for s in states), due_soon=sum(s.due_soon for s in states),
                  progress=sum(s.fraction for s in states) / len(states) if states else 0.0,
                  evidence=sum(s.evidence for s in states))


def place_category(states: Sequence[ItemState]) -> str:
    """What a place is coloured by (core.progress.CATEGORY_COLORS), from the states of its items:
    逾期 when any is overdue; else 滞后, then 调整, when any reports it; 已完成 or 未启动 when every reported item
    says so; 推进中 for any other mix; 未填报 when none of its items has a report; 无跟踪事项 when it has no items."""
    if not states:
        return NO_ITEMS
    reported = [s.status for s in states if s.record is not None]
    if any(s.overdue for s in states):
        return OVERDUE
    if not reported:
        return NOT_REPORTED
    for status in ("滞后", "调整"):
        if status in reported:
            return status
    for status in (DONE, "未启动"):
        if all(r == status for r in reported):
            return status
    return "推进中"


class Board:
    """Every item's state on `on` (records dated after it are not yet known), with the plan year given or not.

    Only records the office accepted count (``records``); those awaiting review are counted per item (``pending``);
    `evidence` is item id → evidence files of its accepted reports."""

    def __init__(self, items: TrackItems, records: Sequence[ProgressRecord], year: int | None, on: date,
                 evidence: dict[str, int] | None = None):
        self.items = items
        self.year = year
        self.on = on
        self.all_records = tuple(records)
        self.evidence = dict(evidence or {})
        self.records = tuple(sorted((r for r in records if r.reported_on <= on and r.accepted),
                                    key=lambda r: (r.reported_on, r.id)))
        self.pending = Counter(r.item_id for r in records if r.review == PENDING and not r.withdrawn)

    def as_of(self, on: date) -> Board:
        """The board on an earlier day (a report's month end)."""
        return Board(self.items, self.all_records, self.year, on, self.evidence)

    @cached_property
    def _states(self) -> dict[str, ItemState]:
        history: dict[str, list[ProgressRecord]] = {}
        for rec in self.records:
            history.setdefault(rec.item_id, []).append(rec)
        out = {}
        for item in self.items:
            past = tuple(history.get(item.id, ()))
            current = next((r for r in reversed(past) if not r.withdrawn), None)
            due_on = due_date(item.due, self.year)
            done = current is not None and current.status == DONE
            out[item.id] = ItemState(item=item, record=current, history=past, due_on=due_on,
                                     due_label=due_text(item.due, self.year),
                                     overdue=due_on is not None and due_on < self.on and not done,
                                     due_soon=not done and is_soon(due_on, self.on),
                                     pending=self.pending.get(item.id, 0), evidence=self.evidence.get(item.id, 0))
        return out

    def state(self, item_id: str) -> ItemState:
        """One item's state (KeyError for an unknown id)."""
        return self._states[item_id]

    @property
    def states(self) -> list[ItemState]:
        """Every item's state, in plan order."""
        return [self._states[i.id] for i in self.items]

    def overdue(self) -> list[ItemState]:
        """Items past their date and not 已完成 (none while the plan year is unset)."""
        return [s for s in self.states if s.overdue]

    def due_soon(self) -> list[ItemState]:
        """Items whose date is within the next 30 days and not 已完成."""
        return [s for s in self.states if s.due_soon]

    def measure(self, measure_id: str) -> RollUp:
        """A measure with its deadlines, targets and places."""
        ids = [measure_id] + [i.id for i in self.items.children(measure_id)]
        return roll_up(self._states[i] for i in ids if i in self._states)

    def section(self, number: int) -> RollUp:
        """Every item of a section."""
        return roll_up(self._states[i.id] for i in self.items.of_section(number))

    def unit(self, unit_id: str) -> RollUp:
        """Every item a unit leads."""
        return roll_up(self._states[i.id] for i in self.items.of_unit(unit_id))

    def total(self) -> RollUp:
        """Every item."""
        return roll_up(self.states)

    def of_place(self, place_id: str) -> list[ItemState]:
        """The states of a place's items (its own, then the deadlines and targets naming it)."""
        return [self._states[i.id] for i in self.items.of_place(place_id)]

    def place_category(self, place_id: str) -> str:
        """What the place is coloured by on the 实施进展 map."""
        return place_category(self.of_place(place_id))

    def place_colors(self, place_ids: Iterable[str]) -> dict[str, tuple[str, str]]:
        """place id → (category, colour) for the map."""
        out = {}
        for pid in place_ids:
            category = self.place_category(pid)
            out[pid] = (category, CATEGORY_COLORS[category])
        return out

    def completed_since(self, earlier: Board) -> list[ItemState]:
        """Items 已完成 now that were not 已完成 on the earlier board's day."""
        return [s for s in self.states if s.status == DONE and earlier.state(s.item.id).status != DONE]

    def to_json(self) -> dict:
        """Every item's state with the plan year and the day (what `python -m tracking status --json` prints)."""
        return {"as_of": self.on.isoformat(), "plan_year": self.year, "items": [s.to_dict() for s in self.states]}
