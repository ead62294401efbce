"""Untrusted values that become URLs and numbers: a bad one is recorded as rejected and the
run goes on; nothing poisons later polls."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import ClassVar

import pytest
from click.testing import CliRunner

from monitor.cli import cli

from ..conftest import http_server, local_config

TALKS = "Ukraine peace talks resume in Geneva with envoys from Kyiv and Moscow"
BAD_LINKS = {
    "port": "http://127.0.0.1:99999/x",
    "idna": "http://xn--ls8h.xn--/x",
    "long": "https://news.example.org/" + "a" * 70_000,
    "control": "https://news.example.org/a\x7fb",
}


def _item(guid: str, link: str, title: str = TALKS) -> str:
    return (
        f"<item><guid>{guid}</guid><title>{title} ({guid})</title><link>{link}</link>"
        f"<description>Envoys met on Tuesday. {guid}</description>"
        "<pubDate>Tue, 17 Feb 2026 10:00:00 GMT</pubDate></item>"
    )


class Feeds(BaseHTTPRequestHandler):
    """One feed with good and bad links, and answers with hostile header values."""

    base: ClassVar[str] = ""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        if "Content-Length" not in headers:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path == "/mixed.xml":
            items = [_item("good", f"{Feeds.base}/page/good")]
            items += [_item(k, v) for k, v in BAD_LINKS.items()]
            # An item that redirects to a URL with a bad port: fetched, then refused.
            items.append(_item("redirect", f"{Feeds.base}/redirect"))
            body = (
                '<?xml version="1.0"?><rss version="2.0"><channel><title>Mixed</title>'
                + "".join(items)
                + "</channel></rss>"
            ).encode()
            self._send(200, body, {"Content-Type": "application/rss+xml", "ETag": '"é1"'})
        elif self.path == "/page/good":
            page = f"<html><body><article><h1>{TALKS}</h1>" + (
                "<p>Envoys met in Geneva on Tuesday and agreed to meet again.</p>" * 5
            )
            self._send(200, page.encode(), {"Content-Type": "text/html"})
        elif self.path == "/redirect":
            self._send(302, b"", {"Location": "http://127.0.0.1:99999/elsewhere"})
        elif self.path == "/busy.xml":
            # Unicode digits pass str.isdigit() but not int().
            self._send(503, b"", {"Retry-After": "²", "Content-Type": "text/plain"})
        elif self.path == "/length.xml":
            self._send(200, b"<rss/>", {"Content-Length": "²", "Content-Type": "text/xml"})
        else:
            self._send(404, b"", {})


@pytest.fixture()
def server() -> Iterator[str]:
    with http_server(Feeds) as base:
        Feeds.base = base
        yield base


def _config(tmp_path: Path, base: str) -> Path:
    return local_config(
        tmp_path,
        f"""
[[feeds]]
name = "Mixed"
url = "{base}/mixed.xml"
[[feeds]]
name = "Busy"
url = "{base}/busy.xml"
[[feeds]]
name = "Length"
url = "{base}/length.xml"
""",
        workers=0,
    )


def test_bad_links_are_rejected_and_later_polls_go_on(tmp_path: Path, server: str) -> None:
    config = _config(tmp_path, server)
    for _ in range(2):  # the second poll must not trip over what the first stored
        result = CliRunner().invoke(cli, ["--config", str(config), "poll"])
        assert result.exit_code == 0, result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
    db = sqlite3.connect(tmp_path / "m.sqlite")
    urls = [r[0] for r in db.execute("SELECT url FROM articles ORDER BY url")]
    # The good entry and the redirecting one (its page refused: the feed's text is used).
    assert urls == [f"{server}/page/good", f"{server}/redirect"]
    rejected = {
        key.rsplit("/", 1)[-1]: why  # feedparser resolves a relative guid against the feed's URL
        for key, why in db.execute("SELECT key, rejected FROM entries WHERE rejected IS NOT NULL")
    }
    assert set(rejected) == set(BAD_LINKS)
    assert "port" in rejected["port"]
    assert "host" in rejected["idna"]
    assert "long" in rejected["long"]
    pending = db.execute(
        "SELECT count(*) FROM entries WHERE on_topic = 1 AND article_id IS NULL "
        "AND rejected IS NULL"
    ).fetchone()[0]
    assert pending == 0

    status = CliRunner().invoke(cli, ["--config", str(config), "status", "--json"])
    assert status.exit_code == 0, status.output
    feeds = {f["name"]: f for f in json.loads(status.output)["feeds"]}
    assert feeds["Mixed"]["entries_rejected"] == len(BAD_LINKS)
    assert feeds["Mixed"]["last_rejected"]
    # A bad header value is that feed's error, nothing more.
    assert feeds["Busy"]["status"] == "error"
    assert feeds["Length"]["status"] in ("ok", "error")
    text = CliRunner().invoke(cli, ["--config", str(config), "status"])
    assert "4 entries rejected" in text.output


def test_an_entry_stored_before_links_were_checked_does_not_poison_polls(
    tmp_path: Path, server: str
) -> None:
    """A database from an earlier version may hold a pending entry with a bad link."""
    config = _config(tmp_path, server)
    result = CliRunner().invoke(cli, ["--config", str(config), "poll"])
    assert result.exit_code == 0, result.output
    db = sqlite3.connect(tmp_path / "m.sqlite")
    feed_id = db.execute("SELECT id FROM feeds WHERE name = 'Mixed'").fetchone()[0]
    with db:
        db.execute(
            "INSERT INTO entries (feed_id, key, link, title, summary, content, published, "
            "first_seen, on_topic) VALUES (?, 'old', ?, ?, 'Envoys met.', '', "
            "'2026-02-17T10:00:00Z', '2026-02-17T10:00:00Z', 1)",
            (feed_id, BAD_LINKS["port"], TALKS),
        )
    db.close()
    for _ in range(2):
        result = CliRunner().invoke(cli, ["--config", str(config), "poll"])
        assert result.exit_code == 0, result.output
    db = sqlite3.connect(tmp_path / "m.sqlite")
    reason = db.execute("SELECT rejected FROM entries WHERE key = 'old'").fetchone()[0]
    assert reason and "port" in reason
