"""The progress panel as HTML (presentation/templates/progress_panel.html.j2): each item of a place (or a measure) with its
current state and a small timeline of its reports, every value escaped. Pure (no Streamlit): the 实施进展 page and
the map's panel show these strings.
"""

from __future__ import annotations

from core.templates import render, style_element
from markupsafe import Markup

from core.clock import local_text
from core.formatting import number
from core.progress import CATEGORY_COLORS, NOT_REPORTED, OVERDUE
from tracking.board import Board, place_category

PROGRESS_CSS = style_element("presentation", "progress_panel.css")


def _color(status: str) -> str:
    """The colour of a status or category (not reported: grey)."""
    return CATEGORY_COLORS.get(status, CATEGORY_COLORS[NOT_REPORTED])


def _render(reminders: dict | None = None, **context) -> str:
    return render("presentation", "progress_panel.html.j2", css=Markup(PROGRESS_CSS), color=_color, number=number,
                  overdue=OVERDUE, overdue_color=CATEGORY_COLORS[OVERDUE], reminders=reminders or {}, when=local_text,
                  **context)


def place_progress_html(board: Board, place_id: str, name: str = "", reminders: dict | None = None) -> str:
    """The 实施进展 section of a place's panel: its colour on the progress map and each of its items, with the 催办
    of each (`reminders`: item id → its 催办, newest first) in its history."""
    states = board.of_place(place_id)
    return _render(reminders, measure_id="", place_id=place_id, name=name, board=board, states=states,
                   category=place_category(states), reported=sum(1 for s in states if s.record is not None),
                   year=f"起始年份 {board.year}" if board.year else "起始年份未设置，不判断逾期")


def measure_progress_html(board: Board, measure_id: str) -> str:
    """A measure's roll-up and its items (the measure itself, its deadlines, targets and places)."""
    roll = board.measure(measure_id)
    states = [board.state(measure_id)] + [board.state(i.id) for i in board.items.children(measure_id)]
    counts = "，".join(f"{k} {v}" for k, v in roll.counts.items() if v)
    return _render(measure_id=measure_id, roll=roll, counts=counts, states=states)
