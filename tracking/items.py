"""The trackable items, derived from the plan data and never retyped: each measure, each deadline, each quantified
target and each place with a required action (规划要求), with stable ids.

Ids: a measure is its number (``4.2``), a deadline ``<measure>-d<n>`` in the plan's order (``4.1-d1``), a target
its own id (``4.2-t3``), a place its place id (``pj_ip_fuhuang``). Faithful to the plan: what an item is about and who
leads it come only from links the plan's words make (原文点名), never from an inferred one (推断); one requirement is
one item (a place whose dated requirement is a deadline item is not an item again); places the plan counts without
naming them (the placeholder roads) are no report lines. Deadlines, targets and places roll up into their
measure, measures into their section. A deadline or target is *about* a place when the plan words that name the
place (the link's basis in place_measures.csv, or the place's name) are in the item's own words (or, when those name no place, in its sentence).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import pandas as pd

from core.formatting import measure_key
from loaders.places import NAMED
from loaders.plan import Plan

ItemKind = Literal["measure", "deadline", "target", "place"]
#: Kind → Chinese name (tables and the panel).
KIND_NAMES = {"measure": "措施", "deadline": "时间要求", "target": "量化目标", "place": "地点"}
#: The pseudo unit of items whose measure names no lead unit (the plan's 组织保障 part).
NO_LEAD_ID = "_none"
NO_LEAD = "未列牵头单位"
#: A link whose basis names a unit of the measure's closing bracket says the place is a responsible unit, not a subject.
BRACKET_ROLES = ("牵头单位:", "配合单位:")
#: The mark of a place the plan counts but does not name (our placeholder, e.g. 规划道路（未命名）1).
UNNAMED = "（未命名）"


@dataclass(frozen=True)
class TrackItem:
    """One thing whose progress is reported: what the plan requires of it, by when, and who leads it."""

    id: str
    kind: ItemKind
    #: The item it rolls up into: its measure (deadlines, targets, places), "" for a measure.
    parent: str
    section: int
    #: 事项: what the item is, in the plan's words.
    title: str
    #: 规划要求: what the plan requires (开工建设, 目标 25.85 公里 …), without any progress.
    requirement: str
    #: 时限: the plan's deadline phrase (6月底前, 如期, 每月 …), "" when the plan gives none.
    due: str
    #: Lead unit ids (NO_LEAD_ID when the plan names none).
    leads: tuple[str, ...]
    lead_names: tuple[str, ...]
    #: The measures it belongs to (a place can be linked to several).
    measures: tuple[str, ...]
    #: Places the item is about (a place item: itself).
    places: tuple[str, ...] = ()
    #: Quantified targets: the target value (low end of a range), the top of a range, the unit.
    target: float | None = None
    target_max: float | None = None
    unit: str = ""
    #: The plan's sentence the item comes from.
    phrase: str = ""
    #: A target's starting figure when the plan gives one (由5亿元增加到10亿元: 5), and the plan's own words for the
    #: figure with its qualifiers (3支左右, 百亿级, 由5亿元增加到10亿元) — shown wherever the figure appears.
    baseline: float | None = None
    words: str = ""

    @property
    def kind_name(self) -> str:
        """措施 / 时间要求 / 量化目标 / 地点."""
        return KIND_NAMES[self.kind]

    @property
    def quantified(self) -> bool:
        """Whether a 完成值 (in `unit`) can be reported for it."""
        return self.target is not None

    @property
    def target_top(self) -> float | None:
        """The most the plan asks for: the top of a range, else the value."""
        return self.target_max if self.target_max is not None else self.target

    @property
    def lead_text(self) -> str:
        """Lead unit names joined with 、."""
        return "、".join(self.lead_names)

    @property
    def number(self) -> str:
        """编号 as the plan numbers it: a measure's number (6.3), a deadline's or target's id (4.1-d1, 4.2-t3: its
        measure's number first), a place's measures (3.2、6.3) — never an internal place id."""
        return "、".join(self.measures) if self.kind == "place" and self.measures else self.id

    @property
    def label(self) -> str:
        """`4.2-t3 新建主次干道总长` for lists."""
        return f"{self.id} {self.title}"


def _name_core(name: str) -> str:
    """A place's name without its bracketed note and a trailing 项目: 南区集中供热（华能巢湖电厂） → 南区集中供热."""
    core = re.sub(r"（[^）]*）", "", str(name)).strip()
    return core.removesuffix("项目") or core


