from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from monitor.errors import AlreadyRunning
from monitor.locks import lock_path, running_pid, service_lock
from monitor.service import _make_trigger, next_digest_time

KYIV = ZoneInfo("Europe/Kyiv")


def fire_times(at: time, start: datetime, count: int) -> list[datetime]:
    trigger = _make_trigger(at, KYIV)
    out: list[datetime] = []
    prev = None
    now = start
    for _ in range(count):
        nxt = trigger.get_next_fire_time(prev, now)
        out.append(nxt)
        prev = now = nxt
    return out


@pytest.mark.parametrize(
    ("start", "changeover"),
    [
        (datetime(2026, 3, 26, tzinfo=UTC), datetime(2026, 3, 29).date()),  # spring forward
        (datetime(2026, 10, 22, tzinfo=UTC), datetime(2026, 10, 25).date()),  # fall back
    ],
)
def test_digest_at_inside_the_changeover_hour_fires_once_a_day(
    start: datetime, changeover: object
) -> None:
    times = fire_times(time(3, 30), start, 7)
    local_days = [t.astimezone(KYIV).date() for t in times]
    assert local_days == sorted(set(local_days)), "one digest per day, none skipped or doubled"
    assert len(set(local_days)) == 7 and changeover in local_days
    gaps = {times[i + 1] - times[i] for i in range(len(times) - 1)}
    assert gaps <= {timedelta(hours=23), timedelta(hours=24), timedelta(hours=25)}


def test_spring_forward_missing_time_maps_after_the_gap() -> None:
    # 03:30 does not exist on 29 March 2026 in Kyiv (03:00 -> 04:00): it fires at 04:30 local.
    fire = next_digest_time(datetime(2026, 3, 29, 0, 0, tzinfo=UTC), time(3, 30), KYIV)
    assert fire == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    # 03:30 happens twice on 25 October 2026: the digest fires at the first one only.
    fall = fire_times(time(3, 30), datetime(2026, 10, 24, 12, tzinfo=UTC), 2)
    assert fall[0] == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert fall[1] == datetime(2026, 10, 26, 1, 30, tzinfo=UTC)


def test_windows_around_changes_are_23_and_25_hours() -> None:
    times = fire_times(time(7, 0), datetime(2026, 3, 27, tzinfo=UTC), 4)
    assert times[2] - times[1] == timedelta(hours=23)  # 28 -> 29 March
    times = fire_times(time(7, 0), datetime(2026, 10, 23, tzinfo=UTC), 4)
    assert times[2] - times[1] == timedelta(hours=25)  # 24 -> 25 October


def test_second_service_is_refused_naming_the_first(tmp_path: Path) -> None:
    db = tmp_path / "m.sqlite"
    with service_lock(db):
        assert running_pid(db) == os.getpid()
        with pytest.raises(AlreadyRunning, match=f"pid {os.getpid()}"), service_lock(db):
            pass
    assert running_pid(db) is None


def test_stale_lock_of_a_killed_process_does_not_block(tmp_path: Path) -> None:
    db = tmp_path / "m.sqlite"
    code = (
        "import os, sys\n"
        "from pathlib import Path\n"
        "from monitor.locks import service_lock\n"
        f"with service_lock(Path({str(db)!r})):\n"
        "    os.kill(os.getpid(), 9)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], check=False)
    assert proc.returncode == -9
    assert lock_path(db).read_text().split()[0].isdigit()  # the dead process's pid is still there
    assert running_pid(db) is None
    with service_lock(db):
        assert running_pid(db) == os.getpid()


def test_catch_up_only_what_was_missed(tmp_path: Path) -> None:
    from datetime import date

    from monitor.config import load_settings
    from monitor.service import Service
    from monitor.store import Store, iso

    from .conftest import write_config

    cfg = write_config(
        tmp_path,
        f'[storage]\ndatabase = "{tmp_path / "m.sqlite"}"\n'
        f'[digest]\ndirectory = "{tmp_path / "d"}"\ntimezone = "Europe/Kyiv"\nat = "07:00"\n',
    )
    settings = load_settings(cfg, cwd=tmp_path)
    now = datetime(2026, 2, 18, 9, 0, tzinfo=UTC)  # 11:00 in Kyiv: the 18th's digest is due
    service = Service(settings, clock=lambda: now)
    with Store.open(settings.database) as store:
        assert service.catch_up_day(store) is None  # a fresh installation: nothing missed
        store.set_state({"first_poll": iso(datetime(2026, 2, 18, 5, 30, tzinfo=UTC))})
        assert service.catch_up_day(store) is None  # started after that window had ended
        store.set_state({"first_poll": iso(datetime(2026, 2, 16, 12, 0, tzinfo=UTC))})
        assert service.catch_up_day(store) == date(2026, 2, 18)
        service._build_and_deliver(store, date(2026, 2, 18))
        assert date(2026, 2, 18) in store.built_dates()
        assert service.catch_up_day(store) is None  # once


def test_feed_edits_are_taken_up_by_a_running_service(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from monitor.config import load_settings
    from monitor.config.edit import add_feeds
    from monitor.service import Service

    from .conftest import write_config

    cfg = write_config(
        tmp_path,
        f'[storage]\ndatabase = "{tmp_path / "m.sqlite"}"\n'
        '[[feeds]]\nname = "A"\nurl = "https://a.example/feed"\n',
    )
    service = Service(load_settings(cfg, cwd=tmp_path))
    service._reload_feeds()
    assert [f.name for f in service.settings.feeds] == ["A"]
    from monitor.config import FeedConfig

    add_feeds(cfg, [FeedConfig("B", "https://b.example/feed")])
    os.utime(cfg, ns=(1, 2))  # a different mtime even on coarse file systems
    service._reload_feeds()
    assert [f.name for f in service.settings.feeds] == ["A", "B"]
    assert service.settings.database == tmp_path / "m.sqlite"
    # a broken edit is reported and the feeds in use are kept
    cfg.write_text(cfg.read_text(encoding="utf-8") + "\n[[feeds]]\nurl = 'ftp://x'\n")
    os.utime(cfg, ns=(3, 4))
    service._reload_feeds()
    assert [f.name for f in service.settings.feeds] == ["A", "B"]
    assert "cannot be used" in caplog.text
