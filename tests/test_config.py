from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import cli
from monitor.config import load_settings, parse_clock, parse_duration
from monitor.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]


def test_shipped_config_is_valid_and_has_enough_feeds() -> None:
    settings = load_settings(ROOT / "config" / "monitor.toml", cwd=ROOT)
    assert len(settings.feeds) >= 12
    assert settings.topic.name == "Ukraine peace talks"
    assert not settings.http.allow_private_networks
    groups = {f.group for f in settings.feeds}
    assert {"ukraine", "russia", "europe", "us", "international"} <= groups


def test_every_problem_is_reported_with_its_key_path(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(
        """
[storage]
databse = "x.sqlite"
[http]
timeout_seconds = "soon"
max_bytes = 10
[topic]
query = "(ukraine OR"
[schedule]
poll_every = "often"
[digest]
timezone = "Mars/Olympus"
at = "25:00"
[[feeds]]
url = "ftp://example.org/feed"
colour = "red"
""",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as err:
        load_settings(path, cwd=tmp_path)
    text = str(err.value)
    for key in (
        "storage.databse: unknown key",
        "http.timeout_seconds",
        "http.max_bytes",
        "topic.query",
        "schedule.poll_every",
        "digest.timezone",
        "digest.at",
        "feeds[0].url",
        "feeds[0].colour: unknown key",
    ):
        assert key in text
    assert str(path) in text


def test_cli_exits_non_zero_on_bad_config_without_touching_the_database(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    db = tmp_path / "db.sqlite"
    path.write_text(f'[storage]\ndatabase = "{db}"\n[http]\nmax_bytes = -1\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(path), "poll"])
    assert result.exit_code == 2
    assert "http.max_bytes" in result.output
    assert not db.exists()


def test_config_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "env.toml"
    path.write_text('[[feeds]]\nname = "A"\nurl = "https://a.example.org/rss"\n', encoding="utf-8")
    monkeypatch.setenv("MONITOR_CONFIG", str(path))
    result = CliRunner().invoke(cli, ["feeds", "list"])
    assert result.exit_code == 0, result.output
    assert "https://a.example.org/rss" in result.output


def test_missing_config_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--config", str(tmp_path / "nope.toml"), "status"])
    assert result.exit_code == 2
    assert "file not found" in result.output


def test_durations_and_clock() -> None:
    assert parse_duration("30m") == 1800
    assert parse_duration("2h") == 7200
    assert parse_clock("07:00:30").second == 30
    for bad in ("0m", "5 minutes", "1w"):
        with pytest.raises(ValueError):
            parse_duration(bad)


def test_a_replay_server_must_be_on_this_machine(tmp_path: Path) -> None:
    path = tmp_path / "replay.toml"
    for value, private, problem in (
        ("http://127.0.0.1:8123", "true", None),
        ("http://localhost:8123/", "true", None),
        ("http://news.example.org:8123", "true", "http.replay_server: must be an http:// address"),
        ("https://127.0.0.1:8123", "true", "http.replay_server: must be an http:// address"),
        ("http://127.0.0.1:8123", "false", "http.replay_server: needs"),
    ):
        path.write_text(
            f'[http]\nallow_private_networks = {private}\nreplay_server = "{value}"\n',
            encoding="utf-8",
        )
        if problem is None:
            assert load_settings(path, cwd=tmp_path).http.replay_server == value.rstrip("/")
        else:
            with pytest.raises(ConfigError, match=problem):
                load_settings(path, cwd=tmp_path)
    path.write_text("", encoding="utf-8")
    assert load_settings(path, cwd=tmp_path).http.replay_server == ""
