"""巢湖市制造业规划图: wires Streamlit widgets to the layers, the plan data and the panels.

Run: streamlit run streamlit_app.py
"""

from __future__ import annotations

import copy
import os
from pathlib import Path

import streamlit as st
import streamlit.components.v1 as components

from geo.crs import WEB
from geo.view import view_for
from layers import assets
from layers.catalog import load_catalog
from layers.mapview import BASEMAPS, build_map, emphasis_group
from layers.query import Filters, deadline_phrases, matching_places, search, statuses
from layers.registry import BY_ID, GROUPS, LAYERS
from layers.tileserver import tile_routes
from layers.userlayers import clicked_attributes, is_large, tiled_layer
from loaders.files import LoadError, read_uploads
from loaders.plan import load_plan
from loaders.workspace import Workspace
from reports.charts import CHART_TITLES, chart_png
from reports.export import FORMATS, ExportError, export_bytes
from reports.panel import attributes_html, measure_label, measure_panel_html, place_html, town_html
from reports.tour import (TourError, add_slide, check_tour, deadlines_by_lead, load_tour, move_slide, remove_slide,
                          save_tour, slide_from_view, tour_from_yaml, tour_yaml, update_slide)
from reports.tour_html import tour_html
from reports.tour_pdf import tour_pdf

ROOT = Path(__file__).resolve().parent
MAP_HEIGHT = 720

# `streamlit run streamlit_app.py` finds `app` and serves it (Starlette): each session runs this file as
# __main__, and the large layers' tiles are made on request at /api/tiles/… (layers/tileserver.py).
# `streamlit run` first imports this module to find `app`: that import must run no page code and import no
# custom component (st_folium), since a component declared outside a script run is never registered (its
# iframe would get 404). Hence the __main__ guards.
app = st.App(__file__, routes=tile_routes())
if __name__ == "__main__":
    from streamlit_folium import st_folium

    st.set_page_config(page_title="巢湖市制造业规划图", page_icon="🗺️", layout="wide", initial_sidebar_state="expanded")


@st.cache_resource(show_spinner="正在准备离线地图资源…")
def _vendor() -> None:
    assets.materialise_vendor(ROOT / "static")


@st.cache_resource(show_spinner="正在读取图层…")
def _catalog():
    return load_catalog()


@st.cache_resource(show_spinner="正在读取规划数据…")
def _plan():
    return load_plan()


@st.cache_resource(show_spinner="正在生成地图…", max_entries=32)
def _map(visible: tuple[str, ...], basemap: str, token: str, only: frozenset | None):
    user = _catalog().user_layers()
    extra = [(spec, gdf) for spec, gdf in user if not is_large(gdf)]
    tiled = [(spec, tiled_layer(spec, gdf, gcj02=BASEMAPS[basemap][3])) for spec, gdf in user if is_large(gdf)]
    m = build_map(_catalog().layers, list(visible), basemap, token, set(only) if only is not None else None,
                  extra=extra, tiled=tiled, height=MAP_HEIGHT)
    assets.offline(m, mode="static")
    return m


def _forget_user_layers() -> None:
    """The workspace changed: reload the catalogue (user layers count in summaries) and redraw the map."""
    _catalog.clear()
    _map.clear()


def _add_uploads(uploads, coords: str) -> None:
    """Read uploaded files into the workspace; a broken file gets one Chinese message, nothing else changes."""
    bar = st.progress(0.0, text="正在读取…")
    try:
        points = catalog.features[catalog.features.geom_type == "Point"].geometry
        result = read_uploads([(u.name, u.getvalue()) for u in uploads], coords=coords or None,
                              progress=lambda f, msg: bar.progress(min(max(f, 0.0), 1.0), text=msg),
                              reference_points=points)
    except LoadError as exc:
        bar.empty()
        st.session_state.upload_msg = ("error", exc.message)
        return
    bar.empty()
    ws = Workspace()
    notes = []
    for layer in result.layers:
        stored = ws.add(layer.name, layer.gdf)
        crs_note = f"坐标系 {layer.crs_used}{'（推断）' if layer.crs_inferred else ''}"
        enc_note = f"编码 {layer.encoding}{'（自动识别）' if layer.encoding_detected else ''}" if layer.encoding else ""
        notes.append("；".join(filter(None, [f"已添加「{stored}」{len(layer.gdf)} 个要素", crs_note, enc_note, *layer.repairs, *layer.warnings])))
    notes.extend(result.warnings)
    st.session_state.upload_msg = ("success", "\n\n".join(notes) or "文件中没有可用的图层。")
    _forget_user_layers()
    st.rerun()


