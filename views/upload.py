"""我的数据: adding a planner's files to the workspace (with the choices a file may need) and the report of what was read.

The uploader, the coordinate-system choice and the coordinate-source question come from `loaders.options`, so the
app offers what the command line offers. Point tables in lon/lat are stored only once the planner has said
where the coordinates were picked (GPS/天地图, 高德, 百度): a 550 m GCJ-02 shift is invisible until it is too late.
"""

from __future__ import annotations

import streamlit as st

from core.errors import ChaohuError
from core.formatting import esc
from layers.catalog import Catalog
from loaders.files import read_uploads
from loaders.options import COORD_SOURCES, CRS_CHOICES, MAX_UPLOAD_MB, UPLOAD_TYPES, UPLOADER_HELP, UPLOADER_LABEL, too_large
from loaders.workspace import Workspace
from views import resources

NOT_SAID = ""
#: Streamlit's own uploader texts are English; these rules show ours instead (the help text says the rest).
UPLOADER_CSS = """<style>
[data-testid="stFileUploaderDropzoneInstructions"] > div > span {font-size:0 !important}
[data-testid="stFileUploaderDropzoneInstructions"] > div > span::after {content:"拖放文件到此处"; font-size:14px}
[data-testid="stFileUploaderDropzoneInstructions"] > div > small {font-size:0 !important}
[data-testid="stFileUploaderDropzoneInstructions"] > div > small::after {content:"单个文件不超过 __MB__ MB"; font-size:12px}
[data-testid="stFileUploaderDropzone"] button {font-size:0 !important}
[data-testid="stFileUploaderDropzone"] button::after {content:"选择文件"; font-size:14px}
</style>""".replace("__MB__", str(MAX_UPLOAD_MB))


def upload_form(catalog: Catalog) -> None:
    """The form: files, coordinate system (automatic unless chosen), where point coordinates were picked."""
    st.html(UPLOADER_CSS)
    with st.form("upload", clear_on_submit=False):
        uploads = st.file_uploader(UPLOADER_LABEL, accept_multiple_files=True, type=list(UPLOAD_TYPES), help=UPLOADER_HELP)
        crs = st.selectbox("坐标系", list(CRS_CHOICES), format_func=CRS_CHOICES.get,
                           help="一般选“自动”；文件没有 .prj 或坐标系不对时在此指定")
        coords = st.radio("点位坐标来源（经纬度点位表必选）", [NOT_SAID, *COORD_SOURCES], horizontal=False,
                          format_func=lambda c: COORD_SOURCES.get(c, "未说明"))
        if st.form_submit_button("添加到地图") and uploads:
            _add(catalog, uploads, crs, coords)
    message = st.session_state.get("upload_msg")
    if message:
        kind, lines = message
        style = "#fdecea" if kind == "error" else "#fff7e0" if kind == "ask" else "#e9f6ec"
        st.html(f'<div class="upload-report" data-kind="{kind}" style="background:{style};padding:8px 10px;border-radius:4px;'
                f'font-size:13px;white-space:pre-wrap">{esc(chr(10).join(lines))}</div>')


def _too_large(uploads) -> str | None:
    """Our Chinese message for a file over the limit (Streamlit lets it through up to its own, higher limit)."""
    for u in uploads:
        if u.size > MAX_UPLOAD_MB * 1024**2:
            return too_large(u.name, u.size)
    return None


def _add(catalog: Catalog, uploads, crs: str, coords: str) -> None:
    """Read the files; store their layers unless a point table's coordinate source is still unknown; report either way."""
    if (refusal := _too_large(uploads)) is not None:
        st.session_state.upload_msg = ("error", [refusal])
        return
    bar = st.progress(0.0, text="正在读取…")
    try:
        points = catalog.features[catalog.features.geom_type == "Point"].geometry
        result = read_uploads([(u.name, u.getvalue()) for u in uploads], coords=coords or None, crs=crs or None,
                              progress=lambda f, msg: bar.progress(min(max(f, 0.0), 1.0), text=msg),
                              reference_points=points)
    except ChaohuError as exc:
        st.session_state.upload_msg = ("error", [exc.message])
        return
    finally:
        bar.empty()
    unsure = [lr.name for lr in result.layers if lr.needs_coord_source_confirmation]
    if unsure:
        st.session_state.upload_msg = ("ask", [
            f"「{'、'.join(unsure)}」是经纬度点位：请在「点位坐标来源」中选择这些坐标是在哪里拾取的"
            "（GPS/天地图/奥维、高德/腾讯或百度），再点「添加到地图」。未添加任何图层。", "", *result.lines()])
        return
    stored, failed = [], []
    ws = Workspace()
    for layer in result.layers:
        try:
            stored.append(f"已添加「{ws.add(layer.name, layer.gdf)}」{len(layer.gdf)} 个要素")
        except ChaohuError as exc:
            failed.append(f"「{layer.name}」未添加：{exc.message}")
    st.session_state.upload_msg = ("error" if failed and not stored else "success", [*stored, *failed, "", *result.lines()])
    resources.forget_user_layers()
    st.rerun()


def layer_list() -> None:
    """The planner's layers: rename in place, remove."""
    ws = Workspace()
    for name in ws.layers():
        c1, c2 = st.columns([3, 1])
        new = c1.text_input("图层名称", value=name, key=f"ws_name_{name}", label_visibility="collapsed")
        if new and new != name:
            try:
                ws.rename(name, new)
            except ChaohuError as exc:
                st.error(exc.message)
            resources.forget_user_layers()
            st.rerun()
        if c2.button("删除", key=f"ws_del_{name}"):
            ws.remove(name)
            resources.forget_user_layers()
            st.rerun()
