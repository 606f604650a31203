"""What reading a planner's file decided and repaired, per layer, as data (pydantic) and as Chinese lines for the CLI and the app."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

#: How a layer's CRS was decided, in Chinese.
CRS_HOW = {"declared": "文件声明", "specified": "导入时指定", "inferred": "由坐标数值推断", "corrected": "文件声明与数值不符，按数值改定"}
COORD_SOURCES = {"wgs84": "WGS84/CGCS2000（已确认）", "gcj02": "GCJ-02（高德/腾讯），已转换", "bd09": "BD-09（百度），已转换",
                 None: "未确认"}


class FieldRename(BaseModel):
    """One field renamed while reading: the name in the file, the name kept, and why (Chinese)."""

    original: str
    name: str
    why: str


class CrsDecision(BaseModel):
    """The CRS the numbers were read in, how it was decided, and what the file declared."""

    used: str
    name: str
    how: Literal["declared", "specified", "inferred", "corrected"]
    why: str
    declared: str | None = None
    alternatives: list[str] = Field(default_factory=list)


class EncodingReport(BaseModel):
    """The text encoding used, whether it was judged from the bytes, and why (Chinese)."""

    used: str
    detected: bool
    why: str = ""


class Plausibility(BaseModel):
    """Where the layer landed: its middle, how far that is from 巢湖市, and how many features were refused as impossible."""

    centre_lon: float
    centre_lat: float
    distance_km: float
    near: bool
    dropped: int = 0
    why: str


class CoordSource(BaseModel):
    """Where lon/lat points were picked: what the names suggest, what was used, and whether the user must be asked."""

    hint: Literal["gcj02", "bd09"] | None = None
    hint_words: str = ""
    used: Literal["wgs84", "gcj02", "bd09"] | None = None
    needs_confirmation: bool = False


class LayerReport(BaseModel):
    """Everything decided and repaired for one layer (not the data)."""

    name: str
    source: str
    features: int
    geometry_types: list[str]
    fields: list[str]
    bounds_wgs84: list[float]
    crs: CrsDecision
    encoding: EncodingReport
    datum: str = ""
    field_renames: list[FieldRename] = Field(default_factory=list)
    coordinates: str = ""
    plausibility: Plausibility
    coord_source: CoordSource = Field(default_factory=CoordSource)
    repairs: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)


class ReadReport(BaseModel):
    """The report of one upload or path: every layer read, and what concerned the whole input (files or layers skipped)."""

    source: str
    layers: list[LayerReport]
    warnings: list[str] = Field(default_factory=list)


def layer_lines(r: LayerReport) -> list[str]:
    """One layer's report as Chinese lines (no leading blank line)."""
    minx, miny, maxx, maxy = r.bounds_wgs84
    lines = [
        f"图层「{r.name}」（来自 {r.source}）",
        f"  要素数：{r.features}    几何类型：{'、'.join(r.geometry_types)}",
        f"  坐标系：{r.crs.used}（{CRS_HOW[r.crs.how]}）：{r.crs.why}",
        f"  编码：{r.encoding.used}（{'由字节判断' if r.encoding.detected else '文件声明或格式规定'}）" + (f"：{r.encoding.why}" if r.encoding.why else ""),
        f"  位置：{r.plausibility.why}",
        f"  范围（WGS84）：经度 {minx:.6f} – {maxx:.6f}，纬度 {miny:.6f} – {maxy:.6f}",
    ]
    if r.datum:
        lines.append(f"  基准：{r.datum}")
    if r.coordinates:
        lines.append(f"  坐标列：{r.coordinates}")
    if r.coord_source.hint or r.coord_source.needs_confirmation or r.coord_source.used:
        lines.append(f"  坐标来源：{COORD_SOURCES[r.coord_source.used]}" + ("，需要确认" if r.coord_source.needs_confirmation else ""))
    lines += [f"  字段：{f.original} → {f.name}（{f.why}）" for f in r.field_renames]
    lines += [f"  修复：{x}" for x in r.repairs] + [f"  提示：{w}" for w in r.warnings]
    if not r.repairs and not r.warnings and not r.field_renames:
        lines.append("  无修复、无问题")
    return lines


def report_lines(report: ReadReport) -> list[str]:
    """The whole report as Chinese lines: a heading, each layer (blank line between), then what was skipped."""
    lines = [f"文件：{report.source}    图层：{len(report.layers)} 个"]
    for layer in report.layers:
        lines += [""] + layer_lines(layer)
    if report.warnings:
        lines += [""] + [f"提示：{w}" for w in report.warnings]
    return lines
