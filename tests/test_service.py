"""`monitor run` as a real process: feeds on 127.0.0.1, a real SMTP server, SIGKILL, SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser

from monitor.tools.replay import ReplayServer, write_replay_config

from .conftest import REPLAY
from .smtp_server import Behaviour, smtp_server

RCPTS = ["one@example.org", "two@example.org"]


def wait_for(check: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def sent_count(db: Path) -> int:
    import sqlite3

    con = sqlite3.connect(db)
    try:
        return int(
            con.execute("SELECT count(*) FROM deliveries WHERE status = 'sent'").fetchone()[0]
        )
    finally:
        con.close()


def start(config: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "monitor", "--config", str(config), "run"],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )


def test_service_delivers_once_and_survives_sigkill(tmp_path: Path) -> None:
    behaviour = Behaviour()
    with ReplayServer(REPLAY) as server, smtp_server(behaviour) as port:
        at = (datetime.now(UTC) + timedelta(seconds=10)).strftime("%H:%M:%S")
        config = write_replay_config(REPLAY, server, tmp_path)
        text = config.read_text(encoding="utf-8")
        text = text.replace("[digest]\n", f'[digest]\ntimezone = "UTC"\nat = "{at}"\n', 1)
        text = text.replace("[http]\n", '[schedule]\npoll_every = "1h"\n\n[http]\n', 1)
        text += (
            f'\n[delivery.email]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
            f'from = "Digest <digest@monitor.example.org>"\nto = {json.dumps(RCPTS)}\n'
        )
        config.write_text(text, encoding="utf-8")
        log = tmp_path / "service.log"
        feed_xml = tmp_path / "digests" / "feed.xml"

        proc = start(config, log)
        try:
            wait_for(lambda: "service started" in log.read_text(), 30, "the service to start")
            # a second service on the same database is refused at once, naming the first
            second = subprocess.run(
                [sys.executable, "-m", "monitor", "--config", str(config), "run"],
                capture_output=True,
                text=True,
                timeout=30,
            )
            assert second.returncode == 4
            assert f"pid {proc.pid}" in second.stderr

            wait_for(lambda: len(behaviour.received) >= 2, 60, "the digest e-mails")
            # Kill once both sends are recorded. (A kill between the server's acceptance and
            # the record re-sends that one message, with the same Message-ID: see
            # tests/hostile/test_crash.py.)
            wait_for(lambda: sent_count(tmp_path / "monitor.sqlite") == 2, 30, "the records")
            wait_for(feed_xml.exists, 10, "the Atom feed")
            assert sorted(r[0][0] for r in behaviour.received) == RCPTS
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)

            # restart after the kill: nothing is lost, nothing is sent again
            mark = log.stat().st_size
            proc = start(config, log)
            wait_for(lambda: "cycle:" in log.read_text()[mark:], 60, "a poll after restart")
            time.sleep(1)
            assert len(behaviour.received) == 2
            entries = feedparser.parse(feed_xml.read_bytes()).entries
            assert len(entries) == 1

            status = subprocess.run(
                [sys.executable, "-m", "monitor", "--config", str(config), "status", "--json"],
                capture_output=True,
                text=True,
                timeout=30,
            )
            info = json.loads(status.stdout)
            assert info["service"]["running"] and info["service"]["pid"] == proc.pid
            assert info["service"]["next_poll"] and info["service"]["next_digest"]
            assert [d["status"] for d in info["deliveries"]] == ["sent", "sent"]

            started = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(15) == 0
            assert time.monotonic() - started < 10
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
    assert "service stopped" in log.read_text()
