"""我的数据: adding a planner's files to the workspace (with the choices a file may need) and the report of what was read.

The uploader, the coordinate-system choice and the coordinate-source question come from `loaders.options`, so the
app offers what the command line offers. Layers go into the office store under the logged-in user's name; the form,
rename and delete are offered only to roles that may use them, and each change asks the store for the role again.
Point tables in lon/lat are stored only once the planner has said
where the coordinates were picked (GPS/天地图, 高德, 百度): a 550 m GCJ-02 shift is invisible until it is too late.
"""

from __future__ import annotations

import streamlit as st

from core.errors import ChaohuError, user_message
from core.formatting import esc
from layers.catalog import Catalog
from loaders.files import read_uploads
from loaders.options import COORD_SOURCES, CRS_CHOICES, MAX_UPLOAD_MB, UPLOAD_TYPES, UPLOADER_HELP, UPLOADER_LABEL, too_large
from core.clock import local_text
from store.base import RECYCLE_DAYS, LayerInfo, renamed_note
from views import errors, login, resources

NOT_SAID = ""

def upload_form(catalog: Catalog) -> None:
    """The form: files, coordinate system (automatic unless chosen), where point coordinates were picked (编辑 and 管理)."""
    if not login.current().can("upload"):
        st.caption(f"您的角色为「{login.current().role_name}」：可浏览和导出，不能上传或修改图层。")
        return
    with st.form("upload", clear_on_submit=False):
        uploads = st.file_uploader(UPLOADER_LABEL, accept_multiple_files=True, type=list(UPLOAD_TYPES), help=UPLOADER_HELP,
                                   max_upload_size=MAX_UPLOAD_MB)
        crs = st.selectbox("坐标系", list(CRS_CHOICES), format_func=CRS_CHOICES.get,
                           help="一般选“自动”；文件没有 .prj 或坐标系不对时在此指定")
        coords = st.radio("点位坐标来源（经纬度点位表必选）", [NOT_SAID, *COORD_SOURCES], horizontal=False,
                          format_func=lambda c: COORD_SOURCES.get(c, "未说明"))
        if st.form_submit_button("添加到地图"):
            if uploads:
                _add(catalog, uploads, crs, coords)
            else:  # e.g. pressed before the chosen file finished uploading
                st.session_state.upload_msg = ("error", ["请先选择文件，待文件名出现在上方后再点「添加到地图」。"])
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
    for layer in result.layers:
        try:  # each layer is one transaction: a lost database leaves nothing half-written, and the upload can be retried
            user = login.require("upload")
            info = resources.store().add_layer(layer.name, layer.gdf, user.name, source=layer.source)
            note = renamed_note(layer.name, info.name)  # a layer of that name exists: 名称（2）, and why
            stored.append(f"已添加「{info.name}」{len(layer.gdf)} 个要素" + (f"。{note}" if note else ""))
        except ChaohuError as exc:
            failed.append(f"「{layer.name}」未添加：{exc.message}")
    if failed and not stored:
        failed.append("文件仍在上方，可稍后再点「添加到地图」重试。")
    st.session_state.upload_msg = ("error" if failed and not stored else "success", [*stored, *failed, "", *result.lines()])
    if stored:  # the map must show the new layers; when nothing was stored the form keeps its files for a retry
        resources.forget_user_layers()
        st.rerun()


def added_text(info: LayerInfo) -> str:
    """Who added a layer and when, its size and file: 「张三 2026-05-01 09:30 添加 · 12 个要素 · 来自 地块.zip」."""
    source = f" · 来自 {info.source}" if info.source else ""
    return f"{info.added_by} {local_text(info.added_at)} 添加 · {info.features} 个要素{source}"


def _apply(action: str, permission: str, change) -> None:
    """Run one change to a layer as the current user (role checked against the store first); keep what happened for the list."""
    try:
        user = login.require(permission)
        st.session_state.layer_msg = ("success", change(user.name))
    except ChaohuError as exc:
        st.session_state.layer_msg = ("error", f"{action}未完成：{exc.message}")
    except Exception as exc:  # noqa: BLE001 — a callback's error would otherwise reach the page as a traceback
        errors.log.exception("layer change failed")
        st.session_state.layer_msg = ("error", f"{action}未完成：{user_message(exc)}")
    resources.forget_user_layers()


def _rename(name: str) -> None:
    """The name box of a layer was edited: rename it; the box shows the stored name again when the store refuses."""
    key = f"ws_name_{name}"
    new = (st.session_state.get(key) or "").strip()
    if new and new != name:
        _apply("重命名", "rename", lambda who: f"已改名为「{resources.store().rename_layer(name, new, who)}」")
    st.session_state[key] = name  # after a rename this box is gone (the next run draws the new name's box)


def _remove(name: str) -> None:
    """删除: the layer goes to the recycle bin (restorable on the 变更记录 page)."""
    def change(who: str) -> str:
        resources.store().remove_layer(name, who)
        return f"已将「{name}」移入回收站，{RECYCLE_DAYS} 天内可在「变更记录」页恢复。"
    _apply("删除", "remove", change)


def layer_list() -> None:
    """The planner's layers with who added them and when; rename in place and remove (into the recycle bin) for those allowed."""
    user = login.current()
    with errors.reported(stop=False):
        for info in resources.store().layers():
            name = info.name
            if user.can("rename"):
                key = f"ws_name_{name}"
                st.session_state.setdefault(key, name)
                st.text_input("图层名称", key=key, label_visibility="collapsed", on_change=_rename, args=(name,))
            else:
                st.html(f'<div class="layer-name" style="font-weight:600">{esc(name)}</div>')
            st.html(f'<div class="layer-added" style="font-size:12px;color:#666">{esc(added_text(info))}</div>')
            if user.can("remove"):
                st.button("删除", key=f"ws_del_{name}", on_click=_remove, args=(name,))
    message = st.session_state.pop("layer_msg", None)
    if message:
        kind, text = message
        st.html(f'<div class="layer-report" data-kind="{kind}" style="font-size:13px;color:'
                f'{"#b00020" if kind == "error" else "#1b5e20"}">{esc(text)}</div>')
