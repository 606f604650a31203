"""The progress workbook a lead unit fills: one row per item it leads, a drop-down for 进展状态, the columns it may
not change locked (sheet protection; only its four input columns are open), and a hidden marker so an old or
foreign workbook is recognised on import (tracking/workbook.py reads it back).
"""

from __future__ import annotations

import io
import re
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from core.formats import FORMATS
from core.progress import STATUSES, YEAR_LABEL
from tracking.board import Board
from core.clock import BEIJING
from tracking.errors import ProgressError
from tracking.items import NO_LEAD, NO_LEAD_ID
from tracking.records import EARLIEST_REPORT, MAX_NOTE
from tracking.workbook import (COLUMNS, DATE_COL, GUIDE_SHEET, HEADER_ROW, MARKER, MARKER_KEYS, MARKER_SHEET,
                                       NOTE_COL, SHEET, STATUS_COL, TEMPLATE_VERSION, VALUE_COL)
from core.spreadsheets import text_only
from reports.excel import BOLD, HEADER_FILL, WRAP

#: Column widths (Excel character units), in COLUMNS order.
WIDTHS = (10, 44, 16, 22, 30, 12, 12, 40, 13)
INPUT_FILL = PatternFill("solid", fgColor="FFF9DB")
LOCKED_FILL = PatternFill("solid", fgColor="F1F3F5")
UNLOCKED = Protection(locked=False)
XLSX_MIME = FORMATS["xlsx"].mime


def file_name(unit: str) -> str:
    """`市经信委_进展填报.xlsx` (characters a file system refuses replaced)."""
    return re.sub(r'[\\/:*?"<>|]', "_", unit) + "_进展填报.xlsx"


def item_title(item) -> str:
    """The 事项 cell: the kind, the plan's words and, for a target, its value and the unit 完成值 is in."""
    if item.kind == "target":
        return f"{item.kind_name}：{item.title}（{item.requirement}；完成值单位：{item.unit}）"
    if item.kind == "place":
        return f"{item.kind_name}：{item.title}（规划要求：{item.requirement}）"
    return f"{item.kind_name}：{item.title}"


def _guide(ws, unit: str, board: Board) -> None:
    """The 填写说明 sheet: what to fill, what each status means, what happens on import."""
    year = board.year
    rows = [
        ("填报单位", unit),
        ("填写位置", f"只在「{SHEET}」表的黄色单元格中填写：{STATUS_COL}（下拉选择）、{VALUE_COL}、{NOTE_COL}、{DATE_COL}；"
                 "灰色列来自方案，已锁定。"),
        (STATUS_COL, "、".join(STATUSES) + "：按事项的实际情况选择。「滞后」「调整」请在进展说明中写明原因。"),
        (VALUE_COL, "仅量化目标填写，单位与目标相同（如 公里、个、亿元），只填数字；超过目标时须在进展说明中写明原因。"),
        (DATE_COL, f"进展情况所对应的日期（不能晚于导入当天，不能早于 {EARLIEST_REPORT.year} 年）。"),
        (NOTE_COL, f"简要说明进展、问题和下一步，最多 {MAX_NOTE} 字。"),
        ("不填的行", "本次没有新进展的事项整行留空即可，不会记录。"),
        ("时限", f"方案原文未写年份；{YEAR_LABEL}为 {year} 年" if year else
         f"方案原文未写年份；{YEAR_LABEL}尚未设置，时限暂不换算为日期、不判断逾期"),
        ("导入", "导入时逐行检查；有任何一处问题则整份不导入，并列出每个有问题的行和列。已导入的记录不会被改写，"
               "新填报作为新记录追加，最新一条为当前状态。"),
        ("模板版本", f"第 {TEMPLATE_VERSION} 版（旧版模板不能导入）"),
    ]
    ws.cell(row=1, column=1, value="项目").font = BOLD
    ws.cell(row=1, column=2, value="说明").font = BOLD
    for r, (key, text) in enumerate(rows, start=2):
        ws.cell(row=r, column=1, value=key).font = BOLD
        ws.cell(row=r, column=2, value=text).alignment = WRAP
    for c in (1, 2):
        ws.cell(row=1, column=c).fill = HEADER_FILL
    ws.column_dimensions["A"].width = 12
    ws.column_dimensions["B"].width = 100


def _marker(wb: Workbook, unit_id: str, unit: str, board: Board) -> None:
    """The very hidden sheet that identifies the template, its version and unit."""
    ws = wb.create_sheet(MARKER_SHEET)
    values = (MARKER, str(TEMPLATE_VERSION), unit_id, unit, datetime.now(BEIJING).isoformat(timespec="seconds"),
              board.items.digest, str(board.year or ""))
    for r, (key, value) in enumerate(zip(MARKER_KEYS, values), start=1):
        ws.cell(row=r, column=1, value=key)
        ws.cell(row=r, column=2, value=value).number_format = "@"
    ws.sheet_state = "veryHidden"
    ws.protection.sheet = True


