"""The panel's 已校准 block as HTML: the correction in effect, the place's whole correction history, and measured
totals beside the plan's figures. Nothing here touches Streamlit; every value is escaped."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from core.templates import style_element
from core.formatting import accuracy_label, esc as _e
from geo.crs import MEASURE, STORAGE
from layers.catalog import Catalog
from layers.measured import measured_beside, targets_of_layer
from corrections.checks import size_words
from loaders.plan import Plan
from core.clock import local_text
from store.corrections import REVERT, CorrectionEntry

CORRECTION_CSS = style_element("views", "correction_panel.css")


def moved_km(before, after) -> float | None:
    """How far a place moved (between representative points, km in EPSG:4548); None when either is missing."""
    if before is None or after is None:
        return None
    points = gpd.GeoSeries([before.representative_point(), after.representative_point()], crs=STORAGE).to_crs(MEASURE)
    return float(points.iloc[0].distance(points.iloc[1])) / 1000


def entry_html(entry: CorrectionEntry, kind: str) -> str:
    """One line of the history: when, who, what, source and date, accuracy and size before → after."""
    when = f'<span class="when">{_e(local_text(entry.made_at))}</span> {_e(entry.made_by)}'
    before = accuracy_label(entry.before_accuracy) or "规划未给位置"
    sizes = [size_words(entry.before_geometry, kind, entry.before_accuracy, prefix=False),
             size_words(entry.geometry, kind, entry.accuracy, prefix=False)]
    size = f"；{sizes[0] or '无'} → {sizes[1] or '无'}" if any(sizes) else ""
    moved = moved_km(entry.before_geometry, entry.geometry)
    move = f"；位置移动约 {moved:.2f} 公里" if moved is not None and moved >= 0.005 else ""
    origin = f"；导入自 {_e(entry.origin)}" if entry.origin else ""
    if entry.action == REVERT:
        back = f"恢复为「{_e(entry.source)}」（{_e(entry.source_date)}）的校正" if entry.source else "恢复为规划随附位置"
        return (f"<li data-entry=\"{_e(entry.uid)}\">{when} <b>撤销校正</b>：{back}；位置精度 "
                f"{_e(accuracy_label(entry.before_accuracy))} → {_e(accuracy_label(entry.accuracy) or '规划未给位置')}"
                f"{_e(size)}{move}{origin}</li>")
    return (f"<li data-entry=\"{_e(entry.uid)}\">{when} <b>校正位置</b>（{_e(entry.method)}）：来源「{_e(entry.source)}」"
            f"（{_e(entry.source_date)}）；位置精度 {_e(before)} → {_e(accuracy_label(entry.accuracy))}{_e(size)}{move}{origin}</li>")


def correction_html(catalog: Catalog, plan: Plan, place_id: str, feature: pd.Series | None) -> str:
    """The 已校准 block of a place's panel: the correction in effect, the history (newest first), measured totals;
    `feature` is the place on the map as the caller resolved it (None for a place without a position)."""
    parts = []
    if feature is not None:
        for tid in targets_of_layer(feature["layer"]):
            total = measured_beside(catalog, tid)
            target = plan.target(tid)
            if total is not None:
                parts.append(f'<div class="measured" data-target="{_e(tid)}">规划：{_e(target.what)} '
                             f"{_e(f'{target.value:g}')} {_e(target.unit)}；{_e(total.text)}</div>")
    history = catalog.corrections.entries_of(place_id)
    if not history:
        return "".join(parts)
    kind = catalog.spec(feature["layer"]).geometry if feature is not None else "Polygon"
    current = catalog.corrections.of(place_id)
    if current is not None:
        head = (f'<div><span class="corr-badge">✓ 已校准</span>：来源「{_e(current.source)}」（{_e(current.source_date)}），'
                f"{_e(accuracy_label(current.accuracy))}；{_e(current.made_by)} 于 {_e(local_text(current.made_at))} 校正</div>")
    else:
        head = "<div>现为规划随附位置（曾校正，已撤销）。</div>"
    items = "".join(entry_html(e, kind) for e in history)
    block = (f'{CORRECTION_CSS}<div class="corr" data-corrected="{1 if current is not None else 0}">{head}'
             f"<details open><summary>校准记录（{len(history)} 条）</summary><ol>{items}</ol></details></div>")
    return "".join(parts) + block