def _view_of(gdf) -> tuple[list[float], int]:
    """Centre and zoom that show these features."""
    return view_for(tuple(gdf.to_crs(WEB).total_bounds))


def _qp(name: str, default: str = "") -> str:
    return st.query_params.get(name, default)


if __name__ == "__main__":
    _vendor()
    catalog, plan = _catalog(), _plan()
    towns = sorted(catalog.layers["township_areas"].query("kind != '水域'")["name"].tolist())
    units = sorted({u for m in plan.measures for u in m.lead}, key=lambda u: plan.unit(u).name)

    # ---- state from the URL (a copied link reopens the same view) ----
    if "init" not in st.session_state:
        st.session_state.init = True
        st.session_state.sel = _qp("sel")
        st.session_state.town = _qp("town")
        st.session_state.basemap = _qp("basemap", "none") if _qp("basemap", "none") in BASEMAPS else "none"
        layer_qp = _qp("layers")
        st.session_state.visible = [i for i in layer_qp.split(",") if i in BY_ID] if layer_qp else [s.id for s in LAYERS if s.visible]
        for key in ("measure", "unit", "industry", "status", "deadline"):
            st.session_state[f"f_{key}"] = _qp(key)
        st.session_state.view = None
        st.session_state.last_click = None
        if st.session_state.sel and catalog.feature(st.session_state.sel) is not None:
            st.session_state.view = _view_of(catalog.features[catalog.features["id"] == st.session_state.sel])
        elif st.session_state.town:
            st.session_state.view = _view_of(catalog.layers["township_areas"].query("name == @st.session_state.town"))


def _focus_town():
    town = st.session_state.town
    st.session_state.sel = ""
    if town:
        area = catalog.layers["township_areas"].query("name == @town")
        st.session_state.view = _view_of(area)
    else:
        st.session_state.view = None


def _select(kind: str, ident: str):
    if kind == "place":
        st.session_state.sel = ident
        st.session_state.view = _view_of(catalog.features[catalog.features["id"] == ident])
    else:
        st.session_state.sel = f"measure:{ident}"


def _link_buttons(caption: str, links: list[tuple]) -> None:
    """A row of buttons that act as links: (key, label, callback, args)."""
    if not links:
        return
    st.caption(caption)
    cols = st.columns(min(len(links), 3))
    for i, (key, label, callback, args) in enumerate(links):
        cols[i % len(cols)].button(label, key=key, on_click=callback, args=args, use_container_width=True)


def _choose_unit(unit_id: str):
    st.session_state.f_unit = unit_id


