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
