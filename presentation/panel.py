"""The attribute panel's content as HTML (presentation/templates/panel.html.j2): a place, a measure or a town, every
value escaped.

The app shows these strings with `st.html`; tests read them too. Nothing here touches Streamlit.
"""

from __future__ import annotations

import pandas as pd
from markupsafe import Markup

from core.declarations import USER_GROUP
from core.formatting import accuracy_label, blank, measure_key, requirement_text, size_text
from core.templates import render, style_element
from layers.catalog import Catalog
from loaders.enterprises import enterprises_of_measure
from loaders.places import INFERRED
from loaders.plan import Measure, Plan, target_phrase
from presentation.correction_panel import correction_html

PANEL_CSS = style_element("presentation", "panel.css")


def _text(value) -> str:
    """A value as the panel shows it: empty for None, NaN and empty text."""
    return "" if blank(value) else str(value)


def _render(kind: str, **context) -> str:
    return render("presentation", "panel.html.j2", css=Markup(PANEL_CSS), kind=kind, inferred=INFERRED, **context)


def measure_words(plan: Plan, m: Measure) -> dict:
    """One measure as the panel shows it: id, title, section, lead and cooperating units, towns, deadlines, targets, text."""
    towns = "、".join(m.towns) if m.towns else ""
    if m.towns_scope:
        towns = "、".join(filter(None, [towns, m.towns_scope]))
    return {"id": m.id, "title": m.title, "section": f"{m.section}. {plan.section(m.section).title}（标题为编者所加）",
            "lead": plan.unit_names(m.lead), "coop": plan.unit_names(m.coop), "towns": towns,
            "deadlines": [f"{d.what}：{d.by}" for d in m.deadlines], "targets": [target_text(t) for t in m.targets],
            "text": m.text}


def target_text(t) -> str:
    """A target in the plan's own words: 围绕项目、产业的产投基金 3支左右 (never a shortened number)."""
    return f"{t.what} {target_phrase(t)}".strip()


def measure_label(plan: Plan, measure_id: str) -> str:
    """`1.3 加快特色小镇建设` for selection lists."""
    m = plan.measure(measure_id)
    return f"{m.id} {m.title}"


def place_html(catalog: Catalog, plan: Plan, f: pd.Series | None) -> str:
    """The panel of one place, the feature as the caller resolved it (Catalog.feature): what and where it is, its
    size, parent and children, its measures."""
    if f is None:
        return _render("missing")
    feature_id = f["id"]
    spec = catalog.spec(f["layer"])
    place = catalog.place(feature_id)
    other_names = "、".join(place.get("other_names") or ()) if place is not None else ""
    attributes = None
    if spec.group == USER_GROUP:
        attrs = {k: v for k, v in catalog.attributes(feature_id).items()
                 if k not in ("id", "town", "area_km2", "area_mu", "length_km") and not blank(v)}
        if any(k != "name" and str(v) == str(attrs.get("name")) for k, v in attrs.items()):
            attrs.pop("name", None)  # the name came from one of the file's columns (名称 …): shown once, under its heading
        attributes = [(k, _text(v)) for k, v in attrs.items()]
    town = _text(f["town"])
    shown = {
        "id": feature_id, "name": _text(f["name"]), "layer": spec.title,
        "town": town + ("（按近似范围判断）" if town else ""),
        "requirement": requirement_text(f["status"], f.get("deadline")) or "规划未注明",
        "accuracy": accuracy_label(f["accuracy"]) + ("（已校准）" if f.get("correction") else ""),
        "size": size_text(f.get("area_km2"), f.get("area_mu"), f.get("length_km"), f["accuracy"]),
        "parent": _text(catalog.place_name(f["parent"]) if f.get("parent") else ""),
        "parent_kind": place.get("parent_kind") if place is not None else None,
        "other_names": f"第三方网页称：{other_names}（非规划原文）" if other_names else "",
        "children": [f"{_text(c['name'])}{'（无图形，规划未给出位置）' if c.get('geometry') is None else ''}"
                     for _, c in catalog.children(feature_id).iterrows()],
        "source": _text(f["source"]), "note": _text(f["note"]), "attributes": attributes,
        "schematic": f["accuracy"] in ("approximate", "schematic") and not f.get("correction"),
    }
    measures = []
    for mid in catalog.measures_of(feature_id):
        link = catalog.link(feature_id, mid)
        basis = f"关联依据：措施原文“{link['basis']}”" if link["kind"] != INFERRED else f"关联依据：{link['basis']}"
        measures.append(({"kind": link["kind"], "basis": basis, "note": _text(link["note"])},
                         measure_words(plan, plan.measure(mid))))
    return _render("place", place=shown, measures=measures, correction=Markup(correction_html(catalog, plan, feature_id, f)),
                   firms=_enterprises(catalog, catalog.measures_of(feature_id), place_id=feature_id))