def workbook(board: Board, unit_id: str) -> Workbook:
    """The template for one lead unit (NO_LEAD_ID: the items whose measure names none)."""
    items = board.items.of_unit(unit_id)
    if not items:
        raise ProgressError(f"单位「{unit_id}」没有牵头的跟踪事项。")
    unit = NO_LEAD if unit_id == NO_LEAD_ID else dict(board.items.units())[unit_id]
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.cell(row=1, column=1, value=f"{unit} · 实施方案进展填报").font = Font(bold=True, size=14)
    year_note = f"{YEAR_LABEL} {board.year} 年" if board.year else f"{YEAR_LABEL}未设置，时限暂不换算为日期"
    ws.cell(row=2, column=1, value=f"模板生成于 {board.on.isoformat()}（当前状态截至该日）；{year_note}。"
                                   "只填黄色单元格，本次无进展的行留空。").font = Font(color="666666")
    for c, (heading, width) in enumerate(zip(COLUMNS, WIDTHS), start=1):
        cell = ws.cell(row=HEADER_ROW, column=c, value=heading)
        cell.font, cell.fill, cell.alignment = BOLD, HEADER_FILL, Alignment(horizontal="center", vertical="center")
        ws.column_dimensions[get_column_letter(c)].width = width
    first = HEADER_ROW + 1
    for r, item in enumerate(items, start=first):
        state = board.state(item.id)
        flag = "；已逾期" if state.overdue else "；临近时限" if state.due_soon else ""
        values = (item.id, item_title(item), item.lead_text, state.due_label, state.summary() + flag)
        for c, value in enumerate(values, start=1):
            cell = ws.cell(row=r, column=c, value=value)
            cell.number_format = "@"
            cell.fill, cell.alignment = LOCKED_FILL, WRAP
        for c in range(6, 10):
            cell = ws.cell(row=r, column=c)
            open_cell = c != 7 or item.quantified  # 完成值 only for quantified targets
            cell.fill = INPUT_FILL if open_cell else LOCKED_FILL
            if open_cell:
                cell.protection = UNLOCKED
            cell.alignment = WRAP
        ws.cell(row=r, column=9).number_format = "yyyy-mm-dd"
        if item.quantified:
            ws.cell(row=r, column=7).number_format = "0.####"
    last = first + len(items) - 1
    status = DataValidation(type="list", formula1='"' + ",".join(STATUSES) + '"', allow_blank=True,
                            showErrorMessage=True, errorTitle="进展状态", error="请从下拉列表中选择：" + "、".join(STATUSES),
                            promptTitle="进展状态", prompt="下拉选择", showInputMessage=True)
    status.add(f"F{first}:F{last}")
    value = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                           showErrorMessage=True, errorTitle="完成值", error="请只填数字（单位与目标相同），不小于 0")
    value.add(f"G{first}:G{last}")
    when = DataValidation(type="date", operator="between", formula1=f"DATE({EARLIEST_REPORT.year},1,1)",
                          formula2="TODAY()", allow_blank=True, showErrorMessage=True, errorTitle="填报日期",
                          error="请填写日期（如 2026-11-20），不能晚于今天")
    when.add(f"I{first}:I{last}")
    for validation in (status, value, when):
        ws.add_data_validation(validation)
    ws.freeze_panes = ws.cell(row=first, column=3)
    ws.protection.sheet = True
    ws.protection.formatColumns = False  # the unit may widen columns and rows, nothing else
    ws.protection.formatRows = False
    ws.protection.autoFilter = False
    _guide(wb.create_sheet(GUIDE_SHEET), unit, board)
    _marker(wb, unit_id, unit, board)
    wb.active = 0
    text_only(wb)  # the plan's words and a unit's notes in 当前状态 are text, never formulas
    return wb


def write_template(board: Board, unit_id: str, out_dir: Path) -> Path:
    """Save one unit's template into out_dir; its path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    unit = NO_LEAD if unit_id == NO_LEAD_ID else dict(board.items.units())[unit_id]
    path = out_dir / file_name(unit)
    workbook(board, unit_id).save(path)
    return path


def template_bytes(board: Board, unit_id: str) -> tuple[str, bytes]:
    """(file name, data) of one unit's template, for a download button."""
    unit = NO_LEAD if unit_id == NO_LEAD_ID else dict(board.items.units())[unit_id]
    buf = io.BytesIO()
    workbook(board, unit_id).save(buf)
    return file_name(unit), buf.getvalue()


__all__ = ["workbook", "write_template", "template_bytes", "file_name", "XLSX_MIME"]
