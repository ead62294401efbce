"""Digest windows: the digest for day D covers [D-1 at `at`, D at `at`) in the digest's zone.

All arithmetic goes through local wall-clock times converted to UTC, so a daylight-saving
change makes a 23- or 25-hour window rather than a skipped or doubled one.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def window_end(day: date, at: time, tz: ZoneInfo) -> datetime:
    local = datetime.combine(day, at).replace(tzinfo=tz)
    # A wall time inside a spring-forward gap does not exist; zoneinfo maps it with the
    # offset from before the change, which lands after the gap: that is the intended moment.
    return local.astimezone(UTC)


def window_bounds(day: date, at: time, tz: ZoneInfo) -> tuple[datetime, datetime]:
    return window_end(day - timedelta(days=1), at, tz), window_end(day, at, tz)


def window_for(instant: datetime, at: time, tz: ZoneInfo) -> date:
    """The day whose window contains `instant`."""
    day = instant.astimezone(tz).date()
    for _ in range(3):
        start, end = window_bounds(day, at, tz)
        if instant >= end:
            day += timedelta(days=1)
        elif instant < start:
            day -= timedelta(days=1)
        else:
            return day
    return day


FIRST_DAY = date(1990, 1, 1)  # no feed date before it is believed (ingest/entries.py)
LAST_DAY = date(9998, 12, 31)  # leaves room for the next window


def day_problem(day: date) -> str:
    """Why `day` cannot be a digest's date ("" when it can)."""
    if not FIRST_DAY <= day <= LAST_DAY:
        return f"{day.isoformat()} is out of range: use a date from {FIRST_DAY} to {LAST_DAY}"
    return ""


def latest_ended(now: datetime, at: time, tz: ZoneInfo) -> date:
    """The most recent window that has ended: today's if it is past `at`, else yesterday's."""
    return window_for(now, at, tz) - timedelta(days=1)


def assign_window(published: datetime, built: set[date], at: time, tz: ZoneInfo) -> date:
    """The window of `published`, or the next one not yet built if that digest exists."""
    day = window_for(published, at, tz)
    while day in built:
        day += timedelta(days=1)
    return day
