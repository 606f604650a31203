"""Progress records: what a unit reported about an item, on which day, and the checks every report passes.

Records are append-only: a new report adds a record, the current state is the latest one, and a withdrawn batch
(a wrong import) stays in the history marked 已撤回 instead of being deleted.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import TYPE_CHECKING

from core.formatting import number
from core.inputs import hidden_controls
from core.progress import DONE, EARLIEST_YEAR, STATUSES
from store.progress import MAX_NOTE, ProgressInput, ProgressRecord  # noqa: F401  (the row types live with the store that persists them)

if TYPE_CHECKING:  # the store imports this module; it needs no plan
    from tracking.items import TrackItem

#: The earliest 填报日期 that makes sense: the plan cites a 2017 document.
EARLIEST_REPORT = date(EARLIEST_YEAR, 1, 1)
#: Column names as the workbook and messages use them.
STATUS_COL, VALUE_COL, NOTE_COL, DATE_COL = "进展状态", "完成值", "进展说明", "填报日期"
#: A 完成值 this many times the target is a slip (a wrong unit, a stray digit), never progress: refused even with a note.
ABSURD_FACTOR = 1000
#: How a 填报日期 typed as text may be written.
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")


def cell_number(value):
    """A 完成值 as typed (a workbook cell or a form's text): None when blank, a float when numeric (also typed as text), else the text itself (an error)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip().replace(",", "").replace("，", "")
    try:
        return float(text)
    except ValueError:
        return str(value).strip()


def cell_date(value):
    """A 填报日期 as typed (a cell, a form's date or text): None when blank, a date when it is one (cell or text in a usual form), else the text."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return text


def problems_of(item: TrackItem, status: str, value, note: str, reported_on, today: date) -> list[tuple[str, str]]:
    """What is wrong with one report, as (column, Chinese message) pairs; empty when it can be stored."""
    out: list[tuple[str, str]] = []
    if status not in STATUSES:
        shown = f"「{status}」" if status else "空白"
        out.append((STATUS_COL, f"{shown}不是可选的进展状态（应为：{'、'.join(STATUSES)}）"))
    if value is not None:
        if not item.quantified:
            out.append((VALUE_COL, "该事项不是量化目标，完成值应留空"))
        elif isinstance(value, str) or not math.isfinite(value):
            out.append((VALUE_COL, f"「{value}」不是数字（单位：{item.unit}，只填数字）"))
        elif value < 0:
            out.append((VALUE_COL, f"{number(value)} 是负数，完成值不能小于 0"))
        elif item.target_top and value > ABSURD_FACTOR * item.target_top:
            out.append((VALUE_COL, f"完成值 {number(value)} {item.unit} 超过目标 {number(item.target_top)} {item.unit} 的 "
                                   f"{ABSURD_FACTOR} 倍，不可能是实际进展，请核对数值和单位"))
        elif item.target_top is not None and value > item.target_top and not str(note or "").strip():
            out.append((VALUE_COL, f"完成值 {number(value)} {item.unit} 超过目标 {number(item.target_top)} {item.unit}，"
                                   f"请在「{NOTE_COL}」中写明原因"))
    if controls := hidden_controls(note):
        out.append((NOTE_COL, f"含有改变文字显示方向的隐藏控制字符（{'、'.join(controls)}），请删除后重新填写"))
    if len(str(note or "")) > MAX_NOTE:
        out.append((NOTE_COL, f"进展说明有 {len(note)} 个字，最多 {MAX_NOTE} 个字"))
    if reported_on is None:
        out.append((DATE_COL, "请填写填报日期"))
    elif not isinstance(reported_on, date):
        out.append((DATE_COL, f"「{reported_on}」不是日期（应形如 2026-11-20）"))
    elif reported_on > today:
        out.append((DATE_COL, f"{reported_on.isoformat()} 晚于今天（{today.isoformat()}），不能填报未来的日期"))
    elif reported_on < EARLIEST_REPORT:
        out.append((DATE_COL, f"{reported_on.isoformat()} 早于方案（{EARLIEST_YEAR} 年），请核对"))
    return out


def is_done(record: ProgressRecord | None) -> bool:
    """Whether a record says 已完成."""
    return record is not None and record.status == DONE
