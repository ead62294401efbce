from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import cli
from monitor.config import Settings, load_settings, parse_clock, parse_duration
from monitor.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]


def test_shipped_config_is_valid_and_has_enough_feeds() -> None:
    settings = load_settings(ROOT / "config" / "monitor.toml", cwd=ROOT)
    assert len(settings.feeds) >= 12
    assert settings.topic.name == "Ukraine peace talks"
    assert not settings.http.allow_private_networks
    groups = {f.group for f in settings.feeds}
    assert {"ukraine", "russia", "europe", "us", "international"} <= groups


def test_an_empty_file_gives_the_defaults_of_the_dataclasses(tmp_path: Path) -> None:
    path = tmp_path / "empty.toml"
    path.write_text("", encoding="utf-8")
    defaults = Settings(path=path)
    assert load_settings(path, cwd=tmp_path) == replace(
        defaults,
        database=tmp_path / defaults.database,
        digest=replace(defaults.digest, directory=tmp_path / defaults.digest.directory),
    )


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


def invoke(path: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--config", str(path), *args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception  # a crash, not a reported error
    return result.exit_code, result.output


def test_a_deeply_nested_topic_query_is_a_config_error(tmp_path: Path) -> None:
    deep = "(" * 250 + "kyiv" + ")" * 250
    path = tmp_path / "monitor.toml"
    db = f'[storage]\ndatabase = "{tmp_path / "db.sqlite"}"\n'
    path.write_text(f'{db}[topic]\nquery = "{deep}"\n', encoding="utf-8")
    code, out = invoke(path, "feeds", "list")
    assert code == 2 and "topic.query: parentheses nested more than 32 levels deep" in out
    path.write_text(f'{db}[topic]\nquery = "kyiv"\n', encoding="utf-8")
    for query in (deep, "(" * 100_000, "NOT " * 100_000):
        code, out = invoke(path, "topic", "test", "--query", query)
        assert code == 2 and "--query" in out and "Traceback" not in out, out[:300]
    # a long query is no problem
    code, out = invoke(path, "topic", "test", "--query", " OR ".join(["kyiv"] * 20_000))
    assert code == 0, out


def test_feed_urls_names_and_groups_that_would_break_later_are_config_errors(
    tmp_path: Path,
) -> None:
    long_url = "https://e.org/" + "a" * 70_000
    path = tmp_path / "monitor.toml"
    path.write_text(
        f"""
[storage]
database = "{tmp_path / "db.sqlite"}"
[[feeds]]
name = "Long"
url = "{long_url}"
[[feeds]]
name = "Bell\\u0007 and escape\\u001b[31m"
url = "https://e.org/a"
group = "world\\u0000"
[[feeds]]
name = "C1 \\u009b and a non-character \\uffff"
url = "https://e.org/b c"
[[feeds]]
url = "https://[::1/feed"
[[feeds]]
name = "Tab\\there"
url = "https://e.org/d\\u0085"
""",
        encoding="utf-8",
    )
    code, out = invoke(path, "poll")
    assert code == 2, out
    for line in (
        "feeds[0].url: longer than 2048 characters",
        "feeds[1].name: must not contain control characters (U+0007 at position 5)",
        "feeds[1].group: must not contain control characters (U+0000 at position 6)",
        "feeds[2].name: must not contain control characters (U+009B at position 4)",
        "feeds[2].url: must not contain spaces or control characters",
        "feeds[3].url: not a valid URL",
        "feeds[4].name: must not contain control characters (U+0009 at position 4)",
        "feeds[4].url: must not contain spaces or control characters",
    ):
        assert line in out, line
    assert "a" * 100 not in out  # a long value is shown shortened
    assert not (tmp_path / "db.sqlite").exists()


def test_values_that_passed_validation_and_crashed_later_are_config_errors(
    tmp_path: Path,
) -> None:
    path = tmp_path / "monitor.toml"
    db = tmp_path / "db.sqlite"
    path.write_text(
        f"""
[storage]
database = "{db}\\u0000"
[http]
max_retry_after_seconds = 9223372036854775807
user_agent = "mönitor/1.0"
[topic]
name = "Talks\\u0000"
[schedule]
poll_every = "9999999d"
[digest]
directory = "digests\\u0000"
timezone = "Europe"
base_url = "https://[::1/archive/"
formats = []
site = false
[delivery.email]
host = "smtp.example.org\\r\\nRCPT TO:<x@evil.example>"
username = "ünïcode"
password_env = "SMTP\\u0000PASSWORD"
from = "digest\\u0000@example.org"
to = ["reader@example.org\\u0007"]
[delivery.webhook]
urls = ["https://[::1/hook", "https:///no-host", "https://hooks.example.org/a b"]
""",
        encoding="utf-8",
    )
    code, out = invoke(path, "status")
    assert code == 2, out
    for line in (
        "storage.database: must not contain a NUL character",
        "http.max_retry_after_seconds: must be between 0 and 604800",
        "http.user_agent: must be one line of printable ASCII",
        "topic.name: must not contain control characters (U+0000 at position 6)",
        "schedule.poll_every: must be between 1m and 7d",
        "digest.directory: must not contain a NUL character",
        "digest.timezone: unknown time zone 'Europe'",
        "digest.base_url: not a valid URL",
        "digest.formats: must list at least one format",
        "delivery.email.host: must be a host name",
        "delivery.email.username: must be printable ASCII",
        "delivery.email.password_env: must be an environment variable name",
        "delivery.email.from: not an e-mail address",
        "delivery.email.to[0]: not an e-mail address",
        "delivery.webhook.urls[0]: not a valid URL",
        "delivery.webhook.urls[1]: not an http(s) URL",
        "delivery.webhook.urls[2]: must not contain spaces or control characters",
    ):
        assert line in out, line
    assert not db.exists()
    # the bounds themselves are fine
    path.write_text(
        f'[storage]\ndatabase = "{db}"\n[http]\nmax_retry_after_seconds = 604800\n'
        '[schedule]\npoll_every = "7d"\n[digest]\ntimezone = "America/Argentina/Buenos_Aires"\n'
        'base_url = "https://news.example.org/archive"\nformats = ["json"]\n',
        encoding="utf-8",
    )
    assert invoke(path, "status")[0] == 0
    path.write_text(
        '[schedule]\npoll_every = "59s"\n[delivery.email]\nhost = "h"\nfrom = "a@b.org"\n'
        'to = ["c@d.org"]\nusername = "u"\npassword_env = "SMTP_PASSWORD\\n"\n',
        encoding="utf-8",
    )
    code, out = invoke(path, "status")
    assert code == 2 and "schedule.poll_every: must be between 1m and 7d" in out
    assert "delivery.email.password_env: must be an environment variable name" in out


def test_toml_nested_too_deeply_and_huge_numbers_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "monitor.toml"
    for body in ("x = " + "[" * 5000 + "]" * 5000, "x = " + "{a=" * 5000 + "1" + "}" * 5000):
        path.write_text(body + "\n", encoding="utf-8")
        code, out = invoke(path, "status")
        assert code == 2 and "not valid TOML: nested too deeply" in out, out[:300]
    path.write_text(f'[schedule]\npoll_every = "{"9" * 5000}s"\n', encoding="utf-8")
    code, out = invoke(path, "status")
    assert code == 2 and "schedule.poll_every: expected a positive duration" in out
    assert "9" * 100 not in out


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "0", "1e9"])
def test_webhook_timeout_is_bounded_like_the_others(tmp_path: Path, value: str) -> None:
    """A NaN, infinite or negative timeout crashed the delivery (socket.settimeout)."""
    path = tmp_path / "monitor.toml"
    path.write_text(
        f'[storage]\ndatabase = "{tmp_path / "db.sqlite"}"\n[delivery.webhook]\n'
        f'urls = ["https://hooks.example.org/h"]\ntimeout_seconds = {value}\n',
        encoding="utf-8",
    )
    code, out = invoke(path, "status")
    assert code == 2 and "delivery.webhook.timeout_seconds: must be between 0 and 600" in out


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
