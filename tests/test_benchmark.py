"""The benchmark runs end to end at a small size (a smoke run: no timing assertions)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_benchmark_smoke_run(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "run.py"),
            "--feeds",
            "3",
            "--items",
            "3",
            "--json",
            "--pages",
            str(ROOT / "benchmarks" / "data" / "aeb-sample" / "html"),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "TMPDIR": str(tmp_path)},
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    for key in (
        "poll_s",
        "fetch_s",
        "extract_s",
        "dedupe_s",
        "cluster_s",
        "summarize_s",
        "render_s",
        "total_s",
        "peak_rss_mb",
        "trafilatura_floor_s",
        "lxml_floor_s",
        "repoll_s",
        "repoll_bodies",
    ):
        assert key in result, key
    assert result["pages"] == 9
    assert result["articles"] + result["duplicates"] == 9
    assert result["repoll_bodies"] == 0  # unchanged feeds answer 304
    assert list(tmp_path.iterdir()) == []  # its database and digests are removed
