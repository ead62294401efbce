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

from monitor.config import load_settings
from monitor.errors import MonitorError
from monitor.ingest.fetch import HttpClient
from monitor.pipeline import build_digest, poll
from monitor.store import Store
from monitor.tools.replay import ReplayServer, write_replay_config


def default_folder() -> Path:
    return Path(__file__).resolve().parents[3] / "examples" / "demo"


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


def shown(path: Path) -> str:
    """A path as the user can type it: relative to the working directory when inside it."""
    with contextlib.suppress(ValueError, OSError):  # outside it, or no working directory
        path = path.relative_to(Path.cwd())
    return shlex.quote(path.as_posix())


def next_steps(result: DemoResult) -> list[str]:
    """What to do after the demo, with commands that work where the files are."""
    folder = result.kept or KEEP_EXAMPLE
    config = shown(folder / "monitor.toml")
    html = shown(folder / result.digest.with_suffix(".html"))
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
        f"  monitor demo --keep {shown(KEEP_EXAMPLE)}",
        "then:",
        *steps,
    ]
