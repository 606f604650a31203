"""规划地图: the sidebar (search, town, layers, filters, basemap, my data), the map with its panel, the exports, the table.

The page keeps its state in widget keys of `st.session_state`; `ViewState` (views/state.py) turns the URL
into those keys on the first run and the keys back into the URL on every run. The map and its panel are one
fragment: a pan or a link in the panel reruns only them; the sidebar reruns the whole page, and the map keeps
its view (it is in the URL too) across every sidebar change. A click on a plan place reruns nothing: the map
frame fetches the place's panel (/api/places/{id}/panel, presentation/places_api.py), shows it in the panel's
place and puts the selection in the URL; the page takes that selection on its next run (`_take_pick`).
"""

from __future__ import annotations

import secrets

import streamlit as st

from core import settings
from core.declarations import GROUPS, LAYERS
from core.templates import render as render_template
from geo.crs import WEB
from layers.catalog import Catalog
from layers.mapview import BASEMAPS, emphasis_group
from layers.query import Filters, deadline_phrases, matching_places, search, status_label, statuses
from layers.userlayers import clicked_attributes
from loaders.plan import Plan
from reports.export import FORMATS, export_bytes
from presentation import places_api
from presentation.panel import attributes_html, measure_label, measure_panel_html, place_html, town_html
from presentation.places import panel_html
from views import downloads, layout, mapframe, print_view, progress_sections, resources, table, upload
from views.map_session import current_state, tianditu_token
from views.state import FILTER_LABELS, TILE, MapReport, ViewState, fit_view, request, route_click

#: The map frame's height before the page's style sheet stretches it to the window (views/layout.py).
FRAME_HEIGHT = 640


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
    ss.last_click = ss.last_link = None
    ss.view_key = secrets.token_urlsafe(16)  # names this page's map to the places route (a click's selection)
    ss.view = ss.view_sent = None
    if vs.center is not None:
        _request_view((list(vs.center), vs.zoom))
    else:
        kind, ident = vs.selection
        if kind == "place" and catalog.feature(ident) is not None:
            _request_view(_view_of(catalog.features[catalog.features["id"] == ident]))
        elif kind == "measure":
            _request_view(_measure_view(catalog, ident))
        elif vs.town:
            _request_view(_view_of(catalog.town_area(vs.town)))


def _write_url(vs: ViewState) -> None:
    """Put the view in the URL, so that a copied link reopens it."""
    query = vs.to_query()
    if query != st.query_params.to_dict():
        st.query_params.from_dict(query)


def _view_of(gdf) -> tuple[list[float], int]:
    """Centre and zoom that show these features on the map as it is sized now."""
    return fit_view(tuple(gdf.to_crs(WEB).total_bounds), st.session_state.get("map_size"))


def _measure_view(catalog: Catalog, measure_id: str) -> tuple[list[float], int] | None:
    """The view showing every place of a measure (None when it has none on the map)."""
    rows = catalog.features[catalog.features["id"].isin(catalog.places_of([measure_id]))]
    return _view_of(rows) if not rows.empty else None


def _request_view(view: tuple[list[float], int] | None) -> None:
    """Move the map there (kept as the current view, sent to the frame so that it moves even to the same view)."""
    if view is None:
        return
    ss = st.session_state
    ss.view = (list(view[0]), int(view[1]))
    ss.view_sent = request(view, ss.get("view_sent"))


# ---- callbacks (they receive what they need; no module globals)


def _zoom_to(features) -> None:
    """Move the map to show these features (rows of the catalogue), if any."""
    if not features.empty:
        _request_view(_view_of(features))


def _take_pick() -> str | None:
    """The place the map frame selected by itself since the last run (a click shows its panel without a run), which
    becomes the page's selection; None when there was none."""
    picked = places_api.take_pick(st.session_state.get("view_key", ""))
    if picked:
        st.session_state.sel = picked
    return picked


def _focus_town(catalog: Catalog) -> None:
    _take_pick()  # a click before this choice: the choice wins
    town = st.session_state.town
    st.session_state.sel = ""
    _request_view(_view_of(catalog.town_area(town) if town else catalog.city_outline()))


def _select_place(catalog: Catalog, place_id: str) -> None:
    _take_pick()
    st.session_state.sel = current_state().select_place(place_id).sel
    _request_view(_view_of(catalog.features[catalog.features["id"] == place_id]))


