"""Selecting places: filters by measure, lead unit, industry, status or deadline, and text search."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import astuple, dataclass, fields
from functools import lru_cache

import pandas as pd
from pypinyin import Style, lazy_pinyin

from core.formatting import measure_key
from layers.catalog import Catalog
from loaders.plan import Plan


@dataclass(frozen=True)
class Filters:
    """What the planner narrowed the map to (measure id, lead unit id, industry id, status, deadline phrase); empty
    strings mean 'any'. The map page's view keeps it, and a tour's slide stores it (pydantic validates it there, and
    refuses a key that is not one of these)."""

    __pydantic_config__ = {"extra": "forbid"}

    measure: str = ""
    unit: str = ""
    industry: str = ""
    status: str = ""
    deadline: str = ""

    def active(self) -> bool:
        """Whether any filter is set."""
        return any(astuple(self))

    @classmethod
    def keys(cls) -> tuple[str, ...]:
        """The filter names, in order (the URL and the widgets use these)."""
        return tuple(f.name for f in fields(cls))


def matching_measures(plan: Plan, filters: Filters) -> list[str] | None:
    """Ids of the measures the filters leave, or None when no measure-based filter is set."""
    if not (filters.measure or filters.unit or filters.industry or filters.deadline):
        return None
    out = []
    for m in plan.measures:
        if filters.measure and m.id != filters.measure:
            continue
        if filters.unit and filters.unit not in m.lead:
            continue
        if filters.industry and filters.industry not in m.industries:
            continue
        if filters.deadline and not any(d.by == filters.deadline for d in m.deadlines):
            continue
        out.append(m.id)
    return out


def matching_places(catalog: Catalog, plan: Plan, filters: Filters) -> set[str] | None:
    """Ids of the plan features the filters leave on the map, or None when nothing is filtered."""
    if not filters.active():
        return None
    plan_features = catalog.plan_features()
    ids = set(plan_features["id"])
    measures = matching_measures(plan, filters)
    if measures is not None:
        ids &= catalog.places_of(measures)
    if filters.status:
        ids &= set(plan_features.loc[plan_features["status"] == filters.status, "id"])
    return ids


def normalise(text) -> str:
    """Text as search compares it: full-width letters and digits made half-width, lower case, no spaces."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text or ""))).lower()


def words(text: str) -> list[str]:
    """The words of a query (split at spaces, full-width spaces and commas), normalised."""
    return [w for w in (normalise(part) for part in re.split(r"[\s,，、;；]+", str(text or ""))) if w]


@lru_cache(maxsize=4096)
def spellings(text: str) -> tuple[str, str, str]:
    """A name as it can be typed: the characters, its pinyin without tones, its pinyin initials (黄麓 → huanglu, hl)."""
    base = normalise(text)
    return base, "".join(lazy_pinyin(base)), "".join(lazy_pinyin(base, style=Style.FIRST_LETTER))


def matches(text: str, terms: list[str], pinyin: bool = True) -> bool:
    """Whether every term occurs in the text, in its pinyin or in its initials."""
    forms = spellings(text) if pinyin else (normalise(text),)
    return all(any(term in form for form in forms) for term in terms)


def also_called(place, terms: list[str]) -> str | None:
    """How a place was found when not by its name: 「规划亦称「半岛科学城」」 (the plan's other spelling) or
    「第三方网页称「亚父园区」」 (a third-party name, said as such); "" when its name matches; None when nothing does."""
    if matches(place["name"], terms):
        return ""
    for key, said in (("aliases", "规划亦称"), ("other_names", "第三方网页称")):
        for name in place.get(key) or ():
            if matches(name, terms):
                return f"{said}「{name}」"
    return None


