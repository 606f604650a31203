"""Tracking as the office has it now: the items from the plan data, the records and 起始年份 from the store, the board.

The one place that puts the pure pieces (items, board) together with the files and the store, for the command
line, the app, the 通报 and the tour.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from core import roles
from core.progress import YEAR_SETTING
from loaders.places import load_place_links, load_places_yaml
from loaders.plan import Plan, load_plan
from tracking.board import Board
from core.clock import today
from tracking.dates import check_year
from tracking.errors import ProgressError
from tracking.items import TrackItems, derive_items
from store import open_store
from store.base import Store


def plan_items(plan: Plan | None = None) -> TrackItems:
    """The trackable items of the plan data in effect."""
    return derive_items(plan or load_plan(), pd.DataFrame(load_places_yaml()), load_place_links())


def plan_year(store: Store | None = None) -> int | None:
    """The office's 起始年份, or None while unset."""
    value = (store or open_store()).setting(YEAR_SETTING)
    if value is None:
        return None
    try:
        return check_year(value)
    except ProgressError as exc:
        raise ProgressError(f"办公室设置中的{exc.message}请管理员重新设置（python -m tracking year 年份）。") from None


def set_plan_year(value, user: str, role: str | None, store: Store | None = None) -> int | None:
    """Set (or with None/"" clear) 起始年份: 管理 role only, a plausible year, recorded in the change log."""
    roles.require(role, "manage_settings")
    store = store or open_store()
    year = None if value in (None, "") else check_year(value)
    store.put_setting(YEAR_SETTING, year, user)
    return year


def load_board(plan: Plan | None = None, store: Store | None = None, on: date | None = None,
               items: TrackItems | None = None) -> Board:
    """Every item's state today (or on `on`) from the store in effect: the accepted reports count, with their evidence
    files; those awaiting review are counted per item."""
    store = store or open_store()
    return Board(items or plan_items(plan), store.progress_records(), plan_year(store), on or today(),
                 store.evidence_counts())
