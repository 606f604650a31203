"""Measured totals of corrected features, shown beside the plan's own figure and never in its place.

The plan says 新建主次干道 9 条 25.85 公里; the shipped roads are drawn to that total (示意). Once the office corrects
some roads, their length measured in EPSG:4548 is a fact of a different kind: it is shown beside the plan's
figure (the tour, the panel, the exports' targets), while the figure itself stays the plan's.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.declarations import BY_ID, LAYERS
from layers.catalog import Catalog
from corrections.overlay import MARK

#: Plan targets (measures.yaml target id) → the features they count: (layer id, status or "" for all), as declared.
MEASURED_BESIDE = {target: (spec.id, status) for spec in LAYERS for target, status in spec.counted_by.items()}
_UNITS = {"LineString": ("条", "公里"), "Polygon": ("处", "平方公里"), "Point": ("处", "")}


@dataclass(frozen=True)
class MeasuredTotal:
    """How many of the features a plan figure counts are corrected, and their measured total (km or km²)."""

    target_id: str
    layer: str
    status: str
    corrected: int
    total: int
    measured: float

    @property
    def text(self) -> str:
        """半岛科学城路网（新建）中已校准 2/9 条，实测合计 3.40 公里（EPSG:4548；规划数不变）."""
        spec = BY_ID[self.layer]
        count_unit, unit = _UNITS[spec.geometry]
        what = f"{spec.title}（{self.status}）" if self.status else spec.title
        size = f"，实测合计 {self.measured:.2f} {unit}" if unit else ""
        return f"{what}中已校准 {self.corrected}/{self.total} {count_unit}{size}（EPSG:4548；规划数不变）"

    @property
    def short(self) -> str:
        """已校准 2/9 条，实测 3.40 公里: for a printed page's small line."""
        count_unit, unit = _UNITS[BY_ID[self.layer].geometry]
        size = f"，实测 {self.measured:.2f} {unit}" if unit else ""
        return f"已校准 {self.corrected}/{self.total} {count_unit}{size}"


def measured_beside(catalog: Catalog, target_id: str) -> MeasuredTotal | None:
    """The measured total of the corrected features a plan target counts; None when none is corrected (or no such target)."""
    if target_id not in MEASURED_BESIDE:
        return None
    layer, status = MEASURED_BESIDE[target_id]
    gdf = catalog.layers[layer]
    if status:
        gdf = gdf[gdf["status"] == status]
    corrected = gdf[gdf[MARK].fillna("") != ""] if MARK in gdf else gdf.iloc[0:0]
    if corrected.empty:
        return None
    column = {"LineString": "length_km", "Polygon": "area_km2"}.get(BY_ID[layer].geometry)
    measured = float(corrected[column].sum()) if column else 0.0
    return MeasuredTotal(target_id, layer, status, len(corrected), len(gdf), measured)


def figure_beside(catalog: Catalog, ref: str) -> MeasuredTotal | None:
    """The measured total beside a tour figure reference (`target:4.2-t3`), or None."""
    kind, _, target_id = str(ref).partition(":")
    return measured_beside(catalog, target_id) if kind == "target" else None


def targets_of_layer(layer_id: str) -> list[str]:
    """The plan targets whose features lie in a layer (so that layer's panel can show the measured total)."""
    return [tid for tid, (layer, _status) in MEASURED_BESIDE.items() if layer == layer_id]
