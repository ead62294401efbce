from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from monitor.windows import assign_window, latest_ended, window_bounds, window_for

KYIV = ZoneInfo("Europe/Kyiv")
AT = time(7, 0)


def test_window_is_previous_day_at_to_day_at_in_local_time() -> None:
    start, end = window_bounds(date(2026, 2, 18), AT, KYIV)
    assert start == datetime(2026, 2, 17, 5, 0, tzinfo=UTC)
    assert end == datetime(2026, 2, 18, 5, 0, tzinfo=UTC)
    assert window_for(datetime(2026, 2, 17, 20, 5, tzinfo=UTC), AT, KYIV) == date(2026, 2, 18)
    assert window_for(end, AT, KYIV) == date(2026, 2, 19)
    assert window_for(start, AT, KYIV) == date(2026, 2, 18)


def test_daylight_saving_days_give_23_and_25_hour_windows() -> None:
    spring = window_bounds(date(2026, 3, 29), AT, KYIV)
    autumn = window_bounds(date(2026, 10, 25), AT, KYIV)
    assert spring[1] - spring[0] == timedelta(hours=23)
    assert autumn[1] - autumn[0] == timedelta(hours=25)
    # windows tile time: each ends where the next starts
    day = date(2026, 3, 25)
    for _ in range(40):
        assert window_bounds(day, AT, KYIV)[1] == window_bounds(day + timedelta(1), AT, KYIV)[0]
        day += timedelta(1)


def test_at_inside_the_missing_hour_still_gives_one_window_per_day() -> None:
    at = time(3, 30)  # 29 March 2026: 03:00 -> 04:00 in Kyiv, so 03:30 does not exist
    days = [date(2026, 3, 28), date(2026, 3, 29), date(2026, 3, 30)]
    ends = [window_bounds(d, at, KYIV)[1] for d in days]
    assert ends[0] < ends[1] < ends[2]
    for d in days:
        s, e = window_bounds(d, at, KYIV)
        assert window_for(s + (e - s) / 2, at, KYIV) == d


def test_latest_ended_and_assignment_to_next_unbuilt_window() -> None:
    before = datetime(2026, 2, 18, 4, 0, tzinfo=UTC)  # 06:00 Kyiv
    after = datetime(2026, 2, 18, 6, 0, tzinfo=UTC)  # 08:00 Kyiv
    assert latest_ended(before, AT, KYIV) == date(2026, 2, 17)
    assert latest_ended(after, AT, KYIV) == date(2026, 2, 18)
    published = datetime(2026, 2, 17, 12, 0, tzinfo=UTC)
    assert assign_window(published, set(), AT, KYIV) == date(2026, 2, 18)
    built = {date(2026, 2, 18), date(2026, 2, 19)}
    assert assign_window(published, built, AT, KYIV) == date(2026, 2, 20)
