"""The plan year and the dates it gives the deadlines: the plan states no year, an office sets 起始年份 once.

Until it is set, a deadline is its phrase with 「年份未定」 and nothing is overdue. Recurring cadences (每月, 每半年)
and 如期 never become a single date.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta

from core.clock import today
from core.progress import EARLIEST_YEAR, SOON_DAYS, YEAR_LABEL, YEAR_UNSET
from loaders.plan import DUE_PHRASES
from tracking.errors import ProgressError

#: Years after today's that an office may still set (a plan being prepared for next year).
YEARS_AHEAD = 1


def check_year(value, now: date | None = None) -> int:
    """A plausible 起始年份 (2017 … next year) from a number or text; ProgressError in Chinese otherwise."""
    latest = (now or today()).year + YEARS_AHEAD
    text = str(value).strip().removesuffix("年")
    try:
        year = int(text)
    except ValueError:
        raise ProgressError(f"{YEAR_LABEL}「{value}」应为四位数年份，如 2018。") from None
    if not EARLIEST_YEAR <= year <= latest:
        raise ProgressError(f"{YEAR_LABEL} {year} 不合理：应在 {EARLIEST_YEAR}—{latest} 之间"
                            f"（方案引用了 {EARLIEST_YEAR} 年的文件，时限不会早于该年）。")
    return year


def due_date(phrase: str, year: int | None) -> date | None:
    """The last day a deadline phrase allows in the plan year (6月底前 → 6-30), or None: no year, no phrase,
    a cadence (每月) or 如期."""
    if year is None or not phrase or phrase not in DUE_PHRASES:
        return None
    month, recurring = DUE_PHRASES[phrase]
    if month is None or recurring:
        return None
    return date(year, month, calendar.monthrange(year, month)[1])


def due_text(phrase: str, year: int | None) -> str:
    """A deadline as planners read it: 6月底前（2018-06-30）, 6月底前（年份未定）, 每月（周期性）, 如期（方案未给日期）."""
    if not phrase:
        return ""
    if phrase in DUE_PHRASES and DUE_PHRASES[phrase][1]:
        return f"{phrase}（周期性）"
    if phrase in DUE_PHRASES and DUE_PHRASES[phrase][0] is None:
        return f"{phrase}（方案未给日期）"
    when = due_date(phrase, year)
    return f"{phrase}（{when.isoformat()}）" if when else f"{phrase}（{YEAR_UNSET}）"


def is_soon(due: date | None, on: date, days: int = SOON_DAYS) -> bool:
    """Whether a date is today or within the next `days` days (SOON_DAYS unless given)."""
    return due is not None and on <= due <= on + timedelta(days=days)


def month_bounds(month: str, now: date | None = None) -> tuple[date, date]:
    """(first day, last day) of a month given as 2026-11; ProgressError for a malformed or future month."""
    try:
        start = datetime.strptime(str(month).strip(), "%Y-%m").date()
    except ValueError:
        raise ProgressError(f"月份「{month}」格式不对，应形如 2026-11。") from None
    now = now or today()
    if start > now:
        raise ProgressError(f"月份 {month} 还没有到（今天是 {now.isoformat()}），无法通报。")
    if start.year < EARLIEST_YEAR:
        raise ProgressError(f"月份 {month} 早于方案（{EARLIEST_YEAR} 年）。")
    return start, date(start.year, start.month, calendar.monthrange(start.year, start.month)[1])
