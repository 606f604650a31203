"""The office's clock: Beijing time, whatever the server's time zone (stored times are naive UTC)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

#: China Standard Time (UTC+8): the office's calendar and every time a planner reads.
BEIJING = timezone(timedelta(hours=8))


def today() -> date:
    """Today in Beijing (the office's calendar), whatever the server's time zone."""
    return datetime.now(BEIJING).date()


def local_text(value: datetime | None) -> str:
    """A stored time as planners read it: 2026-05-01 09:30 (Beijing time)."""
    return "" if value is None else value.replace(tzinfo=UTC).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def local_iso(value: datetime | None) -> str | None:
    """A stored (naive UTC) time as ISO text in Beijing time, e.g. 2026-05-01T09:30:00+08:00."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC).astimezone(BEIJING).isoformat(timespec="seconds")
