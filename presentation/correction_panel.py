"""The panel's 已校准 block as HTML (presentation/templates/correction_panel.html.j2): the correction in effect, the place's
whole correction history, and measured totals beside the plan's figures. Nothing here touches Streamlit; every value
is escaped."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
from markupsafe import Markup

from core.formatting import accuracy_label
from core.templates import render, style_element
from geo.crs import MEASURE, STORAGE
from layers.catalog import Catalog
from layers.measured import measured_beside, targets_of_layer
from corrections.checks import size_words
from loaders.plan import Plan
from core.clock import local_text
from store.corrections import REVERT, CorrectionEntry

CORRECTION_CSS = style_element("presentation", "correction_panel.css")


def moved_km(before, after) -> float | None:
    """How far a place moved (between representative points, km in EPSG:4548); None when either is missing."""
    if before is None or after is None:
        return None
    points = gpd.GeoSeries([before.representative_point(), after.representative_point()], crs=STORAGE).to_crs(MEASURE)
    return float(points.iloc[0].distance(points.iloc[1])) / 1000


def entry_words(entry: CorrectionEntry, kind: str) -> dict:
    """One line of the history in words: when, who, what, source and date, accuracy and size before → after."""
    revert = entry.action == REVERT
    sizes = [size_words(entry.before_geometry, kind, entry.before_accuracy, prefix=False),
             size_words(entry.geometry, kind, entry.accuracy, prefix=False)]
    moved = moved_km(entry.before_geometry, entry.geometry)
    return {"uid": entry.uid, "made_at": local_text(entry.made_at), "made_by": entry.made_by, "revert": revert,
            "method": entry.method, "source": entry.source, "source_date": entry.source_date, "origin": entry.origin,
            "before": accuracy_label(entry.before_accuracy) or ("" if revert else "规划未给位置"),
            "after": accuracy_label(entry.accuracy) or ("规划未给位置" if revert else ""),
            "size": f"；{sizes[0] or '无'} → {sizes[1] or '无'}" if any(sizes) else "",
            "moved": f"{moved:.2f}" if moved is not None and moved >= 0.005 else ""}


def correction_html(catalog: Catalog, plan: Plan, place_id: str, feature: pd.Series | None) -> str:
    """The 已校准 block of a place's panel: the correction in effect, the history (newest first), measured totals;
    `feature` is the place on the map as the caller resolved it (None for a place without a position)."""
    measured = []
    if feature is not None:
        for tid in targets_of_layer(feature["layer"]):
            total = measured_beside(catalog, tid)
            target = plan.target(tid)
            if total is not None:
                measured.append({"target": tid, "what": target.what, "value": f"{target.value:g}", "unit": target.unit,
                                 "text": total.text})
    history = catalog.corrections.entries_of(place_id)
    kind = catalog.spec(feature["layer"]).geometry if feature is not None else "Polygon"
    current = catalog.corrections.of(place_id)
    now = None if current is None else {
        "source": current.source, "source_date": current.source_date, "accuracy": accuracy_label(current.accuracy),
        "made_by": current.made_by, "made_at": local_text(current.made_at)}
    return render("presentation", "correction_panel.html.j2", css=Markup(CORRECTION_CSS), measured=measured,
                  entries=[entry_words(e, kind) for e in history] if history else [], current=now)
