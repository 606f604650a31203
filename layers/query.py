"""Selecting places: filters by measure, lead unit, industry, status or deadline, and text search."""

from __future__ import annotations

from dataclasses import astuple, dataclass, fields

from layers.catalog import Catalog
from loaders.plan import Plan


@dataclass(frozen=True)
class Filters:
    """What the planner narrowed the map to; empty strings mean 'any'."""

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


def search(catalog: Catalog, plan: Plan, text: str, limit: int = 30) -> list[dict]:
    """Places and measures whose name, title or text contains `text` (places first)."""
    text = text.strip()
    if not text:
        return []
    hits: list[dict] = []
    f = catalog.features
    for _, row in f[f["name"].str.contains(text, regex=False, na=False)].iterrows():
        hits.append({"kind": "place", "id": row["id"], "label": f"{row['name']}（{catalog.spec(row['layer']).title}）"})
    for m in plan.measures:
        if text in m.title or text in m.text:
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
