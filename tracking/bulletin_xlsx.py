"""The 通报 as an Excel workbook: 通报 (headline and every table), 全部事项 (each item's current state), 说明."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from core.spreadsheets import text_only
from reports.excel import BOLD, HEADER_FILL, TOTAL_FILL, WRAP, display_width
from tracking.bulletin import TITLE, Bulletin, headline, item_table, sections

PERCENT_COLUMNS = ("完成度",)
MAX_WIDTH = 50


def _table(ws, top: int, frame: pd.DataFrame, total_last: bool = False) -> int:
    """A table with a bold filled header at row `top`; returns the row after it."""
    for c, heading in enumerate(frame.columns, start=1):
        cell = ws.cell(row=top, column=c, value=heading)
        cell.font, cell.fill, cell.alignment = BOLD, HEADER_FILL, Alignment(wrap_text=True, vertical="center")
    for r, row in enumerate(frame.itertuples(index=False), start=top + 1):
        for c, (heading, value) in enumerate(zip(frame.columns, row), start=1):
            value = None if value is None or (isinstance(value, float) and value != value) else value
            cell = ws.cell(row=r, column=c, value=value.item() if hasattr(value, "item") else value)
            if heading in PERCENT_COLUMNS:
                cell.number_format = "0%"
            elif isinstance(value, str) and display_width(value) > MAX_WIDTH:
                cell.alignment = WRAP
            if total_last and r == top + len(frame):
                cell.font, cell.fill = BOLD, TOTAL_FILL
    return top + 1 + len(frame)


def _widths(ws) -> None:
    """Column widths from the longest value (titles in column A excepted), capped."""
    widths: dict[int, int] = {}
    for row in ws.iter_rows(min_row=3):
        for cell in row:
            if cell.value is not None and not (cell.column == 1 and cell.font and cell.font.size and cell.font.size > 11):
                widths[cell.column] = max(widths.get(cell.column, 0), display_width(cell.value))
    for col, width in widths.items():
        ws.column_dimensions[ws.cell(row=1, column=col).column_letter].width = min(max(width + 2, 8), MAX_WIDTH)


def workbook(bulletin: Bulletin) -> Workbook:
    """The workbook of one month's 通报."""
    wb = Workbook()
    ws = wb.active
    ws.title = "通报"
    ws.cell(row=1, column=1, value=f"{TITLE}（{bulletin.label}）").font = Font(bold=True, size=14)
    ws.cell(row=2, column=1, value=headline(bulletin))
    row = 4
    for heading, frame, empty in sections(bulletin):
        ws.cell(row=row, column=1, value=heading).font = Font(bold=True, size=12)
        if frame.empty:
            ws.cell(row=row + 1, column=1, value=empty)
            row += 3
            continue
        row = _table(ws, row + 1, frame, total_last=heading.startswith("一、")) + 1
    for note in bulletin.notes():
        ws.cell(row=row, column=1, value="注：" + note).font = Font(color="A00000")
        row += 1
    _widths(ws)
    ws.freeze_panes = "A3"
    items = wb.create_sheet("全部事项")
    _table(items, 1, item_table(bulletin.board.states))
    items.freeze_panes = "D2"
    _widths(items)
    notes = wb.create_sheet("说明")
    for r, note in enumerate(bulletin.notes(), start=1):
        notes.cell(row=r, column=1, value=note).alignment = WRAP
    notes.column_dimensions["A"].width = 120
    text_only(wb)  # a unit's note is text, never a formula Excel would run
    return wb


def write_xlsx(bulletin: Bulletin, path: Path) -> Path:
    """Save the 通报 workbook to path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook(bulletin).save(path)
    return path


def xlsx_bytes(bulletin: Bulletin) -> bytes:
    """The 通报 workbook as bytes (a download button)."""
    buf = io.BytesIO()
    workbook(bulletin).save(buf)
    return buf.getvalue()