def map_page() -> None:
    """The planning map: sidebar with layers, town, filters, search and uploads; the map; the panel."""
    with st.sidebar:
        st.title("巢湖市制造业规划图")
        st.caption("《巢湖市冲刺“高质量千亿制造业”目标实施方案》")
        st.selectbox("底图", list(BASEMAPS), format_func=lambda b: BASEMAPS[b][0], key="basemap")
        token = os.environ.get("TIANDITU_TOKEN", "")
        if st.session_state.basemap.startswith("tianditu"):
            token = st.text_input("天地图密钥（tk）", value=token, type="password", help="可在环境变量 TIANDITU_TOKEN 中配置") or token
            if not token:
                st.warning("天地图底图需要密钥；未填写时底图不显示。")

        st.subheader("乡镇/街道")
        st.selectbox("定位到", [""] + towns, format_func=lambda t: t or "全市", key="town", on_change=_focus_town)

        st.subheader("搜索")
        query = st.text_input("地点或措施", placeholder="如：镁、半岛、治中路", key="q")
        hits = search(catalog, plan, query)
        if query and not hits:
            st.caption("没有找到匹配的地点或措施。")
        for i, hit in enumerate(hits):
            st.button(hit["label"], key=f"hit{i}", on_click=_select, args=(hit["kind"], hit["id"]), use_container_width=True)

        st.subheader("筛选")
        st.selectbox("措施", [""] + [m.id for m in plan.measures], format_func=lambda m: measure_label(plan, m) if m else "全部", key="f_measure")
        st.selectbox("牵头单位", [""] + units, format_func=lambda u: plan.unit(u).name if u else "全部", key="f_unit")
        st.selectbox("产业（341体系）", [""] + [i.id for i in plan.industries], format_func=lambda i: plan.industry(i).name if i else "全部", key="f_industry")
        st.selectbox("状态", [""] + statuses(catalog), format_func=lambda s: s or "全部", key="f_status")
        st.selectbox("时间要求", [""] + deadline_phrases(plan), format_func=lambda s: s or "全部", key="f_deadline")

        st.subheader("图层")
        visible = []
        for group in GROUPS:
            specs = [s for s in LAYERS if s.group == group]
            if specs:
                st.caption(group)
            for s in specs:
                if st.checkbox(s.title, value=s.id in st.session_state.visible, key=f"layer_{s.id}"):
                    visible.append(s.id)
        st.session_state.visible = visible

        st.subheader("我的数据")
        with st.form("upload", clear_on_submit=True):
            uploads = st.file_uploader(
                "添加图层文件", accept_multiple_files=True,
                type=["zip", "shp", "shx", "dbf", "prj", "cpg", "geojson", "json", "gpkg", "kml", "kmz", "fgb", "csv", "xlsx", "dxf"],
                help="Shapefile（可打包为 zip）、GeoJSON、GeoPackage、KML/KMZ、FlatGeobuf、带坐标列的 CSV/Excel、CAD 的 DXF",
            )
            coords = st.radio("点位坐标来源", ["", "gcj02", "bd09"], horizontal=True,
                              format_func=lambda c: {"": "WGS84/CGCS2000", "gcj02": "高德/腾讯（GCJ-02）", "bd09": "百度（BD-09）"}[c])
            if st.form_submit_button("添加到地图") and uploads:
                _add_uploads(uploads, coords)
        if "upload_msg" in st.session_state:
            kind, msg = st.session_state.upload_msg
            (st.error if kind == "error" else st.success)(msg)
        ws = Workspace()
        for name in ws.layers():
            c1, c2 = st.columns([3, 1])
            new = c1.text_input("图层名称", value=name, key=f"ws_name_{name}", label_visibility="collapsed")
            if new and new != name:
                try:
                    ws.rename(name, new)
                except LoadError as exc:
                    st.error(exc.message)
                _forget_user_layers()
                st.rerun()
            if c2.button("删除", key=f"ws_del_{name}"):
                ws.remove(name)
                _forget_user_layers()
                st.rerun()

    filters = Filters(*(st.session_state[f"f_{k}"] for k in ("measure", "unit", "industry", "status", "deadline")))
    only = matching_places(catalog, plan, filters)

    # ---- the map and the panel ----
    col_map, col_panel = st.columns([3, 2], gap="small")
    with col_map:
        if only is not None:
            st.info(f"筛选结果：{len(only)} 处地点符合条件。")
        basemap = st.session_state.basemap
        # st_folium adds to the map it is given: hand it a copy of the cached one.
        fmap = copy.deepcopy(_map(tuple(visible), basemap, token, frozenset(only) if only is not None else None))
        gcj02 = BASEMAPS[basemap][3]
        emphasis = []
        if st.session_state.town:
            area = catalog.layers["township_areas"].query("name == @st.session_state.town")
            emphasis.append(emphasis_group(area, BY_ID["township_areas"], gcj02))
        sel = st.session_state.sel
        if sel and not sel.startswith("measure:") and catalog.feature(sel) is not None:
            row = catalog.features[catalog.features["id"] == sel]
            emphasis.append(emphasis_group(row, catalog.spec(row.iloc[0]["layer"]), gcj02))
        center, zoom = st.session_state.view or (None, None)
        out = st_folium(
            fmap, key="map", height=MAP_HEIGHT, use_container_width=True,
            returned_objects=["last_active_drawing"],
            center=center, zoom=zoom, feature_group_to_add=emphasis or None,
        )
        clicked = (out or {}).get("last_active_drawing") or {}
        props = clicked.get("properties") or {}
        click_id = props.get("id")
        if ("fid" in props or props.get("generalised")) and props.get("layer") in catalog.user_specs \
                and props != st.session_state.get("tile_click"):
            st.session_state.tile_click = props  # a feature of a tiled layer: its row is looked up for the panel
            st.session_state.sel = "tile"
            st.rerun()
        if click_id and click_id != st.session_state.last_click:
            st.session_state.last_click = click_id
            if catalog.feature(click_id) is not None and click_id != st.session_state.sel:
                st.session_state.sel = click_id
                st.rerun()

    with col_panel:
        sel = st.session_state.sel
        if sel == "tile" and st.session_state.get("tile_click"):
            props = st.session_state.tile_click
            st.html(attributes_html(catalog.spec(props["layer"]).title,
                                    clicked_attributes(catalog.layers[props["layer"]], props)))
        elif sel.startswith("measure:"):
            mid = sel.split(":", 1)[1]
            st.html(measure_panel_html(catalog, plan, mid))
            _link_buttons("在地图上查看：", [(f"place_{p}", catalog.feature(p)["name"], _select, ("place", p))
                                          for p in sorted(catalog.places_of([mid])) if catalog.feature(p) is not None])
            _link_buttons("只显示牵头单位相关地点：", [(f"unit_{u}", plan.unit(u).name, _choose_unit, (u,))
                                              for u in plan.measure(mid).lead])
        elif sel and catalog.feature(sel) is not None:
            st.html(place_html(catalog, plan, sel))
            measures = catalog.measures_of(sel)
            _link_buttons("查看措施及其全部地点：", [(f"measure_{m}", f"措施 {m}", _select, ("measure", m)) for m in measures])
            lead_units = sorted({u for mid in measures for u in plan.measure(mid).lead})
            _link_buttons("只显示牵头单位相关地点：", [(f"unit_{u}", plan.unit(u).name, _choose_unit, (u,)) for u in lead_units])
        elif st.session_state.town:
            st.html(town_html(catalog, plan, st.session_state.town))
        else:
            st.markdown("#### 使用说明")
            st.write("点击地图上的地点查看其属性和关联措施；在左侧选择乡镇/街道、筛选或搜索。")
            st.caption("虚线表示示意或大致位置：规划未给出精确位置，非测绘成果。乡镇/街道范围为近似范围。")

    _downloads(only)
    _write_url(visible)


