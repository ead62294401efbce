"""`monitor demo`: the whole pipeline on captured real feeds, served from 127.0.0.1."""

from __future__ import annotations

import contextlib
import json
import shlex
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime
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


KEEP_EXAMPLE = Path("monitor-demo")  # the folder the next steps suggest when none was kept
SHOWN_LINES = 30


@dataclass(frozen=True)
class DemoResult:
    day: date
    lines: tuple[str, ...]  # the opening of the Markdown digest
    kept: Path | None  # the folder holding config, database and digests; None: removed
    digest: Path  # the Markdown digest, relative to the folder
    keyword: str  # a word to try `monitor search` with


def run_demo(folder: Path | None, keep: Path | None) -> DemoResult:
    folder = folder or default_folder()
    if not (folder / "feeds").is_dir():
        raise MonitorError(
            f"no replay data at {folder} (run `monitor demo` from a checkout "
            "of the repository, or pass --data)"
        )
    # Absolute: the configuration written there must work from any working directory.
    out = keep.resolve() if keep else Path(tempfile.mkdtemp(prefix="monitor-demo-"))
    try:
        out.mkdir(parents=True, exist_ok=True)
        with ReplayServer(folder) as server:
            settings = load_settings(write_replay_config(folder, server, out), cwd=out)
            with Store.open(settings.database) as store, HttpClient(settings.http) as client:

                def clock() -> datetime:
                    return datetime.now(UTC)

                poll(settings, store, client, clock)
                day = store.busiest_window()
                path = build_digest(settings, store, day, clock)
        data = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        return DemoResult(
            day=date.fromisoformat(path.stem),
            lines=tuple(path.read_text(encoding="utf-8").splitlines()[:SHOWN_LINES]),
            kept=out if keep else None,
            digest=path.relative_to(out),
            keyword=_search_word(data.get("keywords", [])),
        )
    finally:
        if not keep:
            shutil.rmtree(out, ignore_errors=True)


def _search_word(keywords: list[str]) -> str:
    """The digest's first one-word keyword (a place or a name, usually)."""
    return next((k for k in keywords if " " not in k), keywords[0] if keywords else "peace")


def _shown(path: Path) -> str:
    """A path as the user can type it: relative to the working directory when inside it."""
    with contextlib.suppress(ValueError, OSError):  # outside it, or no working directory
        path = path.relative_to(Path.cwd())
    return shlex.quote(path.as_posix())


def next_steps(result: DemoResult) -> list[str]:
    """What to do after the demo, with commands that work where the files are."""
    folder = result.kept or KEEP_EXAMPLE
    config = _shown(folder / "monitor.toml")
    html = _shown(folder / result.digest.with_suffix(".html"))
    steps = [
        f"  Open {html} in a browser: the digest, linked to its archive.",
        f"  monitor --config {config} serve   # the archive on http://127.0.0.1:8080/",
        f"  monitor --config {config} search {shlex.quote(result.keyword)}"
        "   # search the digests and the stored articles",
    ]
    if result.kept:
        return ["Next steps:", *steps]
    return [
        "The demo ran in a temporary folder, now removed. To keep its files (configuration,",
        "database, digests):",
        f"  monitor demo --keep {_shown(KEEP_EXAMPLE)}",
        "then:",
        *steps,
    ]
