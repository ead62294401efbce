"""`monitor demo`: the whole pipeline on captured real feeds, served from 127.0.0.1."""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from .config import load_settings
from .errors import MonitorError
from .fetch import HttpClient
from .pipeline import build_digest, poll
from .replay import ReplayServer
from .store import Store


def default_folder() -> Path:
    return Path(__file__).resolve().parents[2] / "examples" / "demo"


def write_replay_config(
    folder: Path, server: ReplayServer, out: Path, topic_query: str | None = None
) -> Path:
    """A configuration that polls every feed of the replay folder through `server`.

    Every request goes to the replay server, which answers for the publishers' addresses,
    so the stored links and the digest's are the publishers' own."""
    names = server.meta
    lines = [
        "[storage]",
        f'database = "{(out / "monitor.sqlite").as_posix()}"',
        "",
        "[http]",
        "allow_private_networks = true   # the replay server is on 127.0.0.1",
        f'replay_server = "{server.base}"   # answers for the publishers\' addresses',
        "timeout_seconds = 10",
        "",
        "[digest]",
        f'directory = "{(out / "digests").as_posix()}"',
        "",
    ]
    if topic_query:
        lines += ["[topic]", f"query = {json.dumps(topic_query)}", ""]
    for name in server.feed_names():
        meta = names.get(name, {})
        lines += [
            "[[feeds]]",
            f"name = {json.dumps(meta.get('name', name))}",
            f"url = {json.dumps(server.feed_url(name))}",
        ]
        if meta.get("group"):
            lines.append(f"group = {json.dumps(meta['group'])}")
        lines.append("")
    path = out / "monitor.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def run_demo(folder: Path | None, keep: Path | None) -> tuple[Path, list[str]]:
    folder = folder or default_folder()
    if not (folder / "feeds").is_dir():
        raise MonitorError(
            f"no replay data at {folder} (run `monitor demo` from a checkout "
            "of the repository, or pass --data)"
        )
    out = keep or Path(tempfile.mkdtemp(prefix="monitor-demo-"))
    out.mkdir(parents=True, exist_ok=True)
    with ReplayServer(folder) as server:
        settings = load_settings(write_replay_config(folder, server, out), cwd=out)
        with Store.open(settings.database) as store, HttpClient(settings.http) as client:

            def clock() -> datetime:
                return datetime.now(UTC)

            poll(settings, store, client, clock)
            day = store.busiest_window()
            path = build_digest(settings, store, day, clock)
    return path, path.read_text(encoding="utf-8").splitlines()[:30]
