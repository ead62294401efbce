"""Commands that write the database at the same time (cron's `poll` overlapping
`run --once`): the second waits for the first, or exits 4 when the service holds it."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from monitor.locks import service_lock, write_lock
from monitor.tools.replay import ReplayServer, write_replay_config

from .conftest import REPLAY


def start(config: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "monitor", "--config", str(config), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_overlapping_polls_both_finish_and_store_each_article_once(tmp_path: Path) -> None:
    # Slow answers keep the first poll busy while the second starts.
    with ReplayServer(REPLAY, delay=1.0) as server:
        config = write_replay_config(REPLAY, server, tmp_path)
        first = start(config, "poll")
        deadline = time.monotonic() + 60
        while not server.requests:  # the first is polling
            assert time.monotonic() < deadline, "the first poll never started"
            time.sleep(0.02)
        second = start(config, "poll")
        _, err1 = first.communicate(timeout=300)
        _, err2 = second.communicate(timeout=300)
    assert first.returncode == 0, err1
    assert second.returncode == 0, err2
    assert "Traceback" not in err1 + err2
    assert "waiting" in err2.lower()
    db = sqlite3.connect(tmp_path / "monitor.sqlite")
    urls = [r[0] for r in db.execute("SELECT canonical_url FROM articles")]
    assert urls and len(urls) == len(set(urls))


def test_while_the_service_runs_its_duties_exit_4_and_writers_wait_for_its_job(
    tmp_path: Path,
) -> None:
    db = tmp_path / "monitor.sqlite"
    with ReplayServer(REPLAY) as server:
        config = write_replay_config(REPLAY, server, tmp_path)
        with service_lock(db):
            for args in (["run", "--once"], ["deliver"]):
                proc = start(config, *args)
                out, err = proc.communicate(timeout=120)
                assert proc.returncode == 4, (args, out, err)
                assert "another monitor service" in err
                assert "Traceback" not in err
            # A poll typed meanwhile waits for the service's job in progress, then runs.
            with write_lock(db, "run"):
                proc = start(config, "poll")
                time.sleep(1.0)
                assert proc.poll() is None
            out, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err
            assert "waiting for `monitor run`" in err