def _write_url(visible: list[str]) -> None:
    """Put the view in the URL, so that a copied link reopens it."""
    params = {"layers": ",".join(visible), "basemap": st.session_state.basemap, "town": st.session_state.town,
              "sel": st.session_state.sel}
    params.update({k: st.session_state[f"f_{k}"] for k in ("measure", "unit", "industry", "status", "deadline")})
    st.query_params.from_dict({k: v for k, v in params.items() if v})


def _downloads(only: set[str] | None) -> None:
    """Exports of the focused town (or the whole city) and of the current filter, as the command line makes them."""
    town = st.session_state.town or None
    scope = town or "全市"
    with st.expander(f"导出：{scope}{'（当前筛选）' if only is not None else ''}"):
        fmt = st.selectbox("格式", list(FORMATS), format_func=lambda f: FORMATS[f][0], key="export_fmt")
        encoding = "gbk" if fmt == "shp" and st.checkbox("Shapefile 用 GBK 编码（旧版 ArcGIS）", key="export_gbk") else "utf-8"
        if st.button("生成文件", key="export_go"):
            source = catalog.subset(only) if only is not None else catalog
            with st.spinner("正在生成…"):
                try:
                    st.session_state.export = export_bytes(town, fmt, source, plan, encoding)
                except (ExportError, FileNotFoundError) as exc:  # unknown choice, or no CJK font for a PDF
                    st.session_state.export = None
                    st.error(str(exc))
        if st.session_state.get("export"):
            name, data, mime = st.session_state.export
            st.download_button(f"下载 {name}", data=data, file_name=name, mime=mime, key="export_dl")


PAGES = {"map": "规划地图", "overview": "概览", "present": "汇报模式", "tour": "编辑汇报"}


def overview_page() -> None:
    """概览: the plan's goals, measures per lead unit and every deadline, drawn from the plan data."""
    st.title("概览：巢湖市冲刺“高质量千亿制造业”目标实施方案")
    try:
        _chart("goals")
    except FileNotFoundError as exc:  # the charts need the CJK font
        st.error(str(exc))
        return
    cols = st.columns(2)
    for i, name in enumerate(["goals", "leads"]):
        with cols[i]:
            st.subheader(CHART_TITLES[name])
            st.image(_chart(name), use_container_width=True)
    st.subheader(CHART_TITLES["deadlines"])
    st.image(_chart("deadlines"), use_container_width=True)
    st.subheader("时间要求（按牵头单位）")
    rows = [{"牵头单位": unit, "措施": f"{r.measure.id} {r.measure.title}", "事项": r.text, "时限": r.deadline.by}
            for unit, items in deadlines_by_lead(plan).items() for r in items]
    st.table(rows)
    st.caption("各部分标题为编者所加（原文发布时标题丢失）；方案未写年份，时限照录原文。")


@st.cache_data(show_spinner="正在绘制图表…")
def _chart(name: str) -> bytes:
    return chart_png(name, _plan())


@st.cache_data(show_spinner="正在生成汇报页面…", max_entries=8)
def _tour_page(tour_yaml_text: str, start: int) -> str:
    return tour_html(tour_from_yaml(tour_yaml_text), _plan(), _catalog(), start=start)


