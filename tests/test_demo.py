"""`monitor demo` and `python -m monitor.replay`, as a new user runs them."""

from __future__ import annotations

import json
import shlex
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import cli

from .conftest import REPLAY

ROOT = Path(__file__).resolve().parents[1]


def _links(digest: dict) -> list[str]:  # type: ignore[type-arg]
    out = [p["url"] for s in digest["stories"] for p in s["points"]]
    out += [a["url"] for s in digest["stories"] for a in s["articles"]]
    return out + [q["url"] for q in digest["quotes"]]


def test_demo_removes_its_temporary_folder_and_says_how_to_keep_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    result = CliRunner().invoke(cli, ["demo"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "daily breakdown, 18 February 2026" in out
    shown = out.split("\n…\n")[0]  # the digest's opening, then the next steps
    assert "https://" in shown and "127.0.0.1" not in shown  # the publishers' links
    assert list(tmp_path.iterdir()) == []  # nothing left behind
    assert str(tmp_path) not in out  # no path to a removed file
    assert "  monitor demo --keep monitor-demo\n" in out
    assert "Open monitor-demo/digests/2026/02/2026-02-18.html in a browser" in out
    assert "  monitor --config monitor-demo/monitor.toml serve" in out
    assert "  monitor --config monitor-demo/monitor.toml search Geneva" in out


def test_demo_keep_writes_where_its_next_steps_say(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["demo", "--keep", "kept"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Digest written to kept/digests/2026/02/2026-02-18.md" in out
    assert "Open kept/digests/2026/02/2026-02-18.html in a browser" in out
    assert (tmp_path / "kept/digests/2026/02/2026-02-18.html").is_file()
    assert (tmp_path / "kept/digests/index.html").is_file()  # what `serve` shows
    assert "monitor demo --keep" not in out
    steps = [line.strip() for line in out.splitlines() if line.startswith("  monitor --config")]
    commands = [shlex.split(s, comments=True) for s in steps]
    assert [c[3] for c in commands] == ["serve", "search"]
    # the printed search runs as printed, from here, on the demo's own database
    search = CliRunner().invoke(cli, commands[1][1:], catch_exceptions=False)
    assert search.exit_code == 0, search.output
    assert "Geneva" in search.output and "https://www.whitehouse.gov/" in search.output

    digest = json.loads((tmp_path / "kept/digests/2026/02/2026-02-18.json").read_text("utf-8"))
    links = _links(digest)
    assert links and all(u.startswith("https://") and "127.0.0.1" not in u for u in links)
    feeds = {s["name"]: s["url"] for s in digest["sources"]}
    assert feeds["BBC News (World)"] == "https://feeds.bbci.co.uk/news/world/rss.xml"
    with sqlite3.connect(tmp_path / "kept/monitor.sqlite") as db:
        stored = [u for row in db.execute("SELECT url, canonical_url FROM articles") for u in row]
    assert stored and not any("127.0.0.1" in u for u in stored)


def test_replay_command_serves_captures_under_the_publishers_addresses(tmp_path: Path) -> None:
    """`python -m monitor.replay FOLDER --config replay.toml`, then `monitor poll` in another
    process: the captured pages are fetched and stored under the publisher's address."""
    folder = tmp_path / "captures"
    (folder / "feeds").mkdir(parents=True)
    (folder / "pages").mkdir()
    shutil.copy(REPLAY / "feeds/whitehouse_statements.rss.xml", folder / "feeds")
    index = json.loads((REPLAY / "pages/index.json").read_text(encoding="utf-8"))
    index = {u: f for u, f in index.items() if "whitehouse.gov" in u}
    (folder / "pages/index.json").write_text(json.dumps(index), encoding="utf-8")
    for name in index.values():
        shutil.copy(REPLAY / "pages" / name, folder / "pages")
    config = tmp_path / "replay.toml"
    server = subprocess.Popen(
        [sys.executable, "-m", "monitor.replay", str(folder), "--config", str(config)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        assert server.stdout.readline().startswith(f"serving {folder} at http://127.0.0.1:")
        poll = subprocess.run(
            [sys.executable, "-m", "monitor", "--config", str(config), "poll"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert poll.returncode == 0, poll.stderr
    finally:
        server.terminate()
        server.communicate(timeout=10)
    with sqlite3.connect(tmp_path / "monitor.sqlite") as db:
        rows = db.execute("SELECT url, text_origin FROM articles").fetchall()
    assert rows and all(url in index and origin == "page" for url, origin in rows)