def _select_measure(catalog: Catalog, measure_id: str) -> None:
    _take_pick()
    st.session_state.sel = current_state().select_measure(measure_id).sel
    _request_view(_measure_view(catalog, measure_id))


def _refilter(catalog: Catalog, plan: Plan) -> None:
    """The filters changed: an old measure's highlight goes, and the map fits the places the filter leaves (unless
    they are all in view)."""
    vs = current_state()
    state, bounds = vs.refiltered(vs.filters, matching_places(catalog, plan, vs.filters), catalog,
                                  st.session_state.get("map_bounds"))
    st.session_state.sel = state.sel
    if bounds is not None:
        _request_view(fit_view(bounds, st.session_state.get("map_size")))


def _choose_unit(unit_id: str, from_panel: bool = False) -> None:
    st.session_state.f_unit = unit_id
    _refilter(resources.catalog(), resources.plan())
    if from_panel:
        st.session_state.full_rerun = True  # a filter is the sidebar's: the whole page follows, not only the fragment


def _on_map_report(catalog: Catalog, key: str) -> None:
    """The frame reported: keep its view and size; a click on a feature selects it; a button of a place's panel the
    frame drew (presentation/panel.py `panel_links`) does what it says."""
    ss = st.session_state
    _take_pick()
    report = MapReport.parse(ss.get(key))
    if report.link is not None and report.link != ss.get("last_link"):
        ss.last_link = report.link
        action, value = report.link[:2]
        if action == "measure":
            _select_measure(catalog, value)
        elif action == "unit":
            _choose_unit(value, from_panel=True)
        elif action == "correct":
            _correct(value)
    if report.center is not None:
        if table.follows_map() and report.bounds != ss.get("map_bounds"):
            ss.full_rerun = True  # the table lists what the map shows: it follows the pan
        ss.view = (list(report.center), report.zoom)
        ss.map_size = report.size
        ss.map_bounds = report.bounds
    click = route_click(report.props, catalog)
    if click is None or report.props == ss.get("last_click") or report.link is not None:
        return
    ss.last_click = report.props
    if click.kind == "tile":
        ss.tile_click = click.props  # its row is looked up for the panel
    ss.sel = click.selection


def _correct(place_id: str) -> None:
    """Open the 校正位置 page (views/pages/correct.py) on this place (the panel is in the map's fragment: the whole page reruns)."""
    st.query_params.from_dict({"mode": "correct", "sel": place_id})
    st.session_state.full_rerun = True


def _link_buttons(caption: str, links: list[tuple]) -> None:
    """A row of buttons that act as links: (key, label, callback, args)."""
    if not links:
        return
    st.caption(caption)
    cols = st.columns(min(len(links), 3))
    for i, (key, label, callback, args) in enumerate(links):
        cols[i % len(cols)].button(label, key=key, on_click=callback, args=args, use_container_width=True)


# ---- the sidebar


def _sidebar(catalog: Catalog, plan: Plan) -> None:
    """Every control of the map page, folded in groups so that the layer switches stay in reach."""
    st.markdown("#### 巢湖市制造业规划图")
    st.caption("《巢湖市冲刺“高质量千亿制造业”目标实施方案》")
    _search(catalog, plan)
    st.selectbox("定位到", [""] + catalog.town_names(), format_func=lambda t: t or "全市", key="town",
                 on_change=_focus_town, args=(catalog,), placeholder="请选择")
    with st.expander("图层", expanded=True):
        _layer_switches()
    filters = current_state().filters
    with st.expander("筛选" + ("（已筛选）" if filters.active() else ""), expanded=filters.active()):
        _filters(catalog, plan)
    with st.expander("底图"):
        _basemap()
    with st.expander("我的数据"):
        _my_data(catalog)


def _search(catalog: Catalog, plan: Plan) -> None:
    """Search places, measures and lead units (Chinese, pinyin or initials, several words)."""
    query = st.text_input("地点或措施、牵头单位", placeholder="如：镁、半岛 科学城、市经信委、huanglu", key="q")
    hits = search(catalog, plan, query)
    if query and not hits:
        st.caption("没有找到匹配的地点、措施或单位。")
    for i, hit in enumerate(hits):
        if hit["kind"] == "place":
            st.button(hit["label"], key=f"hit{i}", on_click=_select_place, args=(catalog, hit["id"]), use_container_width=True)
        elif hit["kind"] == "measure":
            st.button(hit["label"], key=f"hit{i}", on_click=_select_measure, args=(catalog, hit["id"]), use_container_width=True)
        else:
            st.button(hit["label"], key=f"hit{i}", on_click=_choose_unit, args=(hit["id"],), use_container_width=True)


