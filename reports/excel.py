"""Town summaries as an Excel workbook: 总览 (one row per town + 合计), a sheet per town, and 说明."""

from __future__ import annotations

import math
import unicodedata
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from core.formatting import map_note
from core.spreadsheets import text_only
from reports.summary import (
    AREA_CAVEAT, CROSSING_NOTE, DEADLINE_COLUMNS, FEATURE_COLUMNS, HEADERS, KINDS, LAYER_COLUMNS, MEASURE_COLUMNS,
    MEASURE_NOTE, TownSummary, overview, overview_columns,
)

#: Excel number format by kind of value.
FORMATS = {"km2": "0.00", "km": "0.00", "mu": "#,##0", "pct": "0%", "int": "0", "share": "0%"}
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
MAX_WIDTH = 60



def display_width(value) -> int:
    """Width of a value in Excel character units: CJK characters count double."""
    text = "" if value is None else str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _clean(value):
    """NaN/None → empty cell; numpy scalars → Python numbers."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def _write_table(ws, top: int, frame: pd.DataFrame, columns: list[tuple[str, str, str]]) -> int:
    """A table with a bold filled header at row `top`; returns the first row after it."""
    for c, (_, heading, _) in enumerate(columns, start=1):
        cell = ws.cell(row=top, column=c, value=heading)
        cell.font, cell.fill, cell.alignment = BOLD, HEADER_FILL, Alignment(wrap_text=True, vertical="center")
    for r, (_, row) in enumerate(frame.iterrows(), start=top + 1):
        for c, (key, _, kind) in enumerate(columns, start=1):
            cell = ws.cell(row=r, column=c, value=_clean(row.get(key)))
            if kind in FORMATS:
                cell.number_format = FORMATS[kind]
            elif isinstance(cell.value, str) and len(cell.value) > MAX_WIDTH // 2:
                cell.alignment = WRAP
    return top + 1 + len(frame)


def _columns(keys: list[str]) -> list[tuple[str, str, str]]:
    return [(k, HEADERS[k], KINDS.get(k, "text")) for k in keys]


def _fit_widths(ws, skip_rows: set[int] = frozenset()) -> None:
    """Column widths from the longest value in each column (capped), ignoring the title rows."""
    widths: dict[int, int] = {}
    for row in ws.iter_rows():
        for cell in row:
            if cell.row in skip_rows or cell.value is None:
                continue
            value = cell.value
            if isinstance(value, float):
                value = f"{value:,.2f}"
            widths[cell.column] = max(widths.get(cell.column, 0), display_width(value))
    for col, width in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = min(max(width + 2, 8), MAX_WIDTH)


def write_overview(ws, summaries: list[TownSummary]) -> None:
    """The 总览 sheet: frozen header row and town column, one row per town, 合计 in bold."""
    frame = overview(summaries)
    columns = overview_columns(summaries)
    end = _write_table(ws, 1, frame, columns)
    for c in range(1, len(columns) + 1):
        ws.cell(row=end - 1, column=c).font = BOLD
        ws.cell(row=end - 1, column=c).fill = TOTAL_FILL
    ws.freeze_panes = "B2"
    _fit_widths(ws)
    for c in range(3, len(columns) + 1):  # numeric headings wrap instead of widening the columns
        letter = get_column_letter(c)
        ws.column_dimensions[letter].width = min(ws.column_dimensions[letter].width, 16)
    ws.row_dimensions[1].height = 45
    ws.cell(row=end + 1, column=1, value="注：" + AREA_CAVEAT + CROSSING_NOTE)


def write_town(ws, summary: TownSummary) -> None:
    """A town's sheet: title and accuracy rows (frozen), then 按图层汇总, 要素清单, 相关措施, 时限要求."""
    ws.cell(row=1, column=1, value=f"{summary.label}（{summary.kind}）· 规划要素与措施汇总 · {summary.date:%Y-%m-%d}").font = Font(bold=True, size=14)
    ws.cell(row=2, column=1, value="位置精度：" + summary.accuracy).font = Font(color="A00000")
    ws.freeze_panes = "A3"
    row, titles = 4, {1, 2}
    sections = [
        ("一、按图层汇总（面积、长度为位于本范围内的部分）", summary.layers, LAYER_COLUMNS),
        ("二、要素清单（跨乡镇要素按所占比例计入）", summary.features, FEATURE_COLUMNS),
        ("三、相关措施（关联本范围要素或点名本乡镇）", summary.measures, MEASURE_COLUMNS),
        ("四、时限要求", summary.deadlines, DEADLINE_COLUMNS),
    ]
    for heading, frame, keys in sections:
        ws.cell(row=row, column=1, value=heading).font = Font(bold=True, size=12)
        titles.add(row)
        if frame.empty:
            ws.cell(row=row + 1, column=1, value="（无）")
            row += 3
            continue
        row = _write_table(ws, row + 1, frame, _columns(keys)) + 1
    if summary.scope_note:
        ws.cell(row=row, column=1, value="注：" + summary.scope_note)
    _fit_widths(ws, skip_rows=titles | {row})


def write_notes(ws, summaries: list[TownSummary], sources: list[tuple[str, str]]) -> None:
    """The 说明 sheet: what, when, from where, how measured, and how accurate."""
    date = summaries[0].date if summaries else None
    rows = [
        ("内容", "《巢湖市冲刺“高质量千亿制造业”目标实施方案》规划要素与措施按乡镇/街道汇总"),
        ("生成日期", f"{date:%Y-%m-%d}" if date else ""),
        ("范围", "、".join(s.label for s in summaries)),
        *sources,
        ("计算方法", MEASURE_NOTE),
        ("跨界要素", CROSSING_NOTE),
        ("精度说明", AREA_CAVEAT + "规划未给出位置的地点按文字描述示意（位置精度为“示意位置”或“大致位置”），"
                 "其面积、长度只说明量级，不是测绘成果。"),
        ("泛指措施", summaries[0].scope_note if summaries else ""),
        ("地图说明", map_note()),
    ]
    for r, (key, value) in enumerate([("项目", "说明"), *rows], start=1):
        ws.cell(row=r, column=1, value=key).font = BOLD
        cell = ws.cell(row=r, column=2, value=value)
        cell.alignment = WRAP
    for c in (1, 2):
        ws.cell(row=1, column=c).fill = HEADER_FILL
        ws.cell(row=1, column=c).font = BOLD
    ws.freeze_panes = "A2"
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["B"].width = 100


def workbook(summaries: list[TownSummary], sources: list[tuple[str, str]]) -> Workbook:
    """The workbook: 总览, one sheet per summary, 说明."""
    wb = Workbook()
    write_overview(wb.active, summaries)
    wb.active.title = "总览"
    for summary in summaries:
        write_town(wb.create_sheet(summary.sheet_name), summary)
    write_notes(wb.create_sheet("说明"), summaries, sources)
    text_only(wb)
    return wb


def write_xlsx(summaries: list[TownSummary], sources: list[tuple[str, str]], path: Path) -> Path:
    """Save the workbook of these summaries to path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook(summaries, sources).save(path)
    return path
