"""规划地图: the sidebar (basemap, town, search, filters, layers, my data), the map, the panel and the exports.

The page keeps its state in widget keys of `st.session_state`; `ViewState` (views/state.py) turns the URL
into those keys on the first run and the keys back into the URL on every run.
"""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

from core import settings
from core.declarations import GROUPS, LAYERS
from core.errors import ChaohuError
from geo.crs import WEB
from geo.view import view_for
from layers.catalog import Catalog
from layers.mapview import BASEMAPS, emphasis_group
from layers.query import Filters, deadline_phrases, matching_places, search, status_label, statuses
from layers.userlayers import clicked_attributes
from loaders.plan import Plan
from reports.export import FORMATS, export_bytes
from views import progress as progress_view, resources, upload
from views.panel import attributes_html, measure_label, measure_panel_html, place_html, town_html
from views import print_view
from views.state import FILTER_LABELS, TILE, ViewState, route_click


# ---- state: URL ⇄ widget keys


def _init_state(catalog: Catalog) -> None:
    """On a session's first run, put the URL's view into the widget keys (a copied link reopens the view)."""
    if st.session_state.get("map_init"):
        return
    vs = ViewState.from_query(st.query_params.to_dict(), [s.id for s in LAYERS], BASEMAPS, catalog.town_names())
    ss = st.session_state
    ss.map_init = True
    ss.basemap, ss.town, ss.sel = vs.basemap, vs.town, vs.sel
    for key in Filters.keys():
        ss[f"f_{key}"] = getattr(vs.filters, key)
    for spec in LAYERS:
        ss[f"layer_{spec.id}"] = spec.id in vs.layers
    ss.last_click = None
    ss.view = (list(vs.center), vs.zoom) if vs.center is not None else None
    if ss.view is None:
        kind, ident = vs.selection
        if kind == "place" and catalog.feature(ident) is not None:
            ss.view = _view_of(catalog.features[catalog.features["id"] == ident])
        elif vs.town:
            ss.view = _view_of(catalog.town_area(vs.town))


def keep_state() -> None:
    """Keep the map's widget values while another page is shown (Streamlit drops the state of widgets not drawn)."""
    ss = st.session_state
    for key in ["basemap", "town", *(f"f_{k}" for k in Filters.keys()), *(f"layer_{s.id}" for s in LAYERS)]:
        if key in ss:
            ss[key] = ss[key]


def current_state() -> ViewState:
    """The view as the widgets hold it now."""
    ss = st.session_state
    view = ss.get("view")
    return ViewState(
        basemap=ss.get("basemap", "none"),
        layers=tuple(s.id for s in LAYERS if ss.get(f"layer_{s.id}")),
        town=ss.get("town", ""),
        filters=Filters(**{k: ss.get(f"f_{k}", "") for k in Filters.keys()}),
        sel=ss.get("sel", ""),
        center=tuple(view[0]) if view else None,
        zoom=view[1] if view else None,
    )


def _write_url(vs: ViewState) -> None:
    """Put the view in the URL, so that a copied link reopens it."""
    st.query_params.from_dict(vs.to_query())


def _view_of(gdf) -> tuple[list[float], int]:
    """Centre and zoom that show these features."""
    return view_for(tuple(gdf.to_crs(WEB).total_bounds))


# ---- callbacks (they receive what they need; no module globals)


def _focus_town(catalog: Catalog) -> None:
    town = st.session_state.town
    st.session_state.sel = ""
    st.session_state.view = _view_of(catalog.town_area(town)) if town else None


def _select_place(catalog: Catalog, place_id: str) -> None:
    st.session_state.sel = current_state().select_place(place_id).sel
    st.session_state.view = _view_of(catalog.features[catalog.features["id"] == place_id])


def _select_measure(measure_id: str) -> None:
    st.session_state.sel = current_state().select_measure(measure_id).sel


def _choose_unit(unit_id: str) -> None:
    st.session_state.f_unit = unit_id


def _correct(place_id: str) -> None:
    """Open the 校正位置 page (views/correct.py) on this place."""
    st.query_params.from_dict({"mode": "correct", "sel": place_id})


def _link_buttons(caption: str, links: list[tuple]) -> None:
    """A row of buttons that act as links: (key, label, callback, args)."""
    if not links:
        return
    st.caption(caption)
    cols = st.columns(min(len(links), 3))
    for i, (key, label, callback, args) in enumerate(links):
        cols[i % len(cols)].button(label, key=key, on_click=callback, args=args, use_container_width=True)


