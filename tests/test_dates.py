"""Dates typed by a user: refused outside a sane range, stored so that they read back."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import cli
from monitor.store import Store, iso, parse_iso

from .conftest import write_config


def _config(tmp_path: Path) -> Path:
    return write_config(
        tmp_path,
        f"""
[storage]
database = "{tmp_path / "m.sqlite"}"
[digest]
directory = "{tmp_path / "digests"}"
""",
    )


def run(config: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--config", str(config), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


@pytest.mark.parametrize("typed", ["0999-01-01", "0001-01-01", "1989-12-31", "9999-12-31"])
def test_digest_date_out_of_range_is_refused_and_archive_stays_whole(
    tmp_path: Path, typed: str
) -> None:
    config = _config(tmp_path)
    code, out = run(config, "digest", "--date", typed)
    assert code == 2, out
    assert "1990-01-01" in out
    for args in (["digests", "list"], ["digests", "site"], ["digest", "--date", "2026-02-18"]):
        code, out = run(config, *args)
        assert code == 0, (args, out)


def test_a_digest_whose_window_has_not_begun_is_refused(tmp_path: Path) -> None:
    config = _config(tmp_path)
    code, out = run(config, "digest", "--date", "2999-01-01")
    assert code == 2, out
    assert "not begun" in out


def test_other_date_options_check_the_range(tmp_path: Path) -> None:
    config = _config(tmp_path)
    for args in (
        ["deliver", "--date", "0999-01-01"],
        ["digests", "show", "0999-01-01"],
        ["search", "talks", "--since", "0001-01-01"],
    ):
        code, out = run(config, *args)
        assert code == 2, (args, out)


@pytest.mark.parametrize(
    "when",
    [
        datetime(1990, 1, 1, tzinfo=UTC),
        datetime(999, 3, 4, 5, 6, 7, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC),
    ],
)
def test_stored_times_round_trip(when: datetime) -> None:
    assert parse_iso(iso(when)) == when


def test_a_digest_stored_with_a_mistyped_date_is_removed_on_upgrade(tmp_path: Path) -> None:
    """Earlier versions stored `digest --date 0999-01-01` with times that did not read back,
    after which every digest command failed."""
    from monitor.store.migrations import MIGRATIONS

    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path)
    for step in MIGRATIONS[:4]:
        step(db)
    db.execute("PRAGMA user_version = 4")
    for day, start, end in (
        ("0999-01-01", "998-12-31T22:00:00Z", "999-01-01T05:00:00Z"),
        ("2026-02-18", "2026-02-17T05:00:00Z", "2026-02-18T05:00:00Z"),
    ):
        db.execute(
            "INSERT INTO digests (date, window_start, window_end, built_at, path, content_hash, "
            "articles, stories) VALUES (?, ?, ?, '2026-02-18T06:00:00Z', 'p', 'h', 0, 0)",
            (day, start, end),
        )
        db.execute("INSERT INTO digest_points VALUES (?, 's1', 0, 'Envoys met', 'u')", (day,))
    db.commit()
    db.close()
    with Store.open(path) as store:
        assert [d.date for d in store.digests()] == [date(2026, 2, 18)]
        assert store.built_dates() == {date(2026, 2, 18)}