def _named_links(links: pd.DataFrame) -> pd.DataFrame:
    """Links the plan's own words make (原文点名), whose basis names the place rather than a responsible unit of the
    closing bracket. An inferred link (推断) is shown on the map as such but never decides what an item is about or
    who leads it."""
    named = links[links["kind"].astype(str) == NAMED] if "kind" in links else links
    return named[~named["basis"].astype(str).str.startswith(BRACKET_ROLES)]


def is_placeholder(name: str) -> bool:
    """A place the plan counts but does not name (规划道路（未命名）1): drawn for the count, never a report line."""
    return UNNAMED in str(name)


def _mention(words: str, phrase: str, place_name: str, bases: Iterable[str]) -> str | None:
    """The plan words by which an item (its own words, its sentence) names a place: the longest of the place's name
    and its link bases found in `words`; "" when a basis is the item's whole sentence; None when it does not."""
    found = [w for w in (_name_core(place_name), *bases) if w and w != phrase and w in words]
    if found:
        return max(found, key=len)
    return "" if any(b == phrase for b in bases) else None


def _places_about(words: str, phrase: str, candidates: dict[str, tuple[str, list[str]]]) -> tuple[str, ...]:
    """The candidate places (id → (name, bases)) an item is about. A mention inside a longer one is the longer
    place's (南区 in 南区集中供热); an item whose words name no place is matched on its sentence (新建主次干道总长)."""
    hits = {pid: m for pid, (name, bases) in candidates.items() if (m := _mention(words, phrase, name, bases)) is not None}
    if not any(hits.values()) and words != phrase:
        fallback = _places_about(phrase, phrase, candidates)
        if fallback:
            return fallback
    return tuple(pid for pid, m in hits.items() if not any(m and m != other and m in other for other in hits.values()))


def _target_requirement(t) -> str:
    """The target in the plan's own words, qualifiers kept: `目标 25.85公里`, `目标 3支左右`, `目标 百亿级`,
    `目标 由5亿元增加到10亿元`."""
    return f"目标 {t.plan_words}"


def derive_items(plan: Plan, places: pd.DataFrame, links: pd.DataFrame) -> TrackItems:
    """Every trackable item of the plan, in plan order: each measure followed by its deadlines, targets and places."""
    lead_of = {m.id: (tuple(m.lead) or (NO_LEAD_ID,)) for m in plan.measures}

    def names(unit_ids) -> tuple[str, ...]:
        return tuple(NO_LEAD if u == NO_LEAD_ID else plan.unit(u).name for u in unit_ids)

    named = _named_links(links)
    place_rows = {r["id"]: r for _, r in places.iterrows()}
    bases_of: dict[tuple[str, str], list[str]] = {}
    for _, link in named.iterrows():
        bases_of.setdefault((link["measure_id"], link["place_id"]), []).append(str(link["basis"]))
    places_of_measure: dict[str, list[str]] = {}
    for (mid, pid) in bases_of:
        places_of_measure.setdefault(mid, []).append(pid)

    def about(mid: str, words: str, phrase: str) -> tuple[str, ...]:
        candidates = {pid: (str(place_rows[pid]["name"]), bases_of[(mid, pid)])
                      for pid in places_of_measure.get(mid, ()) if pid in place_rows}
        return _places_about(words, phrase, candidates)

    place_measures: dict[str, list[str]] = {}
    for (mid, pid) in bases_of:
        place_measures.setdefault(pid, []).append(mid)

    items: list[TrackItem] = []
    for m in plan.measures:
        leads = lead_of[m.id]
        items.append(TrackItem(id=m.id, kind="measure", parent="", section=m.section, title=m.title,
                               requirement=m.title, due="", leads=leads, lead_names=names(leads), measures=(m.id,),
                               places=tuple(sorted(places_of_measure.get(m.id, ()))), phrase=m.title))
        for n, d in enumerate(m.deadlines, 1):
            who = f"（{d.who}）" if d.who else ""
            items.append(TrackItem(
                id=f"{m.id}-d{n}", kind="deadline", parent=m.id, section=m.section, title=f"{d.what}{who} {d.action}",
                requirement=f"{d.action}（{d.by}）", due=d.by, leads=leads, lead_names=names(leads), measures=(m.id,),
                places=about(m.id, f"{d.what} {d.who or ''}", d.phrase), phrase=d.phrase))
        for t in m.targets:
            items.append(TrackItem(
                id=t.id, kind="target", parent=m.id, section=m.section, title=t.what, requirement=_target_requirement(t),
                due="", leads=leads, lead_names=names(leads), measures=(m.id,), places=about(m.id, t.what, t.phrase),
                target=float(t.value), target_max=None if t.value_max is None else float(t.value_max), unit=t.unit,
                phrase=t.phrase, baseline=None if t.baseline is None else float(t.baseline), words=t.plan_words))
    known = {m.id for m in plan.measures}
    dated = [i for i in items if i.kind == "deadline"]
    for _, p in places.iterrows():
        status = str(p.get("status") or "").strip()
        due = str(p.get("deadline") or "").strip()
        if not status or is_placeholder(p["name"]):
            continue
        if due and any(p["id"] in d.places and d.due == due for d in dated):
            continue  # the plan's dated requirement is already an item (2.3-d1 for 中材装配式建筑产业园): never counted twice
        mids = sorted((mid for mid in place_measures.get(p["id"], ()) if mid in known), key=measure_key)
        leads = tuple(dict.fromkeys(u for mid in mids for u in lead_of[mid])) or (NO_LEAD_ID,)
        parent = mids[0] if mids else ""
        items.append(TrackItem(
            id=str(p["id"]), kind="place", parent=parent, section=plan.measure(parent).section if parent else 0,
            title=str(p["name"]), requirement=f"{status}（{due}）" if due else status, due=due, leads=leads,
            lead_names=names(leads), measures=tuple(mids), places=(str(p["id"]),)))
    return TrackItems(tuple(items))


