"""A digest shows the feed health of its own window, also when it is rebuilt later."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import ClassVar

import pytest

from monitor.config import Settings, load_settings
from monitor.ingest.fetch import HttpClient
from monitor.pipeline import build_digest, poll
from monitor.store import Store

from .conftest import http_server, local_config


def _rss(feed: str, n: int) -> bytes:
    items = []
    for i in range(n):
        when = datetime(2026, 2, 16, 12, tzinfo=UTC) + timedelta(days=i)
        items.append(
            f"<item><guid>{i}</guid><title>Ukraine peace talks: envoys meet, round {i}</title>"
            f"<link>https://news.example.org{feed}/{i}</link><description>Envoys from Kyiv and "
            f"Moscow met in Geneva for round {i} of the peace talks on Tuesday.</description>"
            f"<pubDate>{when:%a, %d %b %Y %H:%M:%S} GMT</pubDate></item>"
        )
    channel = "<channel><title>T</title>" + "".join(items) + "</channel>"
    return f'<?xml version="1.0"?><rss version="2.0">{channel}</rss>'.encode()


class Feeds(BaseHTTPRequestHandler):
    broken: ClassVar[bool] = True
    items: ClassVar[int] = 1

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        if self.path == "/flaky.xml" and Feeds.broken:
            self.send_response(500)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = _rss(self.path.removesuffix(".xml"), Feeds.items)
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture()
def server() -> Iterator[str]:
    Feeds.broken, Feeds.items = True, 1
    with http_server(Feeds) as base:
        yield base


def _settings(tmp_path: Path, base: str) -> Settings:
    cfg = local_config(
        tmp_path,
        f"""
[[feeds]]
name = "Steady"
url = "{base}/steady.xml"
group = "us"
[[feeds]]
name = "Flaky"
url = "{base}/flaky.xml"
""",
        workers=0,
    )
    return load_settings(cfg, cwd=tmp_path)


def _sources(path: Path) -> dict[str, dict[str, object]]:
    data = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    return {s["name"]: s for s in data["sources"]}


def test_a_rebuilt_digest_keeps_the_health_of_its_window(tmp_path: Path, server: str) -> None:
    settings = _settings(tmp_path, server)
    kyiv_morning = [datetime(2026, 2, 17, 4, 0, tzinfo=UTC) + timedelta(days=d) for d in range(3)]
    with Store.open(settings.database) as store, HttpClient(settings.http) as client:
        # 17 Feb: Flaky fails twice in the window; the digest is built at 07:05 Kyiv time.
        for t in (kyiv_morning[0] - timedelta(hours=12), kyiv_morning[0]):
            poll(settings, store, client, lambda t=t: t)
        built = kyiv_morning[0] + timedelta(hours=1, minutes=5)
        first = build_digest(settings, store, date(2026, 2, 17), lambda: built)
        before = first.read_bytes()
        assert _sources(first)["Flaky"]["status"] == "error"
        assert _sources(first)["Flaky"]["failed_polls"] == 2
        # Then it recovers; a later digest shows that, the rebuilt 17th does not change.
        Feeds.broken, Feeds.items = False, 2
        poll(settings, store, client, lambda: kyiv_morning[1])
        second = build_digest(
            settings, store, date(2026, 2, 18), lambda: kyiv_morning[1] + timedelta(hours=2)
        )
        assert _sources(second)["Flaky"]["status"] == "ok"
        again = build_digest(settings, store, date(2026, 2, 17), lambda: kyiv_morning[2])
        assert again.read_bytes() == before
        # A window in which nothing was polled shows the health known when it was built.
        old = build_digest(settings, store, date(2026, 2, 10), lambda: kyiv_morning[2])
        assert {k: v["status"] for k, v in _sources(old).items()} == {
            "Steady": "ok",
            "Flaky": "ok",
        }
        # A feed added after a window closed is not listed in that window's digest.
        later = [*settings.feeds, replace(settings.feeds[0], name="Late", url=f"{server}/late.xml")]
        settings = replace(settings, feeds=later)
        poll(settings, store, client, lambda: kyiv_morning[2])
        assert "Late" not in _sources(
            build_digest(settings, store, date(2026, 2, 18), lambda: kyiv_morning[2])
        )


def test_groups_read_as_groups_and_since_names_a_digest_that_exists(
    tmp_path: Path, server: str
) -> None:
    Feeds.broken, Feeds.items = False, 3
    settings = _settings(tmp_path, server)
    now = datetime(2026, 2, 19, 6, 0, tzinfo=UTC)
    with Store.open(settings.database) as store, HttpClient(settings.http) as client:
        poll(settings, store, client, lambda: now)
        # No digest was built for the 17th, where the story began.
        path = build_digest(settings, store, date(2026, 2, 19), lambda: now)
    md = path.read_text(encoding="utf-8")
    assert "covered by us" not in md
    assert "feed group: us" in md
    assert "developing since" not in md
    assert "first reported 17 Feb" in md
