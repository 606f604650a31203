"""Spreadsheets in and out, safely: what a user typed is written as text (never a formula Excel or WPS would run),
and a workbook from outside is read in bounded memory (its unpacked size checked before parsing, streamed,
rows and columns counted) — said once for every writer and reader of the project.

Out: `text_only(wb)` makes every text cell of an openpyxl workbook a string cell (openpyxl turns a value starting
with = into a formula); `csv_safe(value)` / `csv_frame(frame)` put a ' before a CSV value starting with = + - @,
a tab or a carriage return (OWASP "CSV injection").
In: `open_xlsx` refuses an unpacked size over a limit (a zip bomb, or millions of styled empty cells) before openpyxl
sees the file and opens it read-only; `rows` streams a sheet's rows up to a row and column limit.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from core.errors import ChaohuError

#: The characters a spreadsheet program reads as the start of a formula (and tab / carriage return, which hide it).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: More parts than any workbook of a planner has (sheets, styles, drawings …): a crafted file.
MAX_MEMBERS = 1000


def text_only(wb) -> None:
    """Every cell of the workbook holding text is stored as text: a leading = never becomes a formula."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.data_type != "s":
                    cell.data_type = "s"


def csv_safe(value):
    """A value as a CSV cell may hold it: text starting like a formula gets a leading ' (shown, never run)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every text value and column heading made CSV-safe (numbers stay numbers)."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(csv_safe)
    out.columns = [csv_safe(str(c)) if isinstance(c, str) else c for c in out.columns]
    return out


def unpacked_size(source) -> tuple[int, int]:
    """(sum of the declared unpacked sizes, number of members) of a zip (xlsx) file; zipfile never reads past them."""
    with zipfile.ZipFile(source) as zf:
        infos = zf.infolist()
        return sum(i.file_size for i in infos), len(infos)


def open_xlsx(source: bytes | str | Path, name: str, max_unpacked: int, error: type[ChaohuError] = ChaohuError,
              data_only: bool = False):
    """An .xlsx (bytes or a path) opened read-only (streamed) once its unpacked size is within `max_unpacked` bytes;
    `error` (Chinese) else. data_only=False: a formula cell reads as its formula text with data_type 'f' (so an import
    can refuse it); True: as the value Excel last computed."""
    source = Path(source) if isinstance(source, str) else source
    opened = source if isinstance(source, Path) else io.BytesIO(bytes(source))
    not_xlsx = f"「{name}」不是 Excel 工作簿（.xlsx）或已损坏。如是旧版 .xls，请在 Excel 中另存为 .xlsx 后再导入。"
    try:
        size, members = unpacked_size(opened)
    except OSError as exc:
        raise error(f"「{name}」无法读取（{exc.strerror}）。") from None
    except (zipfile.BadZipFile, ValueError, EOFError) as exc:
        raise error(not_xlsx, detail=str(exc)) from None
    if size > max_unpacked or members > MAX_MEMBERS:
        raise error(f"「{name}」解压后有 {size / 1024**2:,.0f} MB（{members} 个部件），超过可读取的 "
                    f"{max_unpacked / 1024**2:,.0f} MB 上限，已拒绝。通常是表格中有大量空白但带格式的行列："
                    "请删去多余的行和列（或把数据复制到新工作簿）后再导入。")
    try:
        return load_workbook(opened, read_only=True, data_only=data_only, keep_links=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, TypeError, OSError) as exc:
        raise error(not_xlsx, detail=str(exc)) from None


def too_many(name: str, sheet: str, what: str, found: str, limit: int) -> str:
    """The Chinese refusal of a sheet with too many rows or columns."""
    return (f"「{name}」的工作表「{sheet}」{what}超过 {limit:,} {'行' if what == '行数' else '列'}（{found}），已拒绝，未导入任何内容。"
            "如有大量空白但带格式的行列，请删去后再导入。")


def rows(ws, name: str, max_rows: int, max_columns: int, error: type[ChaohuError] = ChaohuError,
         width: int | None = None) -> Iterator[tuple]:
    """The rows of a read-only sheet as tuples of cells (row 1 first), refused with `error` past `max_rows` rows or
    `max_columns` columns (the declared used range is checked first, then rows and columns are counted as they stream).

    width: read only the first `width` columns (each row padded to it); else each row as wide as its last filled cell.
    """
    declared_rows, declared_cols = ws.max_row, ws.max_column
    if declared_rows and declared_rows > max_rows:
        raise error(too_many(name, ws.title, "行数", f"使用范围到第 {declared_rows:,} 行", max_rows))
    if declared_cols and declared_cols > max_columns:
        raise error(too_many(name, ws.title, "列数", f"使用范围到第 {declared_cols:,} 列", max_columns))
    ws.reset_dimensions()  # the declared range may be wrong: read every row there is, pad none to the declared width
    for number, row in enumerate(ws.iter_rows(max_col=width), start=1):
        if number > max_rows:
            raise error(too_many(name, ws.title, "行数", f"第 {number:,} 行仍有内容或格式", max_rows))
        if width is None:
            row = trimmed(row)
            if len(row) > max_columns:
                raise error(too_many(name, ws.title, "列数", f"第 {number:,} 行有 {len(row):,} 列", max_columns))
        yield row


def trimmed(row: tuple) -> tuple:
    """A row without its trailing empty cells."""
    end = len(row)
    while end and getattr(row[end - 1], "value", None) in (None, ""):
        end -= 1
    return row[:end]
