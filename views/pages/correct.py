"""校正位置: pick a plan place; draw its position, edit its current shape, or adopt a feature of a planner's layer; save
it with a 来源 and its date; see and revert the place's corrections; share them with another installation.

Editing is Leaflet.draw's (layers/editmap.py): whatever the drawing group holds after 画 / 修改→保存 / 删除 comes back
as st_folium's `all_drawings` and is the proposed position, checked here before the form lets it be saved. Saving
needs the permission 校正位置 (role 编辑); with no login yet the app runs open (core/roles.py OPEN_ROLE).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import geopandas as gpd
import streamlit as st
from streamlit_folium import st_folium

from core import clock
from core import roles
from core.declarations import BY_ID, PLAN_LAYER_IDS
from core.errors import ChaohuError
from core.formats import mime_type
from core.inputs import UPLOAD_MB, check_size, upload_name
from core.formatting import accuracy_label, esc
from geo.crs import STORAGE, WEB
from geo.joins import assign_town
from geo.view import view_for
from layers import assets
from layers.catalog import Catalog
from layers.editmap import edit_map, unshifted
from layers.mapview import BASEMAPS, basemap_notice
from layers.userlayers import NAME_COLUMNS
from corrections.checks import CHOICES, DRAWN, EDITED, CorrectionError, check_inside, correct, geometry_from_drawings, \
    pick_feature, plan_place, revert, shaped, size_words
from views import login, resources
from views.map_session import tianditu_token
from views.state import DEFAULT_BASEMAP, MAX_FIT_ZOOM
from presentation.correction_panel import correction_html
from presentation.panel import PANEL_CSS

MODES = {"draw": "在地图上画新位置", "edit": "修改现有图形", "adopt": "采用「我的数据」中的要素"}
MAP_HEIGHT = 600


def place_ids(catalog: Catalog) -> list[str]:
    """Every plan place (with or without a position), grouped by layer in declaration order."""
    places = catalog.places
    return [pid for layer in PLAN_LAYER_IDS for pid in places.loc[places["layer"] == layer, "id"]]


def place_labels(catalog: Catalog) -> dict[str, str]:
    """名称（图层 · 位置精度 · 已校准） of every plan place, as the picker lists them (one pass over the catalogue)."""
    accuracy = dict(zip(catalog.features["id"][::-1], catalog.features["accuracy"][::-1]))  # the first feature of an id
    corrected = catalog.corrections.current
    labels = {}
    for pid, name, layer in zip(catalog.places["id"], catalog.places["name"], catalog.places["layer"]):
        words = accuracy_label(accuracy[pid]) if pid in accuracy else "规划未给位置"
        mark = " · 已校准" if pid in corrected else ""
        labels[pid] = f"{name}（{BY_ID[layer].title} · {words.split('（')[0]}{mark}）"
    return labels


def _requested_place(options: list[str]) -> None:
    """Show the place the URL asks for (`sel`: the map panel's link, a copied link, a reload, the picker itself).

    The URL is the one record of the place shown: the picker writes its choice there (`_picked`), and the picker's
    value is set from it before the picker is drawn. Streamlit drops the picker's value whenever another page is
    shown, so a value kept beside the URL went stale: back from the map, the picker fell to the list's first place.
    """
    wanted = st.query_params.get("sel", "")
    if wanted in options and st.session_state.get("corr_place") != wanted:
        st.session_state.corr_place = wanted


def _picked() -> None:
    """The planner chose another place in the picker: the URL names it."""
    st.query_params["sel"] = st.session_state.corr_place


def describe(geometry, place_id: str, catalog: Catalog) -> str:
    """新位置：面积 …，位于 黄麓镇 — the proposed position measured in EPSG:4548 and joined to its town."""
    size = size_words(geometry, BY_ID[plan_place(place_id).layer].geometry)
    town = assign_town(gpd.GeoDataFrame(geometry=gpd.GeoSeries([geometry], crs=STORAGE)), catalog.town_areas).iloc[0]
    return f"新位置：{size}" + (f"，位于{town}（按近似范围判断）" if isinstance(town, str) and town else "")


def _adopt_candidate(place_id: str):
    """The feature of a planner's layer chosen for adoption (layer and feature pickers), or None."""
    store = resources.store()
    names = store.layer_names()
    if not names:
        st.info("「我的数据」中还没有图层：请先在规划地图页上传（如园区范围 Shapefile、CAD 边界、高德拾取的点）。")
        return None, ""
    layer = st.selectbox("图层", names, key="corr_layer")
    gdf = store.read_layer(layer)
    label_col = next((c for c in NAME_COLUMNS if c in gdf.columns), None)
    labels = [f"第 {i + 1} 个" + (f"：{gdf[label_col].iloc[i]}" if label_col else "") for i in range(len(gdf))]
    n = st.selectbox("要素", range(1, len(gdf) + 1), format_func=lambda i: labels[i - 1], key=f"corr_feature_{layer}")
    return pick_feature(gdf, n, f"图层「{layer}」"), f"采用图层「{layer}」第 {n} 个要素"


def _save(place_id: str, candidate, method: str, expected, source, date, accuracy) -> None:
    """Store the correction (every check first); the outcome is shown after the rerun."""
    try:
        who = login.require("correct_positions").name  # a role lowered since the page was drawn counts now
        entry = correct(resources.store(), place_id, candidate, source, date, accuracy, who, method=method, expected=expected)
    except ChaohuError as exc:
        st.session_state.corr_msg = ("error", exc.message)
        return
    st.session_state.corr_msg = ("success", f"已保存「{plan_place(place_id).name}」的校正：来源「{entry.source}」"
                                            f"（{entry.source_date}），{CHOICES[entry.accuracy]}。")


def _revert(place_id: str, expected) -> None:
    try:
        entry = revert(resources.store(), place_id, login.require("correct_positions").name, expected=expected)
    except ChaohuError as exc:
        st.session_state.corr_msg = ("error", exc.message)
        return
    back = f"「{entry.source}」（{entry.source_date}）的校正" if entry.source else "规划随附位置"
    st.session_state.corr_msg = ("success", f"已撤销校正，「{plan_place(place_id).name}」恢复为{back}。")


def _to_map(catalog: Catalog, place_id: str) -> None:
    """Show the place on the map page, selected (the map page keeps its state in these keys)."""
    st.session_state.sel = place_id
    feature = catalog.features[catalog.features["id"] == place_id]
    st.session_state.view = view_for(tuple(feature.to_crs(WEB).total_bounds)) if len(feature) else None
    st.query_params.from_dict({"sel": place_id})


def _share() -> None:
    """Export every correction as one GeoPackage; import another installation's, conflicts listed and not written."""
    from corrections.share import export_gpkg, import_upload

    with st.expander("共享校正记录：导出 / 导入 GeoPackage"):
        st.caption("导出全部校正（含来源、日期、校正人和历史、撤销）为一个 GeoPackage，可在另一套系统导入；"
                   "同一地点两边校正不同的列为冲突，不会覆盖本机的校正。")
        if st.button("生成导出文件", key="corr_export"):
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "corrections.gpkg"
                count = export_gpkg(resources.store(), path)
                st.session_state.corr_export = (count, path.read_bytes())
        if st.session_state.get("corr_export"):
            count, data = st.session_state.corr_export
            st.download_button(f"下载（{count} 条记录）", data=data, file_name=f"巢湖市位置校正记录_{clock.today():%Y%m%d}.gpkg",
                               mime=mime_type(".gpkg"), key="corr_export_dl")
        upload = st.file_uploader("导入校正记录（.gpkg）", type=["gpkg"], key="corr_import_file", max_upload_size=UPLOAD_MB["corrections"])
        if upload is not None and st.button("导入", key="corr_import_go", disabled=not roles.allowed(login.role(), "correct_positions")):
            try:
                check_size("corrections", upload_name(upload.name), upload.size)
            except ChaohuError as exc:
                st.error(exc.message)
                return
            st.session_state.corr_import = (upload.name, upload.getvalue())
            st.session_state.corr_take = []
        if st.session_state.get("corr_import"):
            name, data = st.session_state.corr_import
            try:  # saved under a name of the app's making in a private folder; the client's name is only shown
                report = import_upload(resources.store(), data, name, login.require("correct_positions").name, take=st.session_state.get("corr_take", []))
            except ChaohuError as exc:
                st.error(exc.message)
                st.session_state.corr_import = None
                return
            st.session_state.corr_import = None
            st.success(f"已导入 {len(report.places) + len(report.taken)} 个地点的 {report.entries} 条校正记录。")
            for problem in report.problems:
                st.warning(problem)
            if report.conflicts:
                st.warning(f"冲突 {len(report.conflicts)} 个（未导入，本机校正保持不变）：\n\n"
                           + "\n\n".join(c.text for c in report.conflicts))
                st.session_state.corr_conflicts = (name, data, [c.place_id for c in report.conflicts])
        if st.session_state.get("corr_conflicts"):
            name, data, ids = st.session_state.corr_conflicts
            take = st.multiselect("采用导入文件中的校正的地点", ids, format_func=lambda p: plan_place(p).name, key="corr_take_pick")
            if take and st.button("采用所选地点的导入版本", key="corr_take_go"):
                st.session_state.corr_import = (name, data)
                st.session_state.corr_take = take
                st.session_state.corr_conflicts = None
                st.rerun()


def render() -> None:
    """The 校正位置 page."""
    catalog, plan = resources.catalog(), resources.plan()
    st.title("校正位置")
    st.caption("本单位掌握的实际位置（园区范围图、竣工道路、项目地块、高德拾取的点）可在此校正规划地点的位置。"
               "随附数据不会被修改；每次校正记录来源、日期、校正人和校正前后的图形，可随时撤销。")
    for problem in catalog.problems:
        st.warning(problem)
    options, labels = place_ids(catalog), place_labels(catalog)
    _requested_place(options)
    place_id = st.selectbox("规划地点", options, format_func=labels.get, key="corr_place", on_change=_picked)
    st.query_params.from_dict({"mode": "correct", "sel": place_id})
    place = plan_place(place_id)
    feature = catalog.feature(place_id)
    current = catalog.corrections.of(place_id)
    editable = roles.allowed(login.role(), "correct_positions")
    if not editable:
        st.info(f"当前角色无权{roles.PERMISSIONS['correct_positions']}，只能查看校正记录。")
    modes = [m for m in MODES if m != "edit" or feature is not None]
    if st.session_state.get("corr_mode") not in modes:
        st.session_state.corr_mode = "draw"
    col_map, col_form = st.columns([3, 2], gap="small")
    with col_form:
        mode = st.radio("方式", modes, format_func=MODES.get, key="corr_mode", horizontal=True)
        candidate, method = (None, "")
        if mode == "adopt":
            try:
                candidate, method = _adopt_candidate(place_id)
            except ChaohuError as exc:
                st.error(exc.message)
    with col_map:
        kind = BY_ID[place.layer].geometry
        hint = {"Polygon": "用左上角的「面」或「矩形」工具画出范围（可画多块）", "LineString": "用左上角的「线」工具画出走向",
                "Point": "用左上角的「点」工具放置位置"}[kind]
        if mode == "draw":
            st.caption(f"{hint}；灰色虚线为现位置。画错可用「修改图形」「删除图形」调整。")
        elif mode == "edit":
            st.caption("点击左上角「修改图形」，拖动节点后点「保存」；不要的部分可用「删除图形」。")
        basemap = st.session_state.get("basemap", DEFAULT_BASEMAP)  # the map page's, kept while this page is shown
        basemap = basemap if basemap in BASEMAPS else DEFAULT_BASEMAP
        token = tianditu_token()
        if basemap_notice(basemap, token):
            st.caption(basemap_notice(basemap, token))
        fmap = edit_map(catalog, place_id, mode, candidate=candidate, height=MAP_HEIGHT, basemap=basemap, token=token,
                        context=resources.edit_context(BASEMAPS[basemap][3]), max_zoom=MAX_FIT_ZOOM)
        assets.offline(fmap, mode="static")
        # a new map (empty drawing group) for each position in effect: after a save or a revert nothing drawn is left
        out = st_folium(fmap, key=f"corr_map_{place_id}_{mode}_{basemap}_{current.uid if current else 0}", height=MAP_HEIGHT,
                        use_container_width=True, returned_objects=["all_drawings"])
    if mode != "adopt":
        drawings = (out or {}).get("all_drawings")
        method = DRAWN if mode == "draw" else EDITED
        try:
            candidate = unshifted(geometry_from_drawings(drawings), basemap) if drawings is not None else None
        except CorrectionError as exc:
            candidate = None
            st.session_state.corr_msg = ("error", exc.message)
    with col_form:
        ok = False
        if candidate is not None:
            try:
                candidate = shaped(candidate, place)
                check_inside(candidate, place)
                st.success(describe(candidate, place_id, catalog))
                ok = True
            except CorrectionError as exc:
                st.error(exc.message)
        elif mode == "edit":
            st.info("修改后点地图上的「保存」，新图形会显示在这里。")
        elif mode == "draw":
            st.info("在地图上画出新位置后，这里会显示其面积或长度和所在乡镇。")
        with st.form("corr_form"):
            source = st.text_input("来源（必填）", placeholder="如：园区管委会 2025 年范围图", key="corr_source")
            date = st.date_input("来源日期", value=clock.today(), max_value=clock.today(), key="corr_date", format="YYYY-MM-DD")
            accuracy = st.radio("校正后的位置精度", list(CHOICES), format_func=CHOICES.get, horizontal=True, key="corr_accuracy")
            submitted = st.form_submit_button("保存校正", type="primary", disabled=not editable)
        if submitted:
            if not ok:
                st.session_state.corr_msg = ("error", "请先在地图上画出（或选择）一个有效的新位置，再保存。")
            else:
                _save(place_id, candidate, method, current.uid if current else None, source, date, accuracy)
                if st.session_state.corr_msg[0] == "success":
                    st.rerun()
        if st.session_state.get("corr_msg"):
            kind_, text = st.session_state.pop("corr_msg")
            (st.success if kind_ == "success" else st.error)(text)
        st.subheader("校准记录")
        history = correction_html(catalog, plan, place_id, feature)
        if catalog.corrections.entries_of(place_id):
            st.html(PANEL_CSS + f'<div class="cp" data-history="{esc(place_id)}">{history}</div>')
        else:
            st.caption("该地点还没有校正记录（现为规划随附位置）。")
        c1, c2 = st.columns(2)
        if current is not None and editable:
            c1.button("撤销当前校正", key="corr_revert", on_click=_revert, args=(place_id, current.uid),
                      help="恢复为这次校正之前的位置；撤销本身也记录在案")
        if feature is not None or current is not None:
            c2.button("在规划地图上查看", key="corr_to_map", on_click=_to_map, args=(catalog, place_id))
    _share()