def _unplaced_hit(catalog: Catalog, place, note: str) -> dict | None:
    """A place the map does not draw (no source gives its position): found, and leading to what is drawn — the place
    it lies in, else the measure naming it."""
    name, note = place["name"], f"，{note}" if note else ""
    drawn = dict(zip(catalog.features["id"], catalog.features["name"]))
    if place.get("parent") in drawn:
        return {"kind": "place", "id": place["parent"],
                "label": f"{name}（未单独上图，位于「{drawn[place['parent']]}」）{note}"}
    measures = sorted(catalog.links.loc[catalog.links["place_id"] == place["id"], "measure_id"], key=measure_key)
    if measures:
        return {"kind": "measure", "id": measures[0], "label": f"{name}（规划未给位置，未上图；见措施 {measures[0]}）{note}"}
    return None


def search(catalog: Catalog, plan: Plan, text: str, limit: int = 30) -> list[dict]:
    """Places, lead units and measures matching every word of `text` (Chinese, pinyin or initials), places first.

    `半岛 科学城` finds 巢湖半岛科学城, `huanglu` and `hl` find 黄麓…, `市经信委` finds the unit (selecting it
    filters the map to its measures' places) and `4.2` the measure. A place is found by its name, the plan's other
    spellings (`aliases` in places.yaml) and the names third-party pages use (`other_names`, said as such); one the
    map does not draw leads to the place it lies in or the measure naming it. A planner's own layers are searched by
    their characters only (they can be large).
    """
    terms = words(text)
    if not terms:
        return []
    hits: list[dict] = []
    f = catalog.features
    own = f["layer"].isin(list(catalog.user_specs))
    places = {row["id"]: row for _, row in catalog.places.iterrows()}
    for _, row in f[~own].iterrows():
        note = also_called(places.get(row["id"], row), terms)
        if note is not None:
            label = f"{row['name']}（{catalog.spec(row['layer']).title}）{f'，{note}' if note else ''}"
            hits.append({"kind": "place", "id": row["id"], "label": label})
    drawn = set(f["id"])
    for place_id, place in places.items():
        if place_id not in drawn and (note := also_called(place, terms)) is not None:
            if (hit := _unplaced_hit(catalog, place, note)) is not None:
                hits.append(hit)
    names = f.loc[own, "name"].astype(str).map(normalise)
    mask = pd.Series(True, index=names.index)
    for term in terms:
        mask &= names.str.contains(term, regex=False)
    for _, row in f[own][mask].head(limit).iterrows():
        hits.append({"kind": "place", "id": row["id"], "label": f"{row['name']}（{catalog.spec(row['layer']).title}）"})
    led = {u for m in plan.measures for u in m.lead}
    for unit in plan.units:
        if unit.id in led and any(matches(name, terms) for name in (unit.name, unit.full_name, *unit.aliases)):
            count = sum(unit.id in m.lead for m in plan.measures)
            hits.append({"kind": "unit", "id": unit.id, "label": f"牵头单位：{unit.name}（{count} 条措施）"})
    for m in plan.measures:
        if matches(f"{m.id} {m.title}", terms) or matches(m.text, terms, pinyin=False):
            hits.append({"kind": "measure", "id": m.id, "label": f"措施 {m.id} {m.title}"})
    return hits[:limit]


def statuses(catalog: Catalog) -> list[str]:
    """The statuses the plan gives to any place, for the status filter."""
    return sorted(s for s in catalog.features["status"].dropna().unique() if s)


def status_label(catalog: Catalog, status: str) -> str:
    """A 规划要求 as the filter lists it, with the 时限 the plan gives it: 完成（6月底前）, 建设（部分如期）."""
    f = catalog.features
    given = f.loc[f["status"] == status, "deadline"].fillna("")
    due = sorted({d for d in given if d})
    if not due:
        return status
    return f"{status}（{'部分' if (given == '').any() else ''}{'、'.join(due)}）"


def deadline_phrases(plan: Plan) -> list[str]:
    """The deadline phrases the plan uses (6月底前, 年底前 …), for the deadline filter."""
    return sorted({d.by for m in plan.measures for d in m.deadlines})
