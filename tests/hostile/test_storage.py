"""Storage faults: a full disk, an unwritable digest folder, two writers at once."""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import cli
from monitor.errors import StorageError
from monitor.store import Store

from ..conftest import write_config


def _config(tmp_path: Path) -> Path:
    return write_config(
        tmp_path,
        f'[storage]\ndatabase = "{tmp_path / "m.sqlite"}"\n'
        f'[digest]\ndirectory = "{tmp_path / "digests"}"\n',
    )


@pytest.mark.parametrize("err", [errno.ENOSPC, errno.EACCES, errno.EROFS])
def test_failed_digest_write_is_a_clear_error_and_keeps_the_previous_digest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, err: int
) -> None:
    config = _config(tmp_path)
    runner = CliRunner()
    assert (
        runner.invoke(cli, ["--config", str(config), "digest", "--date", "2026-02-18"]).exit_code
        == 0
    )
    md = tmp_path / "digests" / "2026" / "02" / "2026-02-18.md"
    before = md.read_bytes()

    real_fdopen = os.fdopen

    def failing_fdopen(fd: int, *args: object, **kwargs: object) -> object:
        f = real_fdopen(fd, *args, **kwargs)  # type: ignore[call-overload]

        class Failing:
            def __enter__(self) -> Failing:
                return self

            def __exit__(self, *exc: object) -> None:
                f.close()

            def write(self, data: str) -> int:
                raise OSError(err, os.strerror(err))

        return Failing()

    monkeypatch.setattr(os, "fdopen", failing_fdopen)
    result = runner.invoke(cli, ["--config", str(config), "digest", "--date", "2026-02-18"])
    assert result.exit_code == 3
    assert os.strerror(err) in result.output
    assert md.read_bytes() == before  # the previous digest is untouched
    assert not list(md.parent.glob(".*.tmp"))  # and no temporary file is left behind


def test_two_writers_get_a_clean_error_never_corruption(tmp_path: Path) -> None:
    path = tmp_path / "m.sqlite"
    Store.open(path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process is in the middle of a write
    try:
        store = Store.open(path)
        store.db.execute("PRAGMA busy_timeout = 200")
        with pytest.raises(StorageError, match="busy or locked"), store.transaction():
            pass
        store.close()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with Store.open(path) as store:
        assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        store.set_state({"after": "ok"})
        assert store.state()["after"] == "ok"


def test_database_that_cannot_be_created_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    with pytest.raises(StorageError, match="cannot open database"):
        Store.open(blocker / "m.sqlite")


def _corrupt_database(tmp_path: Path) -> Path:
    """A real database with digests and articles, every page after the first overwritten."""
    from monitor.tools.replay import ReplayServer, write_replay_config

    from ..conftest import REPLAY

    with ReplayServer(REPLAY) as server:
        config = write_replay_config(REPLAY, server, tmp_path)
        for args in (["poll"], ["digest", "--date", "2026-02-18"]):
            result = CliRunner().invoke(cli, ["--config", str(config), *args])
            assert result.exit_code == 0, result.output
    db = tmp_path / "monitor.sqlite"
    con = sqlite3.connect(db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = con.execute("PRAGMA page_size").fetchone()[0]
    # Every page but the schema's: the database opens, and each query then fails.
    pages = [r[0] for r in con.execute("SELECT pageno FROM dbstat WHERE name NOT LIKE 'sqlite_s%'")]
    con.close()
    data = bytearray(db.read_bytes())
    for n in pages:
        start = (n - 1) * size
        data[start : start + size] = bytes((i * 7 + 13) % 256 for i in range(size))
    db.write_bytes(bytes(data))
    return config


@pytest.mark.parametrize(
    "args",
    [
        ["search", "talks"],
        ["digests", "list"],
        ["digests", "show"],
        ["digests", "site"],
        ["digest", "--date", "2026-02-18"],
        ["status"],
        ["topic", "test"],
    ],
)
def test_a_corrupted_database_is_exit_3_and_a_message(tmp_path: Path, args: list[str]) -> None:
    config = _corrupt_database(tmp_path)
    result = CliRunner().invoke(cli, ["--config", str(config), *args])
    assert result.exit_code == 3, (result.output, result.exception)
    assert "monitor:" in result.output and "database" in result.output


def test_a_site_that_cannot_be_written_is_exit_3(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    config = write_config(
        tmp_path,
        f'[storage]\ndatabase = "{tmp_path / "m.sqlite"}"\n'
        f'[digest]\ndirectory = "{blocker / "digests"}"\n',
    )
    result = CliRunner().invoke(cli, ["--config", str(config), "digests", "site"])
    assert result.exit_code == 3, result.output
    assert "cannot write" in result.output
