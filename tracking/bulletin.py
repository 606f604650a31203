"""The monthly 通报 as data: counts by unit and by status, the overdue list, what was completed in the month, each
quantified target as done/target, and the notes (data date, 示意, how things are counted). The Excel and PDF files
(bulletin_xlsx.py, bulletin_pdf.py) show these same tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pandas as pd

from core.formatting import map_note
from core.progress import NOT_REPORTED, SOON_DAYS, STATUSES, YEAR_LABEL
from loaders.plan import Plan
from tracking.board import COUNT_KEYS, Board, ItemState, RollUp
from core.clock import BEIJING, today
from tracking.dates import month_bounds

TITLE = "巢湖市冲刺“高质量千亿制造业”目标实施方案 实施进展通报"
#: The number of evidence files (photos, PDFs) of the accepted reports.
EVIDENCE_COLUMN = "佐证材料"
COUNT_COLUMNS = ["事项数", *COUNT_KEYS, "逾期", "临近", "完成度", EVIDENCE_COLUMN]
ITEM_COLUMNS = ["编号", "类别", "事项", "牵头单位", "时限", "当前状态", "填报日期", "填报单位", "进展说明", EVIDENCE_COLUMN]
TARGET_COLUMNS = ["编号", "量化目标", "牵头单位", "完成值/目标", "完成度", "当前状态", "填报日期"]


@dataclass(frozen=True)
class Bulletin:
    """One month's 通报: the board at the month's end (or today, for the current month) and the month before."""

    month: str
    start: date
    end: date
    as_of: date
    generated: datetime
    year: int | None
    board: Board
    previous: Board
    plan: Plan

    @property
    def label(self) -> str:
        """`2026年11月`."""
        return f"{self.start.year}年{self.start.month}月"

    @property
    def total(self) -> RollUp:
        """Every item."""
        return self.board.total()

    def overdue(self) -> list[ItemState]:
        """Items past their date and not 已完成 on the data date."""
        return self.board.overdue()

    def due_soon(self) -> list[ItemState]:
        """Items due within SOON_DAYS days of the data date."""
        return self.board.due_soon()

    def completed(self) -> list[ItemState]:
        """Items 已完成 on the data date that were not at the end of the previous month."""
        return self.board.completed_since(self.previous)

    def reports_in_month(self) -> int:
        """Records (not withdrawn) dated within the month."""
        return sum(1 for r in self.board.records if self.start <= r.reported_on <= self.as_of and not r.withdrawn)

    def notes(self) -> list[str]:
        """What a reader must know: data date, who reported, how things are counted, the year, 示意."""
        year = (f"{YEAR_LABEL}为 {self.year} 年（由管理员设置；方案原文未写年份）" if self.year
                else f"{YEAR_LABEL}尚未设置（方案原文未写年份）：时限未换算为日期，本通报不判断逾期")
        return [
            f"数据截至 {self.as_of.isoformat()}（按填报日期统计，含生成时已导入的记录）；生成于 "
            f"{self.generated.strftime('%Y-%m-%d %H:%M')}（北京时间）。",
            "进展状态、完成值和说明均来自各单位填报，本通报照录，未作核实；未填报的事项不推断其进展。",
            year + "。",
            f"逾期：时限已过且未填报「已完成」；临近：{SOON_DAYS} 天内到期且未完成。每月、每半年等周期性要求和"
            "「如期」不换算为日期。",
            "完成度：已完成计 100%，量化目标按完成值/目标（区间按下限），其余计 0，按事项平均。",
            f"只计办公室审核采纳的填报（待审核、已退回的不计）；{EVIDENCE_COLUMN}为其所附照片和 PDF 的个数。",
            "一个事项有多个牵头单位时，在每个牵头单位下各计一次；合计按事项计。各部分标题为编者所加。",
            f"示意：地图上的地点位置多为示意（规划未给出精确位置），非测绘成果；{map_note()}。",
        ]


def make_bulletin(board: Board, plan: Plan, month: str, now: date | None = None) -> Bulletin:
    """The 通报 of `month` (2026-11) from a board holding every record (ProgressError for a bad or future month)."""
    now = now or today()
    start, end = month_bounds(month, now)
    as_of = min(end, now)
    return Bulletin(month=f"{start:%Y-%m}", start=start, end=end, as_of=as_of, generated=datetime.now(BEIJING),
                    year=board.year, board=board.as_of(as_of), previous=board.as_of(start - timedelta(days=1)), plan=plan)


def _counts(roll: RollUp) -> list:
    return [roll.total, *(roll.counts[k] for k in COUNT_KEYS), roll.overdue, roll.due_soon, roll.progress, roll.evidence]


def by_unit(board: Board) -> pd.DataFrame:
    """One row per lead unit (items it leads, by current status), then 合计 over all items."""
    rows = [[name, *_counts(board.unit(uid))] for uid, name in board.items.units()]
    rows.append(["合计（按事项）", *_counts(board.total())])
    return pd.DataFrame(rows, columns=["牵头单位", *COUNT_COLUMNS])


def by_section(board: Board, plan: Plan) -> pd.DataFrame:
    """One row per section of the plan (its measures with their deadlines, targets and places)."""
    rows = [[f"{s.number}. {s.title}", *_counts(board.section(s.number))] for s in plan.sections]
    return pd.DataFrame(rows, columns=["部分", *COUNT_COLUMNS])


def _item_row(state: ItemState) -> list:
    rec = state.record
    return [state.item.number, state.item.kind_name, state.item.title, state.item.lead_text, state.due_label, state.status,
            rec.reported_on.isoformat() if rec else "", rec.unit if rec else "", rec.note if rec else "", state.evidence]


def item_table(states: list[ItemState]) -> pd.DataFrame:
    """Items as the lists show them (overdue, due soon, completed)."""
    return pd.DataFrame([_item_row(s) for s in states], columns=ITEM_COLUMNS)


def target_table(board: Board) -> pd.DataFrame:
    """Each quantified target as done/target (新建主次干道总长 12.3 / 25.85 公里)."""
    rows = []
    for s in (s for s in board.states if s.item.quantified):
        rec = s.record
        rows.append([s.item.number, s.item.title, s.item.lead_text, s.done_text(),
                     s.fraction if s.value is not None or rec is not None else None, s.status,
                     rec.reported_on.isoformat() if rec else ""])
    return pd.DataFrame(rows, columns=TARGET_COLUMNS)


def headline(bulletin: Bulletin) -> str:
    """One sentence: how many items, how many reported, done, overdue."""
    t = bulletin.total
    overdue = f"逾期 {t.overdue} 项" if bulletin.year else "逾期未判断（起始年份未设置）"
    return (f"跟踪事项 {t.total} 项，已有填报 {t.reported} 项（{NOT_REPORTED} {t.counts[NOT_REPORTED]} 项），"
            f"其中已完成 {t.done} 项；{overdue}；本月新填报 {bulletin.reports_in_month()} 条，本月完成 "
            f"{len(bulletin.completed())} 项。")


def sections(bulletin: Bulletin) -> list[tuple[str, pd.DataFrame, str]]:
    """The 通报's tables in order: (heading, table, what to say when it is empty)."""
    status_words = "、".join(STATUSES)
    return [
        (f"一、按牵头单位统计（当前状态：{NOT_REPORTED}、{status_words}）", by_unit(bulletin.board), ""),
        ("二、按方案部分统计（标题为编者所加）", by_section(bulletin.board, bulletin.plan), ""),
        ("三、逾期事项", item_table(bulletin.overdue()),
         "无逾期事项。" if bulletin.year else "起始年份未设置，不判断逾期。"),
        (f"四、临近时限（{SOON_DAYS} 天内）", item_table(bulletin.due_soon()),
         "无临近时限的事项。" if bulletin.year else "起始年份未设置，不判断临近。"),
        (f"五、本月完成（{bulletin.label}）", item_table(bulletin.completed()), "本月没有新填报完成的事项。"),
        ("六、量化目标完成情况（完成值/目标）", target_table(bulletin.board), ""),
    ]


def bulletin_data(bulletin: Bulletin) -> dict:
    """The 通报 as JSON-ready data (what a published 期 keeps besides its files): headline, every table, the notes."""
    def rows(frame: pd.DataFrame) -> list[list]:
        return [[None if v is None or (isinstance(v, float) and v != v) else (v.item() if hasattr(v, "item") else v)
                 for v in row] for row in frame.itertuples(index=False)]
    return {"month": bulletin.month, "label": bulletin.label, "as_of": bulletin.as_of.isoformat(),
            "generated": bulletin.generated.isoformat(timespec="seconds"), "plan_year": bulletin.year,
            "headline": headline(bulletin), "notes": bulletin.notes(),
            "sections": [{"heading": h, "columns": list(f.columns), "rows": rows(f), "empty": e}
                         for h, f, e in sections(bulletin)]}


__all__ = ["Bulletin", "make_bulletin", "bulletin_data", "sections", "headline", "by_unit", "by_section", "item_table", "target_table",
           "TITLE"]