def _layer_switches() -> None:
    for group in GROUPS:
        specs = [s for s in LAYERS if s.group == group]
        if specs:
            st.caption(group)
        for s in specs:
            st.checkbox(s.title, key=f"layer_{s.id}")


def _filters(catalog: Catalog, plan: Plan) -> None:
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
                     key=f"f_{key}", placeholder="请选择", on_change=_refilter, args=(catalog, plan))


def _basemap() -> None:
    """The basemap choice, and the 天地图 key box when a 天地图 basemap is chosen."""
    st.selectbox("底图", list(BASEMAPS), format_func=lambda b: BASEMAPS[b][0], key="basemap", placeholder="请选择")
    if st.session_state.basemap.startswith("tianditu"):
        st.text_input("天地图密钥（tk）", value=settings.current().tianditu_token, type="password", key="tianditu_tk",
                      help="可在环境变量 TIANDITU_TOKEN 中配置")
        if not tianditu_token():
            st.warning("天地图底图需要密钥；未填写时不加载底图。")


def _my_data(catalog: Catalog) -> None:
    """Upload files into the workspace; rename or remove the planner's layers (views/upload.py)."""
    upload.upload_form(catalog)
    for problem in catalog.problems:
        st.warning(problem)
    upload.layer_list()


# ---- the map and the panel: one fragment


@st.fragment
def _map_and_panel(catalog: Catalog, plan: Plan, token: str, only: set[str] | None) -> None:
    """The map beside its panel; a pan, a click or a panel link reruns only this."""
    if st.session_state.pop("full_rerun", False):
        st.rerun()
    col_map, col_panel = st.columns([5, 2], gap="small")
    with col_map, st.container(key="chaohu-map"):
        _draw_map(catalog, current_state(), token, only)
    with col_panel, st.container(key="chaohu-panel"):
        if only is not None:
            st.info(f"筛选结果：{len(only)} 处地点符合条件。")
        ss = st.session_state
        ss.map_runs = ss.get("map_runs", 0) + 1
        st.html(render_template("views", "panel_slot.html.j2", view=ss.view_key, route=places_api.COMPONENT_URL,
                                layers=",".join(s.id for s in LAYERS if s.plan), runs=ss.map_runs))
        with st.container(key="chaohu-sel"):
            _panel(catalog, plan, current_state())
    _write_url(current_state())


def _emphasis(catalog: Catalog, vs: ViewState, gcj02: bool) -> list:
    """Highlights drawn over the map: the focused town, the selected place or every place of the selected measure,
    and the rows selected in the attribute table."""
    groups = []
    if vs.town:
        area = catalog.town_area(vs.town)
        groups.append(emphasis_group(area, catalog.spec(area.iloc[0]["layer"]), gcj02))
    kind, ident = vs.selection
    ids: set[str] = set()
    if kind == "place" and catalog.feature(ident) is not None:
        ids = {ident}
    elif kind == "measure":
        ids = catalog.places_of([ident])
    ids |= table.selected_ids()
    rows = catalog.features[catalog.features["id"].isin(ids)]
    for layer_id in rows["layer"].unique():
        layer = catalog.layers[layer_id]  # the layer's own rows: every column its tooltip shows
        groups.append(emphasis_group(layer[layer["id"].isin(ids)], catalog.spec(layer_id), gcj02))
    return groups


def _draw_map(catalog: Catalog, vs: ViewState, token: str, only: set[str] | None) -> None:
    """The map, its highlights, the view the app asked for; its reports come back through `_on_map_report`."""
    ss = st.session_state
    strings = resources.map_strings(vs.layers, vs.basemap, token, only)
    if ss.get("map_key") != strings.key:  # a new map (layers, filter, basemap): it opens where the view is now
        ss.map_key = strings.key
        if ss.get("view"):
            ss.view_sent = (list(ss.view[0]), ss.view[1])
    sent = ss.get("view_sent")
    mapframe.show(strings, groups=_emphasis(catalog, vs, BASEMAPS[vs.basemap][3]),
                  center=sent[0] if sent else None, zoom=sent[1] if sent else None, height=FRAME_HEIGHT,
                  on_change=lambda: _on_map_report(catalog, strings.key))


