"""Dates are the office's (Beijing) dates whatever the server's clock says: at 20:00 UTC on 12-07 it is 12-08 in 巢湖."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from core import clock

LATE_UTC = datetime(2026, 12, 7, 20, 0, tzinfo=UTC)


class _Frozen(datetime):
    @classmethod
    def now(cls, tz=None):
        return LATE_UTC.astimezone(tz) if tz else LATE_UTC.replace(tzinfo=None)


@pytest.fixture
def late_evening_utc(monkeypatch):
    monkeypatch.setattr(clock, "datetime", _Frozen)


def test_today_is_beijings_day(late_evening_utc):
    assert clock.today() == date(2026, 12, 8)
    assert clock.local_text(datetime(2026, 12, 7, 20, 0)) == "2026-12-08 04:00"  # a stored (naive UTC) time


def test_a_corrections_source_date_and_a_town_export_default_to_beijings_day(late_evening_utc):
    from corrections.checks import check_date

    assert check_date() == "2026-12-08"
    assert check_date("2026-12-08") == "2026-12-08"  # not "in the future" for the office


def test_no_module_asks_the_servers_clock_for_a_date():
    """Only core/clock.py may read the clock for a calendar date (date.today() is the server's time zone)."""
    import re
    from pathlib import Path

    repo = Path(__file__).resolve().parent.parent
    pattern = re.compile(r"\b(date\.today\(\)|datetime\.now\(\)|datetime\.today\(\)|datetime\.utcnow\(\))")
    found = [f"{p.relative_to(repo)}:{n}" for pkg in ("core", "geo", "loaders", "store", "corrections", "layers", "reports",
                                                      "tracking", "presentation", "views")
             for p in sorted((repo / pkg).rglob("*.py")) if p.name != "clock.py"
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if pattern.search(line)]
    assert found == []
