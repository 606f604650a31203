"""The attribute panel's content as HTML: a place, a measure or a town, every value escaped.

The app shows these strings with `st.html`; tests read them too. Nothing here touches Streamlit.
"""

from __future__ import annotations

import pandas as pd

from core.templates import style_element
from core.declarations import USER_GROUP
from core.formatting import accuracy_label, blank, esc as _e, measure_key, requirement_text, size_text
from layers.catalog import Catalog
from loaders.enterprises import enterprises_of_measure
from loaders.places import INFERRED
from loaders.plan import Measure, Plan, target_phrase
from views.correction_panel import correction_html

PANEL_CSS = style_element("views", "panel.css")


def _rows(pairs) -> str:
    return "<table>" + "".join(f"<tr><td>{_e(k)}</td><td>{v}</td></tr>" for k, v in pairs if v not in ("", None)) + "</table>"


def measure_html(plan: Plan, m: Measure, full_text: bool = True) -> str:
    """One measure: id, title, lead and cooperating units, deadlines, targets, full text on demand."""
    towns = "、".join(m.towns) if m.towns else ""
    if m.towns_scope:
        towns = "、".join(filter(None, [towns, m.towns_scope]))
    deadlines = "".join(f"<li>{_e(d.what)}：{_e(d.by)}</li>" for d in m.deadlines)
    targets = "".join(f"<li>{_e(target_text(t))}</li>" for t in m.targets)
    parts = [
        f'<div class="m" data-measure="{_e(m.id)}"><span class="m-id">{_e(m.id)}</span> <b>{_e(m.title)}</b>',
        _rows([
            ("所属部分", _e(f"{m.section}. {plan.section(m.section).title}（标题为编者所加）")),
            ("牵头单位", _e(plan.unit_names(m.lead))),
            ("配合单位", _e(plan.unit_names(m.coop))),
            ("涉及乡镇", _e(towns)),
            ("时间要求", f"<ul>{deadlines}</ul>" if deadlines else ""),
            ("量化目标", f"<ul>{targets}</ul>" if targets else ""),
        ]),
    ]
    if full_text:
        parts.append(f"<details><summary>措施全文</summary>{_e(m.text)}</details>")
    parts.append("</div>")
    return "".join(parts)


def target_text(t) -> str:
    """A target in the plan's own words: 围绕项目、产业的产投基金 3支左右 (never a shortened number)."""
    return f"{t.what} {target_phrase(t)}".strip()


def _inference(kind, note) -> str:
    """The mark of a link or parent that is our inference, not the plan's words, with why."""
    if kind != INFERRED:
        return ""
    return f'<span class="inferred" title="{_e(note)}">（推断{"：" + _e(note) if not blank(note) else ""}）</span>'


def measure_label(plan: Plan, measure_id: str) -> str:
    """`1.3 加快特色小镇建设` for selection lists."""
    m = plan.measure(measure_id)
    return f"{m.id} {m.title}"


def place_html(catalog: Catalog, plan: Plan, f: pd.Series | None) -> str:
    """The panel of one place, the feature as the caller resolved it (Catalog.feature): what and where it is, its
    size, parent and children, its measures."""
    if f is None:
        return PANEL_CSS + '<div class="cp">未找到该地点。</div>'
    feature_id = f["id"]
    spec = catalog.spec(f["layer"])
    size = size_text(f.get("area_km2"), f.get("area_mu"), f.get("length_km"), f["accuracy"])
    accuracy = accuracy_label(f["accuracy"])
    place = catalog.place(feature_id)
    parent_name = catalog.place_name(f["parent"]) if f.get("parent") else ""
    if parent_name and place is not None:
        parent_name = _e(parent_name) + _inference(place.get("parent_kind"), "上级关系为编者据文字推断")
    else:
        parent_name = _e(parent_name)
    other_names = "、".join(place.get("other_names") or ()) if place is not None else ""
    children = catalog.children(feature_id)
    child_items = "".join(
        f"<li>{_e(c['name'])}{'（无图形，规划未给出位置）' if c.get('geometry') is None else ''}</li>"
        for _, c in children.iterrows()
    )
    measures = catalog.measures_of(feature_id)
    body = [
        PANEL_CSS,
        f'<div class="cp" data-place="{_e(feature_id)}"><h3>{_e(f["name"])}</h3>',
        _rows([
            ("图层", _e(spec.title)),
            ("所在乡镇/街道", _e(f["town"]) + ("（按近似范围判断）" if f["town"] else "")),
            ("规划要求", _e(requirement_text(f["status"], f.get("deadline"))) or "规划未注明"),
            ("位置精度", _e(accuracy) + ("（已校准）" if f.get("correction") else "")),
            ("面积/长度", _e(size)),
            ("上级", parent_name),
            ("其他称呼", _e(f"第三方网页称：{other_names}（非规划原文）") if other_names else ""),
            ("包含", f"<ul>{child_items}</ul>" if child_items else ""),
            ("来源", _e(f["source"])),
            ("说明", _e(f["note"])),
        ]),
    ]
    if spec.group == USER_GROUP:
        attrs = {k: v for k, v in catalog.attributes(feature_id).items()
                 if k not in ("id", "town", "area_km2", "area_mu", "length_km") and not blank(v)}
        if any(k != "name" and str(v) == str(attrs.get("name")) for k, v in attrs.items()):
            attrs.pop("name", None)  # the name came from one of the file's columns (名称 …): shown once, under its heading
        body.append("<div><b>属性</b></div>" + _rows([(k, _e(v)) for k, v in attrs.items()]))
    if f["accuracy"] in ("approximate", "schematic") and not f.get("correction"):
        body.append('<div class="note">示意：本地点位置非测绘成果，仅示意规划意图。</div>')
    body.append(correction_html(catalog, plan, feature_id, f))
    body.append(f"<div><b>关联措施（{len(measures)} 条）</b></div>")
    for mid in measures:
        link = catalog.link(feature_id, mid)
        basis = f"关联依据：措施原文“{link['basis']}”" if link["kind"] != INFERRED else f"关联依据：{link['basis']}"
        body.append(f'<div class="link" data-link-kind="{_e(link["kind"])}">{_e(basis)}'
                    f'{_inference(link["kind"], link["note"])}</div>')
        body.append(measure_html(plan, plan.measure(mid)))
    body.append(_enterprises_html(catalog, measures, place_id=feature_id))
    body.append("</div>")
    return "".join(body)