def _enterprises(catalog: Catalog, measure_ids, place_id: str | None = None) -> list:
    """The enterprises and partners these measures name (enterprises.csv), each with the plan's words."""
    rows = [r for mid in measure_ids for _, r in enterprises_of_measure(catalog.enterprises, mid).iterrows()]
    if place_id is not None:
        rows = [r for r in rows if place_id in (r["place_id"], r["related_place_id"])] or rows
    return [{k: _text(r[k]) for k in ("name", "kind", "measure_id", "phrase")} for r in rows]


def town_html(catalog: Catalog, plan: Plan, town: str) -> str:
    """The panel of one 乡镇/街道: the plan places in it and the measures that name it."""
    places = catalog.in_town(town)
    names = [f"{_text(r['name'])}（{catalog.spec(r['layer']).title}）" for _, r in places.sort_values(["layer", "name"]).iterrows()]
    measures = plan.measures_naming_town(town)
    linked = sorted({mid for pid in places["id"] for mid in catalog.measures_of(pid)} - {m.id for m in measures},
                    key=measure_key)
    return _render("town", town=town, places=names, measures=[measure_words(plan, m) for m in measures],
                   linked=[measure_words(plan, plan.measure(mid)) for mid in linked])


def measure_panel_html(catalog: Catalog, plan: Plan, measure_id: str) -> str:
    """The panel of one measure, with the places linked to it."""
    places = []
    for pid in sorted(catalog.places_of([measure_id]), key=catalog.place_name):
        link = catalog.link(pid, measure_id)
        places.append({"name": _text(catalog.place_name(pid)), "kind": link["kind"], "note": _text(link["note"]),
                       "drawn": "" if catalog.feature(pid) is not None else "（无图形，规划未给出位置）"})
    return _render("measure", m=measure_words(plan, plan.measure(measure_id)), places=places,
                   firms=_enterprises(catalog, [measure_id]))


#: What a button of a place's panel does (the map frame turns a press into the page's action, views/pages/map.py).
LINK_ACTIONS = ("measure", "unit", "correct")


def panel_links(catalog: Catalog, plan: Plan, f: pd.Series) -> str:
    """The buttons under a place's panel: each linked measure with all its places, the lead units' places only, and
    校正位置 for a plan place."""
    measures = catalog.measures_of(f["id"])
    units = sorted({u for mid in measures for u in plan.measure(mid).lead})
    groups = [("查看措施及其全部地点：", [("measure", m, f"措施 {m}") for m in measures]),
              ("只显示牵头单位相关地点：", [("unit", u, plan.unit(u).name) for u in units]),
              ("位置不准？", [("correct", f["id"], "校正此地点的位置")] if catalog.spec(f["layer"]).plan else [])]
    return _render("links", place_id=f["id"], groups=groups)


def attributes_html(layer_title: str, attrs: dict[str, str]) -> str:
    """The panel of a feature of a planner's large layer (e.g. a 三调 parcel): its attributes."""
    name = attrs.get("地类名称") or attrs.get("名称") or attrs.get("地类（一级类）") or layer_title
    return _render("parcel", name=name, pairs=[("图层", layer_title)] + [(k, _text(v)) for k, v in attrs.items()])