@dataclass(frozen=True)
class TrackItems:
    """The items in plan order, with the look-ups reports and the map need."""

    all: tuple[TrackItem, ...]

    @cached_property
    def by_id(self) -> dict[str, TrackItem]:
        """Items keyed by id."""
        return {i.id: i for i in self.all}

    def __iter__(self):
        return iter(self.all)

    def __len__(self) -> int:
        return len(self.all)

    def __contains__(self, item_id: str) -> bool:
        return item_id in self.by_id

    def get(self, item_id: str) -> TrackItem | None:
        """The item with this id, or None."""
        return self.by_id.get(item_id)

    def of_unit(self, unit_id: str) -> tuple[TrackItem, ...]:
        """Items this unit leads (alone or jointly); NO_LEAD_ID gives those with no lead unit."""
        return tuple(i for i in self.all if unit_id in i.leads)

    def units(self) -> list[tuple[str, str]]:
        """(unit id, name) of every unit leading an item, in the order they first appear, NO_LEAD last."""
        seen: dict[str, str] = {}
        for i in self.all:
            for uid, name in zip(i.leads, i.lead_names):
                seen.setdefault(uid, name)
        ordered = [(u, n) for u, n in seen.items() if u != NO_LEAD_ID]
        return ordered + ([(NO_LEAD_ID, NO_LEAD)] if NO_LEAD_ID in seen else [])

    def unit_id(self, name_or_id: str) -> str | None:
        """The unit id for a name as the plan writes it (or an id), among the units leading items; None if none."""
        name_or_id = str(name_or_id).strip()
        for uid, name in self.units():
            if name_or_id in (uid, name):
                return uid
        return None

    def children(self, measure_id: str) -> tuple[TrackItem, ...]:
        """The deadlines, targets and places rolling up into a measure."""
        return tuple(i for i in self.all if i.parent == measure_id)

    def of_kind(self, kind: ItemKind) -> tuple[TrackItem, ...]:
        """Items of one kind, in plan order."""
        return tuple(i for i in self.all if i.kind == kind)

    def of_place(self, place_id: str) -> tuple[TrackItem, ...]:
        """The items about a place: its own (when it has a required action), then the deadlines and targets naming it."""
        own = tuple(i for i in self.all if i.kind == "place" and i.id == place_id)
        return own + tuple(i for i in self.all if i.kind in ("deadline", "target") and place_id in i.places)

    def of_section(self, number: int) -> tuple[TrackItem, ...]:
        """Items in one section of the plan."""
        return tuple(i for i in self.all if i.section == number)

    @cached_property
    def digest(self) -> str:
        """A short fingerprint of the ids and titles (a template records it; the plan data changed when it differs)."""
        text = "\n".join(f"{i.id}\t{i.title}\t{i.requirement}\t{i.due}" for i in self.all)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