def _enterprises_html(catalog: Catalog, measure_ids, place_id: str | None = None) -> str:
    """The enterprises and partners these measures name (enterprises.csv), each with the plan's words."""
    rows = [r for mid in measure_ids for _, r in enterprises_of_measure(catalog.enterprises, mid).iterrows()]
    if place_id is not None:
        rows = [r for r in rows if place_id in (r["place_id"], r["related_place_id"])] or rows
    if not rows:
        return ""
    items = "".join(f'<li>{_e(r["name"])}（{_e(r["kind"])}，措施 {_e(r["measure_id"])}：“{_e(r["phrase"])}”）</li>'
                    for r in rows)
    return f'<div><b>涉及企业和合作方（{len(rows)}）</b></div><ul class="enterprises">{items}</ul>'


def town_html(catalog: Catalog, plan: Plan, town: str) -> str:
    """The panel of one 乡镇/街道: the plan places in it and the measures that name it."""
    places = catalog.in_town(town)
    items = "".join(
        f"<li>{_e(r['name'])}（{_e(catalog.spec(r['layer']).title)}）</li>" for _, r in places.sort_values(["layer", "name"]).iterrows()
    )
    measures = plan.measures_naming_town(town)
    body = [
        PANEL_CSS,
        f'<div class="cp" data-town="{_e(town)}"><h3>{_e(town)}</h3>',
        '<div class="note">乡镇/街道范围为按驻地估计位置生成的近似范围，仅供汇总参考。</div>',
        f"<div><b>区域内规划地点（{len(places)} 处）</b></div><ul>{items or '<li>无</li>'}</ul>",
        f"<div><b>点名本乡镇/街道的措施（{len(measures)} 条）</b></div>",
    ]
    body.extend(measure_html(plan, m, full_text=False) for m in measures)
    linked = sorted({mid for pid in places["id"] for mid in catalog.measures_of(pid)} - {m.id for m in measures},
                    key=measure_key)
    if linked:
        body.append(f"<div><b>区域内地点关联的其他措施（{len(linked)} 条）</b></div>")
        body.extend(measure_html(plan, plan.measure(mid), full_text=False) for mid in linked)
    body.append("</div>")
    return "".join(body)


def measure_panel_html(catalog: Catalog, plan: Plan, measure_id: str) -> str:
    """The panel of one measure, with the places linked to it."""
    m = plan.measure(measure_id)
    items = []
    for pid in sorted(catalog.places_of([measure_id]), key=catalog.place_name):
        link = catalog.link(pid, measure_id)
        drawn = "" if catalog.feature(pid) is not None else "（无图形，规划未给出位置）"
        items.append(f'<li data-link-kind="{_e(link["kind"])}">{_e(catalog.place_name(pid))}{drawn}'
                     f'{_inference(link["kind"], link["note"])}</li>')
    return (PANEL_CSS + f'<div class="cp"><h3>措施 {_e(m.id)}</h3>' + measure_html(plan, m)
            + f"<div><b>关联地点（{len(items)} 处）</b></div><ul>{''.join(items)}</ul>"
            + _enterprises_html(catalog, [measure_id]) + "</div>")


def attributes_html(layer_title: str, attrs: dict[str, str]) -> str:
    """The panel of a feature of a planner's large layer (e.g. a 三调 parcel): its attributes."""
    name = attrs.get("地类名称") or attrs.get("名称") or attrs.get("地类（一级类）") or layer_title
    return (PANEL_CSS + f'<div class="cp" data-parcel="1"><h3>{_e(name)}</h3>'
            + _rows([("图层", _e(layer_title))] + [(k, _e(v)) for k, v in attrs.items()]) + "</div>")