# ---- the sidebar


def _sidebar(catalog: Catalog, plan: Plan) -> str:
    """Every control of the map page; returns the 天地图 token to use."""
    st.title("巢湖市制造业规划图")
    st.caption("《巢湖市冲刺“高质量千亿制造业”目标实施方案》")
    st.selectbox("底图", list(BASEMAPS), format_func=lambda b: BASEMAPS[b][0], key="basemap")
    token = settings.current().tianditu_token
    if st.session_state.basemap.startswith("tianditu"):
        token = st.text_input("天地图密钥（tk）", value=token, type="password", help="可在环境变量 TIANDITU_TOKEN 中配置") or token
        if not token:
            st.warning("天地图底图需要密钥；未填写时底图不显示。")

    st.subheader("乡镇/街道")
    st.selectbox("定位到", [""] + catalog.town_names(), format_func=lambda t: t or "全市", key="town",
                 on_change=_focus_town, args=(catalog,))

    st.subheader("搜索")
    query = st.text_input("地点或措施", placeholder="如：镁、半岛、治中路", key="q")
    hits = search(catalog, plan, query)
    if query and not hits:
        st.caption("没有找到匹配的地点或措施。")
    for i, hit in enumerate(hits):
        if hit["kind"] == "place":
            st.button(hit["label"], key=f"hit{i}", on_click=_select_place, args=(catalog, hit["id"]), use_container_width=True)
        else:
            st.button(hit["label"], key=f"hit{i}", on_click=_select_measure, args=(hit["id"],), use_container_width=True)

    st.subheader("筛选")
    units = sorted({u for m in plan.measures for u in m.lead}, key=lambda u: plan.unit(u).name)
    options = {
        "measure": ([m.id for m in plan.measures], lambda m: measure_label(plan, m)),
        "unit": (units, lambda u: plan.unit(u).name),
        "industry": ([i.id for i in plan.industries], lambda i: plan.industry(i).name),
        "status": (statuses(catalog), lambda s: status_label(catalog, s)),
        "deadline": (deadline_phrases(plan), str),
    }
    for key in Filters.keys():
        values, label = options[key]
        st.selectbox(FILTER_LABELS[key], [""] + values, format_func=lambda v, label=label: label(v) if v else "全部",
                     key=f"f_{key}")

    st.subheader("图层")
    for group in GROUPS:
        specs = [s for s in LAYERS if s.group == group]
        if specs:
            st.caption(group)
        for s in specs:
            st.checkbox(s.title, key=f"layer_{s.id}")

    st.subheader("我的数据")
    _my_data(catalog)
    return token


def _my_data(catalog: Catalog) -> None:
    """Upload files into the workspace; rename or remove the planner's layers (views/upload.py)."""
    upload.upload_form(catalog)
    for problem in catalog.problems:
        st.warning(problem)
    upload.layer_list()


# ---- the map and the panel


def _draw_map(catalog: Catalog, vs: ViewState, token: str, only: set[str] | None) -> None:
    """The map with the focused town and the selected place emphasised; a click selects what it hit."""
    if only is not None:
        st.info(f"筛选结果：{len(only)} 处地点符合条件。")
    fmap = resources.map_for(vs.layers, vs.basemap, token, only)
    gcj02 = BASEMAPS[vs.basemap][3]
    emphasis = []
    if vs.town:
        area = catalog.town_area(vs.town)
        emphasis.append(emphasis_group(area, catalog.spec(area.iloc[0]["layer"]), gcj02))
    kind, ident = vs.selection
    if kind == "place" and catalog.feature(ident) is not None:
        row = catalog.features[catalog.features["id"] == ident]
        emphasis.append(emphasis_group(row, catalog.spec(row.iloc[0]["layer"]), gcj02))
    center, zoom = st.session_state.get("view") or (None, None)
    out = st_folium(fmap, key="map", height=resources.MAP_HEIGHT, use_container_width=True,
                    returned_objects=["last_active_drawing"], center=center, zoom=zoom,
                    feature_group_to_add=emphasis or None)
    props = ((out or {}).get("last_active_drawing") or {}).get("properties")
    click = route_click(props, catalog)
    if click is None or click.ident == st.session_state.get("last_click"):
        return
    st.session_state.last_click = click.ident
    if click.kind == "tile":
        st.session_state.tile_click = click.props  # its row is looked up for the panel
    if click.selection != st.session_state.get("sel"):
        st.session_state.sel = click.selection
        st.rerun()


