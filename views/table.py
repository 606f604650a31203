"""属性表 under the map: any layer's rows, 50 a page from the server, sortable by a click on a heading, searchable,
filterable by field and by the map's extent; selected rows are highlighted on the map, the map zooms to them,
and they export as Excel or CSV.

The rows are drawn by a small Streamlit component (components v2, no build step): a plain HTML table with a
check box per row, Chinese throughout, so that sorting happens on the server over every row (st.dataframe
would sort only the page it was given, and its menus are English).
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from core.declarations import LAYERS
from core.templates import static_text
from layers.catalog import Catalog
from reports.attribute_table import (EXPORT_FORMATS, ID, PAGE_SIZE, TableQuery, cell_text, export_bytes, layer_table,
                                     page, visible_columns)

KEY = "attr_table"

_JS = static_text("views", "attr_table.js")
_CSS = static_text("views", "attr_table.css")

_component = st.components.v2.component("chaohu_attribute_table", js=_JS, css=_CSS)


def _state() -> dict:
    """The table's state in the session: layer, query, and the selected feature ids per layer."""
    ss = st.session_state
    if "table_state" not in ss:
        ss.table_state = {"layer": "", "query": TableQuery(), "selected": {}}
    return ss.table_state


def selected_ids() -> set[str]:
    """Feature ids selected in the table's current layer (highlighted on the map)."""
    state = st.session_state.get("table_state")
    if not state or not state["layer"]:
        return set()
    return set(state["selected"].get(state["layer"], ()))


@st.cache_data(show_spinner="正在整理属性表…", max_entries=64)
def _table(layer_id: str, _catalog: Catalog, version: int):
    return layer_table(_catalog, layer_id)


def _layers(catalog: Catalog) -> dict[str, str]:
    """Layer id → title of every layer with features: the declared ones, then the planner's own."""
    out = {s.id: s.title for s in LAYERS if not catalog.layers[s.id].empty}
    out.update({s.id: s.title for s in catalog.user_specs.values() if not catalog.layers[s.id].empty})
    return out


def _on_event(features, zoom) -> None:
    """A click in the table: sort by a heading, (un)select a row or the page, zoom to a row."""
    event = (st.session_state.get(KEY) or {}).get("event")
    if not event:
        return
    state = _state()
    chosen = set(state["selected"].get(state["layer"], ()))
    kind = event.get("kind")
    if kind == "sort":
        state["query"] = state["query"].sorted_by(str(event.get("column", "")))
        return
    if kind == "zoom":
        zoom(features([str(event.get("id"))]))
        return
    if kind == "toggle":
        (chosen.add if event.get("on") else chosen.discard)(str(event.get("id")))
    elif kind == "page":
        ids = st.session_state.get("table_page_ids", [])
        chosen = chosen | set(ids) if event.get("on") else chosen - set(ids)
    state["selected"][state["layer"]] = chosen
    if chosen:
        zoom(features(sorted(chosen)))


def follows_map() -> bool:
    """Whether the table lists only what the map shows (then a pan must refresh it)."""
    state = st.session_state.get("table_state")
    return bool(state and state["layer"] and st.session_state.get(f"table_extent_{state['layer']}"))