def _panel(catalog: Catalog, plan: Plan, vs: ViewState) -> None:
    """What is selected, or the focused town, or how to use the map."""
    kind, ident = vs.selection
    feature = catalog.feature(ident) if kind == "place" else None  # looked up once, handed to each part of the panel
    if kind == "tile" and st.session_state.get("tile_click"):
        props = st.session_state.tile_click
        st.html(attributes_html(catalog.spec(props["layer"]).title,
                                clicked_attributes(catalog.layers[props["layer"]], props)))
    elif kind == "measure":
        st.html(measure_panel_html(catalog, plan, ident))
        st.html(progress_sections.measure_section(ident))
        _link_buttons("在地图上查看：", [(f"place_{p}", catalog.feature(p)["name"], _select_place, (catalog, p))
                                      for p in sorted(catalog.places_of([ident])) if catalog.feature(p) is not None])
        _link_buttons("只显示牵头单位相关地点：", [(f"unit_{u}", plan.unit(u).name, _choose_unit, (u, True))
                                          for u in plan.measure(ident).lead])
    elif feature is not None and catalog.spec(feature["layer"]).plan and catalog.place(ident) is not None:
        st.html(panel_html(catalog, plan, progress_sections.board_or_none(), ident))  # as the frame draws it on a click
    elif feature is not None:
        st.html(place_html(catalog, plan, feature))
        st.html(progress_sections.place_section(feature))
        measures = catalog.measures_of(ident)
        _link_buttons("查看措施及其全部地点：", [(f"measure_{m}", f"措施 {m}", _select_measure, (catalog, m)) for m in measures])
        lead_units = sorted({u for mid in measures for u in plan.measure(mid).lead})
        _link_buttons("只显示牵头单位相关地点：", [(f"unit_{u}", plan.unit(u).name, _choose_unit, (u, True)) for u in lead_units])
        if catalog.spec(feature["layer"]).plan:
            _link_buttons("位置不准？", [("correct_place", "校正此地点的位置", _correct, (ident,))])
    elif vs.town:
        st.html(town_html(catalog, plan, vs.town))
    else:
        st.markdown("#### 使用说明")
        st.write("点击地图上的地点查看其属性和关联措施；一处有多个要素时，地图上会列出供选择。"
                 "在左侧搜索、选择乡镇/街道、筛选或开关图层；地图下方有导出和属性表。")
        st.caption("虚线表示示意或大致位置：规划未给出精确位置，非测绘成果。乡镇/街道范围为近似范围。")


# ---- exports


def _downloads(catalog: Catalog, plan: Plan, town: str, only: set[str] | None) -> None:
    """Exports of the focused town (or the whole city) and of the current filter, as the command line makes them."""
    scope = town or "全市"
    with st.expander(f"导出：{scope}{'（当前筛选）' if only is not None else ''}"):
        fmt = st.selectbox("格式", list(FORMATS), format_func=lambda f: FORMATS[f].label, key="export_fmt", placeholder="请选择")
        encoding = "gbk" if fmt == "shp" and st.checkbox("Shapefile 用 GBK 编码（旧版 ArcGIS）", key="export_gbk") else "utf-8"
        wanted = (town, fmt, encoding, tuple(sorted(only)) if only is not None else None)
        downloads.made_file("export", wanted, lambda: export_bytes(town or None, fmt, catalog.subset(only) if only is not None
                                                                   else catalog, plan, encoding),
                            go="生成文件", busy="正在生成…")


def render() -> None:
    """The planning map page."""
    catalog, plan = resources.catalog(), resources.plan()
    _init_state(catalog)
    _take_pick()
    layout.map_page_css()
    with st.sidebar:
        controls = st.container()  # filled after the map: the map's frame reaches the browser first
    vs = current_state()  # the controls' values are in the session before they are drawn
    only = matching_places(catalog, plan, vs.filters)
    _map_and_panel(catalog, plan, tianditu_token(), only)
    with controls:
        _sidebar(catalog, plan)
    _downloads(catalog, plan, vs.town, only)
    table.render(catalog, only, on_zoom=_zoom_to)
    print_view.panel(catalog, plan, vs, only)  # 打印当前视图（专题制图）
    _write_url(current_state())
    places_api.warm()  # the data of a click's panel, loaded once per process after the first page is drawn


__all__ = ["render", "TILE"]
