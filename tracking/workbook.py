"""Reading a unit's filled progress workbook back: every row checked, all or nothing, one Chinese message naming
each bad row and column. The layout (sheet, columns, marker) is declared here once; tracking/template.py
writes it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from openpyxl.utils import get_column_letter

from core.formatting import number
from core.inputs import limit_bytes, too_large
from core.spreadsheets import open_xlsx, rows
from tracking.errors import WorkbookError
from tracking.items import TrackItems
from tracking.records import DATE_COL, NOTE_COL, STATUS_COL, VALUE_COL, ProgressInput, cell_date, cell_number, problems_of

#: The sheet a unit fills, its header row and columns (the first five are locked, the last four are the unit's).
SHEET = "进展填报"
GUIDE_SHEET = "填写说明"
HEADER_ROW = 3
ID_COL, TITLE_COL, LEAD_COL, DUE_COL, CURRENT_COL = "编号", "事项", "牵头单位", "时限", "当前状态"
COLUMNS = (ID_COL, TITLE_COL, LEAD_COL, DUE_COL, CURRENT_COL, STATUS_COL, VALUE_COL, NOTE_COL, DATE_COL)
INPUT_COLUMNS = (STATUS_COL, VALUE_COL, NOTE_COL, DATE_COL)
#: The hidden sheet saying the workbook is our template, which version, for which unit.
MARKER_SHEET = "_模板标记"
MARKER = "巢湖市制造业实施方案进展填报模板"
#: Bumped whenever the layout changes; a workbook of another version is refused as an old template.
TEMPLATE_VERSION = 2
MARKER_KEYS = ("模板", "版本", "单位编号", "单位", "生成时间", "事项指纹", "起始年份")
#: What a filled template can hold (it has about a hundred rows and nine columns); more is refused before it is read.
MAX_ROWS, MAX_COLUMNS = 2_000, 50
#: The most a workbook may unpack to (a template filled in Excel is well under 1 MB).
MAX_UNPACKED = 20 * 1024**2
#: How many problems one message lists before it says how many more there are.
MAX_LISTED = 60


@dataclass(frozen=True)
class FilledWorkbook:
    """What a filled workbook holds: the unit it was made for, its reports, and how many rows were left blank."""

    unit_id: str
    unit: str
    reports: tuple[ProgressInput, ...]
    blank_rows: int
    generated: str


def _where(row: int, column: str) -> str:
    """`第 5 行「进展状态」列（F5）`."""
    return f"第 {row} 行「{column}」列（{get_column_letter(COLUMNS.index(column) + 1)}{row}）"


def _text(value) -> str:
    """A cell as trimmed text (numbers as the plan writes them)."""
    if value is None:
        return ""
    if isinstance(value, float):
        return number(value)
    return str(value).strip()


def _open(data: bytes | Path, name: str):
    """The workbook opened read-only (streamed) within the upload and unpacked-size limits; WorkbookError else."""
    try:
        raw = Path(data).read_bytes() if isinstance(data, (str, Path)) else bytes(data)
    except OSError as exc:
        raise WorkbookError(f"「{name}」无法读取（{exc.strerror}）。") from None
    if len(raw) > limit_bytes("workbook"):
        raise WorkbookError(too_large(name, len(raw), "workbook"))
    return open_xlsx(raw, name, MAX_UNPACKED, WorkbookError)


def _marker(wb, name: str, items: TrackItems) -> dict[str, str]:
    """The template marker: refuses a workbook that is not our template, and an old template."""
    if MARKER_SHEET not in wb.sheetnames:
        raise WorkbookError(f"「{name}」不是本系统生成的进展填报模板（缺少模板标记）。请用「下载填报模板」或 "
                            f"python -m tracking template 生成的模板填写。")
    cells = wb[MARKER_SHEET].iter_rows(max_row=len(MARKER_KEYS), max_col=2, values_only=True)
    marker = {_text(key): _text(value) for key, value in cells}
    if marker.get("模板") != MARKER:
        raise WorkbookError(f"「{name}」不是本系统生成的进展填报模板（模板标记不符）。")
    version = marker.get("版本", "")
    if version != str(TEMPLATE_VERSION):
        raise WorkbookError(f"「{name}」是旧版填报模板（第 {version or '?'} 版，现为第 {TEMPLATE_VERSION} 版），"
                            "列的含义可能已变。请下载新模板，把进展抄到新模板后再导入。")
    unit_id = marker.get("单位编号", "")
    if not unit_id or not items.of_unit(unit_id):
        raise WorkbookError(f"「{name}」的模板所属单位「{marker.get('单位') or unit_id}」不在方案的牵头单位中，请下载新模板。")
    return marker


def _sheet(wb, name: str) -> Iterator[tuple[int, tuple]]:
    """The data rows (row number, cells) of the 进展填报 sheet under the expected header, streamed; WorkbookError
    naming what is there instead, or when the sheet has more rows or columns than a template can."""
    if SHEET not in wb.sheetnames:
        shown = "、".join(f"「{s}」" for s in wb.sheetnames if s != MARKER_SHEET)
        raise WorkbookError(f"「{name}」中找不到工作表「{SHEET}」（现有工作表：{shown}）。请在模板的「{SHEET}」表中填写，"
                            "不要改名或换用其他工作表。")
    stream = enumerate(rows(wb[SHEET], name, MAX_ROWS, MAX_COLUMNS, WorkbookError, width=len(COLUMNS)), start=1)
    header = next((cells for number, cells in stream if number == HEADER_ROW), ())
    wrong = []
    for c, expected in enumerate(COLUMNS, 1):
        found = _text(header[c - 1].value) if len(header) >= c else ""
        if found != expected:
            wrong.append(f"第 {HEADER_ROW} 行 {get_column_letter(c)} 列应为「{expected}」，实为「{found or '空白'}」")
    if wrong:
        raise WorkbookError(f"「{name}」的「{SHEET}」表头被改动，无法对应各列：" + "；".join(wrong) + "。请使用原模板填写。",
                            problems=wrong)
    return stream


def _formulas(row: int, cells: tuple) -> list[str]:
    """A problem for each formula in the row: an import takes what was typed, never what a formula computed."""
    return [f"{_where(row, col)}：是公式「{str(cell.value)[:40]}」，请直接填写内容（数值、文字或日期），不要使用公式"
            for col, cell in zip(COLUMNS, cells) if cell.data_type == "f"]


def read_workbook(data: bytes | Path, items: TrackItems, today: date, name: str = "") -> FilledWorkbook:
    """The reports of a filled workbook; WorkbookError (all problems, Chinese) when any row or column is wrong."""
    name = name or (Path(data).name if isinstance(data, (str, Path)) else "工作簿")
    wb = _open(data, name)
    marker = _marker(wb, name, items)
    unit_id, unit = marker["单位编号"], marker.get("单位", "")
    problems: list[str] = []
    reports: list[ProgressInput] = []
    seen: dict[str, int] = {}
    blank = 0
    for row, row_cells in _sheet(wb, name):
        if formulas := _formulas(row, row_cells):
            problems += formulas
            continue
        cells = {col: cell.value for col, cell in zip(COLUMNS, row_cells)}
        item_id = _text(cells[ID_COL])
        status = _text(cells[STATUS_COL])
        value, note, when = cell_number(cells[VALUE_COL]), _text(cells[NOTE_COL]), cell_date(cells[DATE_COL])
        filled = [col for col in INPUT_COLUMNS if _text(cells[col])]
        if not filled:
            blank += bool(item_id)
            continue
        if not item_id:
            problems.append(f"{_where(row, ID_COL)}：填写了{'、'.join(filled)}，但编号为空")
            continue
        item = items.get(item_id)
        if item is None:
            problems.append(f"{_where(row, ID_COL)}：编号「{item_id}」不是方案中的跟踪事项")
            continue
        if unit_id not in item.leads:
            problems.append(f"{_where(row, ID_COL)}：{item_id} 不是{unit}牵头的事项（牵头单位：{item.lead_text}）")
            continue
        if item_id in seen:
            problems.append(f"{_where(row, ID_COL)}：编号 {item_id} 与第 {seen[item_id]} 行重复，一次只能填报一行")
            continue
        seen[item_id] = row
        if not status:
            problems.append(f"{_where(row, STATUS_COL)}：填写了{'、'.join(filled)}，但没有选择进展状态")
            continue
        found = problems_of(item, status, value, note, when, today)
        problems.extend(f"{_where(row, col)}：{msg}" for col, msg in found)
        if not found:
            reports.append(ProgressInput(item_id=item_id, status=status, value=value, note=note, reported_on=when))
    wb.close()
    if problems:
        shown = problems[:MAX_LISTED]
        more = [f"……另有 {len(problems) - MAX_LISTED} 处问题"] if len(problems) > MAX_LISTED else []
        raise WorkbookError(f"「{name}」未导入：共 {len(problems)} 处问题，没有写入任何记录。请改正后重新导入：\n"
                            + "\n".join(shown + more), problems=problems)
    if not reports:
        raise WorkbookError(f"「{name}」中没有填写任何进展（「{STATUS_COL}」列全部为空），没有写入任何记录。")
    return FilledWorkbook(unit_id=unit_id, unit=unit, reports=tuple(reports), blank_rows=blank,
                          generated=marker.get("生成时间", ""))