def _panel(catalog: Catalog, plan: Plan, vs: ViewState) -> None:
    """What is selected, or the focused town, or how to use the map."""
    kind, ident = vs.selection
    if kind == "tile" and st.session_state.get("tile_click"):
        props = st.session_state.tile_click
        st.html(attributes_html(catalog.spec(props["layer"]).title,
                                clicked_attributes(catalog.layers[props["layer"]], props)))
    elif kind == "measure":
        st.html(measure_panel_html(catalog, plan, ident))
        st.html(progress_view.measure_section(ident))
        _link_buttons("在地图上查看：", [(f"place_{p}", catalog.feature(p)["name"], _select_place, (catalog, p))
                                      for p in sorted(catalog.places_of([ident])) if catalog.feature(p) is not None])
        _link_buttons("只显示牵头单位相关地点：", [(f"unit_{u}", plan.unit(u).name, _choose_unit, (u,))
                                          for u in plan.measure(ident).lead])
    elif kind == "place" and catalog.feature(ident) is not None:
        st.html(place_html(catalog, plan, ident))
        st.html(progress_view.place_section(ident, catalog.feature(ident)["name"]))
        measures = catalog.measures_of(ident)
        _link_buttons("查看措施及其全部地点：", [(f"measure_{m}", f"措施 {m}", _select_measure, (m,)) for m in measures])
        lead_units = sorted({u for mid in measures for u in plan.measure(mid).lead})
        _link_buttons("只显示牵头单位相关地点：", [(f"unit_{u}", plan.unit(u).name, _choose_unit, (u,)) for u in lead_units])
        if catalog.spec(catalog.feature(ident)["layer"]).plan:
            _link_buttons("位置不准？", [("correct_place", "校正此地点的位置", _correct, (ident,))])
    elif vs.town:
        st.html(town_html(catalog, plan, vs.town))
    else:
        st.markdown("#### 使用说明")
        st.write("点击地图上的地点查看其属性和关联措施；在左侧选择乡镇/街道、筛选或搜索。")
        st.caption("虚线表示示意或大致位置：规划未给出精确位置，非测绘成果。乡镇/街道范围为近似范围。")


def _downloads(catalog: Catalog, plan: Plan, town: str, only: set[str] | None) -> None:
    """Exports of the focused town (or the whole city) and of the current filter, as the command line makes them."""
    scope = town or "全市"
    with st.expander(f"导出：{scope}{'（当前筛选）' if only is not None else ''}"):
        fmt = st.selectbox("格式", list(FORMATS), format_func=lambda f: FORMATS[f][0], key="export_fmt")
        encoding = "gbk" if fmt == "shp" and st.checkbox("Shapefile 用 GBK 编码（旧版 ArcGIS）", key="export_gbk") else "utf-8"
        if st.button("生成文件", key="export_go"):
            source = catalog.subset(only) if only is not None else catalog
            st.session_state.export = None
            with st.spinner("正在生成…"):
                try:
                    st.session_state.export = export_bytes(town or None, fmt, source, plan, encoding)
                except ChaohuError as exc:  # unknown choice, or no CJK font for a PDF
                    st.error(exc.message)
        if st.session_state.get("export"):
            name, data, mime = st.session_state.export
            st.download_button(f"下载 {name}", data=data, file_name=name, mime=mime, key="export_dl")


def render() -> None:
    """The planning map page."""
    catalog, plan = resources.catalog(), resources.plan()
    _init_state(catalog)
    with st.sidebar:
        token = _sidebar(catalog, plan)
    vs = current_state()
    only = matching_places(catalog, plan, vs.filters)
    col_map, col_panel = st.columns([3, 2], gap="small")
    with col_map:
        _draw_map(catalog, vs, token, only)
    with col_panel:
        _panel(catalog, plan, vs)
    _downloads(catalog, plan, vs.town, only)
    print_view.panel(catalog, plan, vs, only)  # 打印当前视图（专题制图）
    _write_url(current_state())


__all__ = ["render", "current_state", "TILE"]
