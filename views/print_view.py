"""打印当前视图（专题制图）: the map page's current view printed on A4/A3 at a chosen scale, as PDF or PNG.

The map page calls `panel(catalog, plan, vs, only)` with its view state; the drawing is reports/printmap.py.
"""

from __future__ import annotations

from dataclasses import asdict

import streamlit as st

from core.declarations import BY_ID
from geo.crs import WEB
from geo.view import view_bounds
from layers.catalog import Catalog
from layers.query import Filters
from loaders.plan import Plan
from reports.printmap import (FORMATS, ORIENTATIONS, PAPERS, SCALES, PageSetup, PrintView, file_name, format_label,
                              plan_places_in, print_bytes)
from presentation.panel import measure_label
from views import downloads
from views.state import FILTER_LABELS, ViewState

DEFAULT_TITLE = "巢湖市制造业规划图"


def filter_words(plan: Plan, filters: Filters) -> list[str]:
    """The active filters as a planner reads them: 「牵头单位=市经信委」."""
    names = {"measure": lambda v: measure_label(plan, v), "unit": lambda v: plan.unit(v).name,
             "industry": lambda v: plan.industry(v).name}
    return [f"{FILTER_LABELS[k]}={names.get(k, str)(v)}" for k, v in asdict(filters).items() if v]


def highlighted(vs: ViewState, catalog: Catalog) -> tuple[str, ...]:
    """The places the map emphasises: the selected place, or the places of the selected measure."""
    kind, ident = vs.selection
    if kind == "place" and catalog.feature(ident) is not None:
        return (ident,)
    if kind == "measure":
        return tuple(sorted(p for p in catalog.places_of([ident]) if catalog.feature(p) is not None))
    return ()


def default_title(vs: ViewState, catalog: Catalog) -> str:
    """巢湖市制造业规划图, or the focused town's or the selected place's map."""
    kind, ident = vs.selection
    if kind == "place" and catalog.feature(ident) is not None:
        return f"{catalog.feature(ident)['name']} · 规划要素图"
    if vs.town:
        return f"{vs.town} · 规划要素图"
    return DEFAULT_TITLE


def print_view(vs: ViewState, catalog: Catalog, plan: Plan, only: set[str] | None, title: str) -> PrintView:
    """What the map shows now, for the printer: layers, view (centre and zoom → bounds), filter, highlights, town."""
    lit = highlighted(vs, catalog)
    if vs.center is not None and vs.zoom is not None:
        bounds = view_bounds(vs.center, vs.zoom)
    elif lit:
        bounds = tuple(float(v) for v in catalog.features[catalog.features["id"].isin(lit)].to_crs(WEB).total_bounds)
    elif vs.town:
        bounds = tuple(float(v) for v in catalog.town_area(vs.town).to_crs(WEB).total_bounds)
    else:
        bounds = None  # the whole city
    words = filter_words(plan, vs.filters)
    note = f"筛选：{'；'.join(words)}（{len(only or ())} 处地点）" if words else ""
    return PrintView(title=title, layers=vs.layers, center=vs.center, bounds=bounds,
                     only=frozenset(only) if only is not None else None, highlight=lit, town=vs.town, note=note)


def panel(catalog: Catalog, plan: Plan, vs: ViewState, only: set[str] | None) -> None:
    """The print expander under the map: paper, orientation, scale, format; then the file to download."""
    with st.expander("打印当前视图（专题制图）"):
        title = st.text_input("图名", value=default_title(vs, catalog), key="print_title")
        c1, c2, c3, c4 = st.columns(4)
        paper = c1.selectbox("纸张", list(PAPERS), key="print_paper")
        orientation = c2.selectbox("方向", list(ORIENTATIONS), format_func=ORIENTATIONS.get, key="print_orientation")
        scale = c3.selectbox("比例尺", [0, *SCALES], format_func=lambda s: f"1:{s:,}" if s else "适合当前视图",
                             key="print_scale")
        fmt = c4.selectbox("文件格式", list(FORMATS), format_func=format_label, key="print_format")
        view = print_view(vs, catalog, plan, only, title)
        shown = "、".join(BY_ID[i].title for i in view.layers if i in BY_ID) or "无"
        st.caption(f"按地图当前所见打印：图层 {shown}" + (f"；{view.note}" if view.note else "")
                   + (f"；突出 {len(view.highlight)} 处地点" if view.highlight else "") + "。不需要在线底图。")
        setup = PageSetup(paper, orientation, scale or None)
        if not plan_places_in(catalog, view, setup):
            st.warning("当前打印范围内没有规划要素（只有水域、底图或筛选后为空）。请移动地图、换比例尺或开启规划图层后再打印。")
        downloads.made_file("print_file", (view, setup, fmt),
                            lambda: (file_name(view, setup, fmt), print_bytes(catalog, view, setup, fmt), FORMATS[fmt].mime),
                            go="生成打印文件", busy="正在制图…")


__all__ = ["panel", "print_view", "filter_words", "highlighted", "default_title"]
