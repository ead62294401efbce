"""`monitor demo` and `python -m monitor.replay`, as a new user runs them."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

from .conftest import REPLAY

ROOT = Path(__file__).resolve().parents[1]


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