def present_page() -> None:
    """汇报模式: the tour full screen, no sidebar; keys and clickers step through the slides."""
    st.html("""<style>
      [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header, [data-testid="stToolbar"] {display:none !important}
      .block-container, [data-testid="stMainBlockContainer"] {padding:0 !important; max-width:100% !important}
      iframe[title="st.iframe"], [data-testid="stIFrame"], .stIFrame {height: calc(100vh - 32px) !important; width:100% !important}
    </style>""")
    st.markdown('<a href="?mode=map" target="_self" style="font-size:13px">← 退出汇报</a>　'
                '<span style="font-size:13px;color:#666">点击画面后，用 ← → / PageUp PageDown / 空格 翻页，F 全屏</span>',
                unsafe_allow_html=True)
    try:
        page = _tour_page(tour_yaml(load_tour()), 0)
    except (FileNotFoundError, TourError) as exc:  # no CJK font, or a broken saved tour
        st.error(str(exc))
        return
    components.html(page, height=900, scrolling=False)


def tour_page() -> None:
    """编辑汇报: reorder, add, edit and remove slides; export the tour as HTML and PDF."""
    st.title("编辑汇报")
    try:
        tour = load_tour()
    except TourError as exc:  # a saved tour that no longer validates
        st.error(str(exc))
        return
    st.caption(f"共 {len(tour.slides)} 页。修改保存在工作区，刷新或重启后仍在。")
    for i, slide in enumerate(tour.slides):
        with st.expander(f"{i + 1}. {slide.title}"):
            title = st.text_input("标题", value=slide.title, key=f"t_title_{i}")
            text = st.text_area("说明", value=slide.text, key=f"t_text_{i}")
            c1, c2, c3, c4 = st.columns(4)
            if c1.button("保存修改", key=f"t_save_{i}"):
                _save(update_slide(tour, i, title=title, text=text))
            if c2.button("上移", key=f"t_up_{i}", disabled=i == 0):
                _save(move_slide(tour, i, i - 1))
            if c3.button("下移", key=f"t_down_{i}", disabled=i == len(tour.slides) - 1):
                _save(move_slide(tour, i, i + 1))
            if c4.button("删除本页", key=f"t_del_{i}", disabled=len(tour.slides) == 1):
                _save(remove_slide(tour, i))
    st.subheader("从当前地图视图添加一页")
    new_title = st.text_input("新页标题", key="t_new_title")
    if st.button("添加", disabled=not new_title):
        places = [st.session_state.sel] if st.session_state.get("sel") and not st.session_state.sel.startswith("measure:") else []
        town = st.session_state.get("town")
        if not places and town:
            places = catalog.layers["township_areas"].query("name == @town")["id"].tolist()
        slide = slide_from_view(new_title, places=places, layers=st.session_state.get("visible") or [s.id for s in LAYERS if s.visible])
        _save(add_slide(tour, slide))
    st.subheader("导出")
    c1, c2 = st.columns(2)
    try:
        c1.download_button("下载离线汇报网页（HTML）", data=_tour_page(tour_yaml(tour), 0),
                           file_name="巢湖制造业规划汇报.html", mime="text/html")
    except FileNotFoundError as exc:  # no CJK font for the charts
        c1.error(str(exc))
    if c2.button("生成 PDF 讲义"):
        with st.spinner("正在生成 PDF…"):
            try:
                st.session_state.tour_pdf = tour_pdf(tour, plan, catalog)
            except FileNotFoundError as exc:  # no CJK font to embed
                st.error(str(exc))
    if st.session_state.get("tour_pdf"):
        c2.download_button("下载 PDF 讲义", data=st.session_state.tour_pdf, file_name="巢湖制造业规划汇报.pdf", mime="application/pdf")


def _save(tour) -> None:
    try:
        check_tour(tour, plan, set(catalog.features["id"]), set(BY_ID))
    except TourError as exc:
        st.error(str(exc))
        return
    save_tour(tour)
    st.rerun()


if __name__ == "__main__":
    mode = _qp("mode", "map") if _qp("mode", "map") in PAGES else "map"
    if mode != "present":
        with st.sidebar:
            chosen = st.radio("页面", list(PAGES), index=list(PAGES).index(mode), format_func=PAGES.get, horizontal=True)
        if chosen != mode:
            st.query_params["mode"] = chosen
            st.rerun()
    {"map": map_page, "overview": overview_page, "present": present_page, "tour": tour_page}[mode]()
