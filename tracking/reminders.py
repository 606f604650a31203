"""Reminders (催办): what each lead unit has falling due within N days or overdue (from the board: deadlines and
起始年份, today in Beijing), the 催办 the office records, and the 催办单 listing them (xlsx with text-only cells, PDF).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font

from core.clock import local_text
from core.progress import DONE, SOON_DAYS, YEAR_LABEL
from core.spreadsheets import text_only
from reports.excel import BOLD, HEADER_FILL, WRAP, display_width
from store.reminders import Reminder
from tracking.board import Board, ItemState
from tracking.dates import is_soon

#: The default look-ahead of `due`: the same 30 days as 临近.
DUE_DAYS = SOON_DAYS
DUE_COLUMNS = ["编号", "类别", "事项", "时限", "当前状态", "情况"]
SHEET_COLUMNS = ["催办时间", "被催办单位", "编号", "事项", "时限", "当前状态", "催办说明", "催办人"]
SHEET_TITLE = "催办单"
MAX_WIDTH = 50


@dataclass(frozen=True)
class UnitDue:
    """One lead unit's items that are overdue or fall due within `days` days of the board's day."""

    unit_id: str
    unit: str
    days: int
    #: The day the list is for (the board's: today in Beijing).
    on: date
    overdue: tuple[ItemState, ...]
    due: tuple[ItemState, ...]

    @property
    def states(self) -> tuple[ItemState, ...]:
        """Overdue first, then falling due (soonest first)."""
        return self.overdue + self.due

    def to_dict(self) -> dict:
        """JSON-ready (what `python -m tracking due --json` prints per unit)."""
        def row(s: ItemState) -> dict:
            return {"id": s.item.id, "number": s.item.number, "title": s.item.title, "due": s.due_label,
                    "due_date": s.due_on.isoformat() if s.due_on else None, "status": s.status}
        return {"unit": self.unit, "days": self.days, "overdue": [row(s) for s in self.overdue],
                "due": [row(s) for s in self.due]}


def unit_due(board: Board, unit_id: str, days: int = DUE_DAYS) -> UnitDue:
    """A lead unit's overdue items and those falling due within `days` days (nothing while 起始年份 is unset)."""
    names = dict(board.items.units())
    states = [board.state(i.id) for i in board.items.of_unit(unit_id)]
    overdue = tuple(s for s in states if s.overdue)
    due = tuple(sorted((s for s in states if not s.overdue and s.status != DONE and is_soon(s.due_on, board.on, days)),
                       key=lambda s: s.due_on))
    return UnitDue(unit_id, names.get(unit_id, unit_id), days, board.on, overdue, due)


def all_due(board: Board, days: int = DUE_DAYS) -> list[UnitDue]:
    """Every lead unit with something overdue or falling due."""
    found = [unit_due(board, uid, days) for uid, _ in board.items.units()]
    return [u for u in found if u.states]


def due_table(found: UnitDue) -> pd.DataFrame:
    """A unit's due and overdue items as a table."""
    rows = [[s.item.number, s.item.kind_name, s.item.title, s.due_label, s.status,
             "逾期" if s.overdue else f"{(s.due_on - found.on).days} 天后到期"] for s in found.states]
    return pd.DataFrame(rows, columns=DUE_COLUMNS)


def year_note(board: Board) -> str:
    """What a reader must know when 起始年份 is unset: nothing is overdue or due."""
    return "" if board.year else f"{YEAR_LABEL}未设置：时限未换算为日期，无法判断逾期和到期。"


# ---- the 催办单


def sheet_frame(board: Board, reminders: list[Reminder]) -> pd.DataFrame:
    """One row per item of each 催办, newest 催办 first: when (Beijing), to whom, the item as the plan numbers it,
    its deadline and current status, the note and who made it."""
    rows = []
    for r in sorted(reminders, key=lambda r: r.id, reverse=True):
        for item_id in r.items:
            state = board.state(item_id) if item_id in board.items else None
            rows.append([local_text(r.made_at), r.unit, state.item.number if state else item_id,
                         state.item.title if state else "（方案中已没有该事项）", state.due_label if state else "",
                         state.status if state else "", r.note, r.made_by])
    return pd.DataFrame(rows, columns=SHEET_COLUMNS)


def sheet_lead(board: Board, unit: str | None, count: int) -> list[str]:
    """The lines under the 催办单's title."""
    whom = f"被催办单位：{unit}" if unit else "全部牵头单位"
    return [f"{whom}；催办 {count} 次；数据截至 {board.on.isoformat()}（北京时间）。",
            *(filter(None, [year_note(board)]))]


def sheet_xlsx(board: Board, reminders: list[Reminder], unit: str | None = None) -> bytes:
    """The 催办单 as an Excel workbook: every cell holding text is a text cell (a note is never a formula)."""
    frame = sheet_frame(board, reminders)
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_TITLE
    ws.cell(row=1, column=1, value=f"实施进展{SHEET_TITLE}").font = Font(bold=True, size=14)
    for n, line in enumerate(sheet_lead(board, unit, len(reminders)), start=2):
        ws.cell(row=n, column=1, value=line)
    top = 2 + len(sheet_lead(board, unit, len(reminders))) + 1
    widths = {}
    for c, heading in enumerate(frame.columns, start=1):
        cell = ws.cell(row=top, column=c, value=heading)
        cell.font, cell.fill = BOLD, HEADER_FILL
        widths[c] = display_width(heading)
    for r, row in enumerate(frame.itertuples(index=False), start=top + 1):
        for c, value in enumerate(row, start=1):
            cell = ws.cell(row=r, column=c, value=str(value))
            if display_width(value) > MAX_WIDTH:
                cell.alignment = WRAP
            widths[c] = max(widths[c], display_width(value))
    for c, width in widths.items():
        ws.column_dimensions[ws.cell(row=top, column=c).column_letter].width = min(max(width + 2, 8), MAX_WIDTH)
    ws.freeze_panes = ws.cell(row=top + 1, column=1)
    text_only(wb)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def sheet_pdf(board: Board, reminders: list[Reminder], unit: str | None = None) -> bytes:
    """The 催办单 as a PDF (the 通报's pages and fonts; long cells wrap, nothing is cut)."""
    from tracking.bulletin_pdf import tables_pdf

    frame = sheet_frame(board, reminders)
    return tables_pdf(f"实施进展{SHEET_TITLE}", unit or "全部牵头单位", sheet_lead(board, unit, len(reminders)),
                      [("催办记录", frame, "尚无催办记录。")])
