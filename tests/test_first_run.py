"""A new user's first hour: no network, nothing configured, typos in dates and names."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from monitor.cli import cli

from .conftest import local_config


def monitor(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor", "--config", str(config), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def _offline(tmp_path: Path, feeds: int = 3) -> Path:
    # Port 9 (discard) on loopback refuses connections: a machine without network.
    return local_config(
        tmp_path,
        "".join(
            f'[[feeds]]\nname = "Feed {i}"\nurl = "http://127.0.0.1:9/feed{i}.xml"\n'
            for i in range(feeds)
        ),
    )


def test_without_network_each_failure_is_told_once_with_a_hint(tmp_path: Path) -> None:
    config = _offline(tmp_path)
    proc = monitor(config, "run", "--once")
    assert proc.returncode == 0, proc.stderr
    everything = proc.stdout + proc.stderr
    for i in range(3):
        assert everything.count(f"Feed {i}") == 1, everything
    assert "every feed failed" in everything.lower()
    assert "monitor demo" in everything


def test_no_feeds_configured_is_a_warning(tmp_path: Path) -> None:
    config = _offline(tmp_path, feeds=0)
    proc = monitor(config, "poll")
    assert proc.returncode == 0, proc.stderr
    assert "no feeds are configured" in (proc.stdout + proc.stderr).lower()
    assert "monitor feeds add" in proc.stdout + proc.stderr


def test_status_shows_times_in_the_digest_time_zone_and_cuts_long_names(tmp_path: Path) -> None:
    long_name = "The Extremely Long Name Of A Regional Public Broadcaster"
    config = local_config(
        tmp_path,
        f'[[feeds]]\nname = "{long_name}"\nurl = "http://127.0.0.1:9/feed.xml"\n',
        digest='timezone = "America/New_York"',
    )
    assert monitor(config, "poll").returncode == 0
    out = CliRunner().invoke(cli, ["--config", str(config), "status"]).output
    assert "The Extremely Long Name Of…" in out, out
    *lines, note = out.strip().splitlines()
    assert "America/New_York" in note
    assert not any("UTC" in line or ":00Z" in line for line in lines), out
    # JSON keeps UTC, for programs
    data = json.loads(CliRunner().invoke(cli, ["--config", str(config), "status", "--json"]).output)
    assert data["feeds"][0]["last_attempt"].endswith("Z")


def test_search_limit_has_help() -> None:
    out = CliRunner().invoke(cli, ["search", "--help"]).output
    limit_help = out[out.index("--limit") : out.index("--json")]
    assert "at most" in limit_help.lower(), out


def test_a_missing_digest_names_the_nearest_dates(tmp_path: Path) -> None:
    config = _offline(tmp_path, feeds=0)
    for day in ("2026-02-10", "2026-02-12", "2026-02-20"):
        result = CliRunner().invoke(cli, ["--config", str(config), "digest", "--date", day])
        assert result.exit_code == 0, result.output
    result = CliRunner().invoke(cli, ["--config", str(config), "digests", "show", "2026-02-15"])
    assert result.exit_code == 1
    assert "2026-02-12" in result.output and "2026-02-20" in result.output
    assert "2026-02-10" not in result.output
