"""The progress panel as HTML: each item of a place (or a measure) with its current state and a small timeline of
its reports, every value escaped. Pure (no Streamlit): the 实施进展 page and the map's panel show these strings.
"""

from __future__ import annotations

from core.templates import style_element
from core.formatting import esc as _e, number
from core.progress import CATEGORY_COLORS, NOT_REPORTED, OVERDUE
from tracking.board import Board, ItemState, place_category

PROGRESS_CSS = style_element("views", "progress_panel.css")


def badge(status: str) -> str:
    """A coloured label for a status or category."""
    color = CATEGORY_COLORS.get(status, CATEGORY_COLORS[NOT_REPORTED])
    return f'<span class="badge" style="background:{color}">{_e(status)}</span>'


def timeline_html(state: ItemState) -> str:
    """The item's reports, newest first: date, status, value, unit and reporter, note; withdrawn ones struck out."""
    if not state.history:
        return '<div class="note">尚无填报。</div>'
    rows = []
    for rec in reversed(state.history):
        value = f"，完成值 {_e(number(rec.value))} {_e(state.item.unit)}" if rec.value is not None else ""
        note = f"：{_e(rec.note)}" if rec.note else ""
        gone = "（已撤回）" if rec.withdrawn else ""
        color = CATEGORY_COLORS.get(rec.status, CATEGORY_COLORS[NOT_REPORTED])
        rows.append(f'<li class="{"withdrawn" if rec.withdrawn else ""}" style="--c:{color}" data-record="{rec.id}">'
                    f"{_e(rec.reported_on.isoformat())} <b>{_e(rec.status)}</b>{value}"
                    f"（{_e(rec.unit)}，{_e(rec.reporter)}）{note}{gone}</li>")
    return f'<ol class="tl">{"".join(rows)}</ol>'


def item_html(state: ItemState) -> str:
    """One item: id, kind, what the plan requires and by when, its current state and its timeline."""
    item = state.item
    flags = ""
    if state.overdue:
        flags = f' <span class="late">{OVERDUE}（应于 {_e(state.due_on.isoformat())} 前）</span>'
    elif state.due_soon:
        flags = f' <span class="soon">临近时限（{_e(state.due_on.isoformat())}）</span>'
    target = f"；完成值/目标：{_e(state.done_text())}" if item.quantified else ""
    due = f"；时限：{_e(state.due_label)}" if state.due_label else ""
    color = CATEGORY_COLORS[OVERDUE] if state.overdue else CATEGORY_COLORS.get(state.status, CATEGORY_COLORS[NOT_REPORTED])
    return (f'<div class="it" data-item="{_e(item.id)}" style="border-left-color:{color}">'
            f'<span class="it-id">{_e(item.id)}</span> {_e(item.kind_name)}：<b>{_e(item.title)}</b>'
            f"{badge(state.status)}{flags}"
            f'<div class="req">规划要求：{_e(item.requirement)}{due}{target}；牵头：{_e(item.lead_text)}</div>'
            f"{timeline_html(state)}</div>")


def place_progress_html(board: Board, place_id: str, name: str = "") -> str:
    """The 实施进展 section of a place's panel: its colour on the progress map and each of its items."""
    states = board.of_place(place_id)
    year = f"起始年份 {board.year}" if board.year else "起始年份未设置，不判断逾期"
    head = (f'<div class="pp" data-progress-place="{_e(place_id)}"><div><b>实施进展</b>'
            f"{badge(place_category(states))}</div>")
    if not states:
        return (PROGRESS_CSS + head + '<div class="note">规划对该地点未提出要求，也没有时间要求或量化目标点名它；'
                "其关联措施的进展见措施。</div></div>")
    reported = sum(1 for s in states if s.record is not None)
    intro = (f'<div class="note">{_e(name)}的跟踪事项 {len(states)} 项，已填报 {reported} 项；数据截至 '
             f"{_e(board.on.isoformat())}（{year}）。状态均来自各单位填报。</div>")
    return PROGRESS_CSS + head + intro + "".join(item_html(s) for s in states) + "</div>"


def measure_progress_html(board: Board, measure_id: str) -> str:
    """A measure's roll-up and its items (the measure itself, its deadlines, targets and places)."""
    roll = board.measure(measure_id)
    states = [board.state(measure_id)] + [board.state(i.id) for i in board.items.children(measure_id)]
    counts = "，".join(f"{k} {v}" for k, v in roll.counts.items() if v)
    late = f"，逾期 {roll.overdue} 项" if roll.overdue else ""
    return (PROGRESS_CSS + f'<div class="pp" data-progress-measure="{_e(measure_id)}"><div><b>实施进展（措施 {_e(measure_id)}）</b></div>'
            f'<div class="note">共 {roll.total} 项：{_e(counts)}{late}；完成度 {roll.progress:.0%}'
            "（已完成计 100%，量化目标按完成值/目标，其余计 0）。</div>"
            + "".join(item_html(s) for s in states) + "</div>")