def render(catalog: Catalog, only: set[str] | None, on_zoom) -> None:
    """The attribute table of one layer; `on_zoom(features)` moves the map to a GeoDataFrame of features."""
    state = _state()
    layers = _layers(catalog)
    with st.expander("属性表", expanded=bool(state["layer"])):
        c1, c2, c3, c4 = st.columns([2, 2, 2, 2])
        layer_id = c1.selectbox("图层", [""] + list(layers), format_func=lambda i: layers.get(i, "请选择图层"),
                                key="table_layer", placeholder="请选择")
        if layer_id != state["layer"]:
            state["layer"], state["query"] = layer_id, TableQuery()
        if not layer_id:
            st.caption("选择一个图层，查看、筛选和导出它的全部要素（每页 50 条，服务器分页）。")
            return
        rows = _table(layer_id, catalog, id(catalog))
        columns = visible_columns(rows)
        text = c2.text_input("搜索", key=f"table_text_{layer_id}", placeholder="名称、属性或拼音，可多个词")
        field = c3.selectbox("按字段筛选", [""] + columns, format_func=lambda c: c or "（不按字段）",
                             key=f"table_field_{layer_id}", placeholder="请选择")
        value = c4.text_input("字段包含", key=f"table_value_{layer_id}", disabled=not field)
        in_view = st.checkbox("只列出当前地图范围内的要素", key=f"table_extent_{layer_id}")
        extent = st.session_state.get("map_bounds") if in_view else None
        q = state["query"]
        changed = (text, field, value, extent) != (q.text, q.field, q.value, q.extent)
        q = replace(q, text=text, field=field, value=value, extent=extent, page=0 if changed else q.page)
        state["query"] = q
        shown = page(rows, q)
        chosen = set(state["selected"].get(layer_id, ()))
        st.session_state.table_page_ids = shown.rows[ID].tolist()

        def features(ids):
            return catalog.features[catalog.features["id"].isin(ids)]

        numeric = [str(rows[c].dtype).startswith(("float", "int")) for c in columns]
        _component(
            key=KEY,
            data={"columns": columns, "numeric": numeric, "sort": q.sort, "desc": q.descending,
                  "rows": [{"id": r[ID], "on": r[ID] in chosen,
                            "cells": [cell_text(c, r[c], bool(r["_rough"])) for c in columns]}
                           for _, r in shown.rows.iterrows()]},
            on_event_change=lambda: _on_event(features, on_zoom),
        )
        _pager(state, shown)
        _selection(rows, layer_id, layers[layer_id], chosen, features, on_zoom)
        if only is not None and catalog.spec(layer_id).plan:
            st.caption("提示：属性表列出图层的全部要素，不受左侧筛选影响。")


def _pager(state: dict, shown) -> None:
    """Total, page number and the previous/next buttons (the server sends one page of 50 rows at a time)."""
    q = state["query"]
    c1, c2, c3 = st.columns([4, 1, 1])
    c1.caption(f"共 {shown.total:,} 条，第 {shown.number + 1} / {shown.pages} 页（每页 {PAGE_SIZE} 条）")
    if c2.button("上一页", key="table_prev", disabled=shown.number == 0, use_container_width=True):
        state["query"] = replace(q, page=shown.number - 1)
        st.rerun()
    if c3.button("下一页", key="table_next", disabled=shown.number + 1 >= shown.pages, use_container_width=True):
        state["query"] = replace(q, page=shown.number + 1)
        st.rerun()


def _selection(rows, layer_id: str, title: str, chosen: set[str], features, on_zoom) -> None:
    """What is selected, and what can be done with it: show it on the map, clear it, export it."""
    c1, c2, c3, c4, c5 = st.columns([2, 1, 1, 1, 1])
    c1.caption(f"已选 {len(chosen)} 条（在地图上以黄色突出显示）" if chosen else "勾选行以在地图上突出显示并导出。")
    if c2.button("地图定位所选", key="table_zoom", disabled=not chosen, use_container_width=True):
        on_zoom(features(sorted(chosen)))
        st.rerun()
    if c3.button("清除选择", key="table_clear", disabled=not chosen, use_container_width=True):
        _state()["selected"][layer_id] = set()
        st.rerun()
    fmt = c4.selectbox("导出格式", list(EXPORT_FORMATS), format_func=lambda f: EXPORT_FORMATS[f].label, key="table_fmt",
                       label_visibility="collapsed", placeholder="请选择")
    name = f"{title.replace('：', '_')}_所选{len(chosen)}条.{fmt}"
    c5.download_button("导出所选", data=export_bytes(rows, chosen, fmt) if chosen else b"", file_name=name,
                       mime=EXPORT_FORMATS[fmt].mime, key="table_export", disabled=not chosen, use_container_width=True)
