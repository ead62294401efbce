#!/usr/bin/env python3
"""Rebuild every digest of a kept monitor folder and list what was written, with hashes.

    python benchmarks/rebuild.py CONFIG OUT [--json]

CONFIG is a kept run's configuration (`benchmarks/run.py --keep DIR` leaves DIR/monitor.toml;
a replay's `--config` file does as well). Its database is copied into OUT, so the run is
never changed, and every
digest stored in it is built again, oldest first, with the code on the import path, into
OUT/digests (with the archive site and the Atom feed). The output lists each file's path
relative to OUT/digests and its SHA-256: run it with two versions of the code and compare
the lists to check that a change kept every digest byte for byte.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sqlite3
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from monitor.config import load_settings  # noqa: E402
from monitor.pipeline import build_digest  # noqa: E402
from monitor.store import Store  # noqa: E402

# Rebuilds keep each digest's first build time (stored), so the clock only stamps built_at.
CLOCK = datetime(2030, 1, 1, tzinfo=UTC)


def rebuild(config: Path, out: Path) -> dict[str, str]:
    settings = load_settings(config, cwd=config.parent)
    out.mkdir(parents=True, exist_ok=True)
    if any(out.iterdir()):
        raise SystemExit(f"{out}: the folder must be empty")
    database = out / settings.database.name
    # The online backup API copies a WAL database whole, whatever is still in its log.
    with sqlite3.connect(settings.database) as src, sqlite3.connect(database) as dst:
        src.backup(dst)
    settings = replace(
        settings,
        database=database,
        digest=replace(settings.digest, directory=out / "digests"),
    )
    with Store.open(settings.database) as store:
        days = sorted(store.built_dates())
        for day in days:
            build_digest(settings, store, day, lambda: CLOCK)
    root = out / "digests"
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("config", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    files = rebuild(args.config, args.out)
    if args.json:
        print(json.dumps(files, indent=2, sort_keys=True))
    else:
        for path, digest in files.items():
            print(f"{digest}  {path}")


if __name__ == "__main__":
    main()
