"""SIGKILL in the middle of polling, digest writing and delivery, then a restart: nothing
torn, nothing lost, nothing duplicated, and the interrupted work is redone."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from monitor.tools.replay import ReplayServer, write_replay_config

from ..conftest import REPLAY
from ..smtp_server import Behaviour, smtp_server


def monitor(config: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor", "--config", str(config), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def kill_after(config: Path, seconds: float, *args: str) -> int:
    proc = subprocess.Popen(
        [sys.executable, "-m", "monitor", "--config", str(config), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(seconds)
    proc.send_signal(signal.SIGKILL)
    return proc.wait(10)


def snapshot(db: Path) -> dict[str, object]:
    con = sqlite3.connect(db)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert not con.execute("PRAGMA foreign_key_check").fetchall()
        return {
            "entries": con.execute("SELECT count(*) FROM entries").fetchone()[0],
            "articles": sorted(r[0] for r in con.execute("SELECT canonical_url FROM articles")),
            "pending": con.execute(
                "SELECT count(*) FROM entries WHERE on_topic = 1 AND article_id IS NULL"
            ).fetchone()[0],
        }
    finally:
        con.close()


def test_kill_during_poll_then_restart(tmp_path: Path) -> None:
    clean_dir, crash_dir = tmp_path / "clean", tmp_path / "crash"
    clean_dir.mkdir()
    crash_dir.mkdir()
    # 0.3 s per answer and two requests at a time per host: a poll of the 15 replayed feeds
    # takes over 2 s before the first page, so every kill below lands mid-poll.
    with ReplayServer(REPLAY, delay=0.3) as server:
        clean = write_replay_config(REPLAY, server, clean_dir)
        assert monitor(clean, "poll").returncode == 0
        expected = snapshot(clean_dir / "monitor.sqlite")
        crashy = write_replay_config(REPLAY, server, crash_dir)
        for delay in (0.8, 1.5, 2.2):  # during start-up and feed fetching
            assert kill_after(crashy, delay, "poll") == -signal.SIGKILL
            if (crash_dir / "monitor.sqlite").exists():
                snapshot(crash_dir / "monitor.sqlite")  # never torn
        assert monitor(crashy, "poll").returncode == 0
    got = snapshot(crash_dir / "monitor.sqlite")
    assert got == expected  # same entries, same articles, nothing left pending, no duplicate


def test_kill_during_digest_writing_leaves_whole_files(tmp_path: Path) -> None:
    with ReplayServer(REPLAY) as server:
        config = write_replay_config(REPLAY, server, tmp_path)
        assert monitor(config, "poll").returncode == 0
    folder = tmp_path / "digests" / "2026" / "02"
    for delay in (0.9, 1.3, 1.7, 2.1):
        kill_after(config, delay, "digest", "--date", "2026-02-18")
        for path in folder.glob("2026-02-18.*") if folder.exists() else []:
            text = path.read_text(encoding="utf-8")
            if path.suffix == ".json":
                json.loads(text)  # complete, or the rename would not have happened
            elif path.suffix == ".html":
                assert text.rstrip().endswith("</html>")
            else:
                assert "## Sources and feed health" in text
    assert monitor(config, "digest", "--date", "2026-02-18").returncode == 0
    first = {p.name: p.read_bytes() for p in folder.glob("2026-02-18.*")}
    assert monitor(config, "digest", "--date", "2026-02-18").returncode == 0
    assert {p.name: p.read_bytes() for p in folder.glob("2026-02-18.*")} == first


def test_kill_during_delivery_loses_no_message(tmp_path: Path) -> None:
    recipients = [f"r{i}@example.org" for i in range(6)]
    behaviour = Behaviour(delay=0.6)
    with ReplayServer(REPLAY) as server, smtp_server(behaviour) as port:
        config = write_replay_config(REPLAY, server, tmp_path)
        config.write_text(
            config.read_text(encoding="utf-8")
            + f'\n[delivery.email]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
            f'from = "Digest <d@monitor.example.org>"\nto = {json.dumps(recipients)}\n',
            encoding="utf-8",
        )
        assert monitor(config, "poll").returncode == 0
        assert monitor(config, "digest", "--date", "2026-02-18").returncode == 0
        kill_after(config, 2.5, "deliver", "--date", "2026-02-18")
        partial = len(behaviour.received)
        assert partial < len(recipients), "the kill came too late to test anything"
        done = monitor(config, "deliver", "--date", "2026-02-18")
        assert done.returncode == 0, done.stderr
    got: dict[str, list[str]] = {}
    for rcpts, msg in behaviour.received:
        got.setdefault(rcpts[0], []).append(str(msg["Message-ID"]))
    assert sorted(got) == recipients  # nobody lost
    repeats = [ids for ids in got.values() if len(ids) > 1]
    assert len(repeats) <= 1  # at most the message in flight at the kill, with the same id
    assert all(len(set(ids)) == 1 for ids in got.values())
