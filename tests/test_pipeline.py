"""One cycle with an injected clock against real servers on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import ClassVar

import pytest

from monitor.config import Settings, load_settings
from monitor.ingest.fetch import HttpClient
from monitor.models import NewEntry
from monitor.pipeline import poll
from monitor.store import Store

from .conftest import http_server, local_config

RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
<item><guid>1</guid><title>Ukraine peace talks resume in Geneva</title>
<link>https://news.example.org/1</link><description>Envoys met.</description>
<pubDate>Tue, 17 Feb 2026 10:00:00 GMT</pubDate></item></channel></rss>"""


class Busy(BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []
    busy = True

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        Busy.hits.append(self.path)
        if Busy.busy:
            self.send_response(429)
            self.send_header("Retry-After", "600")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(len(RSS)))
        self.end_headers()
        self.wfile.write(RSS)


@pytest.fixture()
def busy_server() -> Iterator[str]:
    Busy.hits = []
    Busy.busy = True
    with http_server(Busy) as base:
        yield base + ""


def _settings(tmp_path: Path, feed_url: str) -> Settings:
    cfg = local_config(tmp_path, f'[[feeds]]\nname = "Busy"\nurl = "{feed_url}"\n')
    return load_settings(cfg, cwd=tmp_path)


def test_retry_after_defers_the_feed(tmp_path: Path, busy_server: str) -> None:
    settings = _settings(tmp_path, f"{busy_server}/feed.xml")
    t0 = datetime(2026, 2, 18, 6, 0, tzinfo=UTC)
    now = [t0]
    with Store.open(settings.database) as store, HttpClient(settings.http) as client:
        first = poll(settings, store, client, lambda: now[0])
        assert first.outcomes[0].status == "error" and "429" in first.outcomes[0].error
        assert store.feeds()[0].next_poll == t0 + timedelta(seconds=600)

        now[0] = t0 + timedelta(minutes=5)
        second = poll(settings, store, client, lambda: now[0])
        assert second.outcomes[0].status == "deferred"
        assert len(Busy.hits) == 1  # the server was not asked again

        Busy.busy = False
        now[0] = t0 + timedelta(minutes=11)
        third = poll(settings, store, client, lambda: now[0])
        assert third.outcomes[0].status == "ok" and third.new_articles == 1
        state = store.feeds()[0]
        assert state.consecutive_errors == 0 and state.next_poll is None


def test_pending_entries_left_by_a_crash_become_articles(tmp_path: Path) -> None:
    # As if the process died after committing a feed's entries but before their articles:
    # the next cycle picks them up (the page is unreachable, so the feed text is used).
    settings = _settings(tmp_path, "http://127.0.0.1:9/feed.xml")
    now = datetime(2026, 2, 18, 6, 0, tzinfo=UTC)
    with Store.open(settings.database) as store, HttpClient(settings.http) as client:
        store.sync_feeds(settings.feeds)
        feed = store.feeds()[0]
        entry = NewEntry(
            "k",
            "http://127.0.0.1:9/article",
            "Ukraine peace talks in Geneva",
            "Envoys from Kyiv and Moscow met in Geneva for a new round of talks.",
            "",
            datetime(2026, 2, 17, 10, 0, tzinfo=UTC),
            True,
        )
        store.record_poll_success(
            feed.id, now, [entry], etag=None, last_modified=None, title="T", format="rss20"
        )
        assert len(store.pending_entries()) == 1
        report = poll(settings, store, client, lambda: now)
        assert report.new_articles == 1 and report.feed_fallbacks == 1
        assert store.pending_entries() == []
        (article,) = store.articles_between(now - timedelta(days=2), now)
        assert article.text_origin == "feed" and "Geneva" in article.text


def test_an_article_seen_after_its_window_was_built_goes_to_the_next_window(
    tmp_path: Path, busy_server: str
) -> None:
    from datetime import date

    from monitor.pipeline import build_digest

    Busy.busy = False
    settings = _settings(tmp_path, f"{busy_server}/feed.xml")
    now = datetime(2026, 2, 18, 6, 0, tzinfo=UTC)  # 08:00 in Kyiv: the 18th's window has ended
    with Store.open(settings.database) as store, HttpClient(settings.http) as client:
        build_digest(settings, store, None, lambda: now)  # builds 2026-02-18, still empty
        assert store.built_dates() == {date(2026, 2, 18)}
        poll(settings, store, client, lambda: now)  # item published 17 Feb 10:00 UTC
        (article,) = store.articles_between(now - timedelta(days=2), now)
        assert article.window_date == date(2026, 2, 19)
        path = build_digest(settings, store, date(2026, 2, 18), lambda: now)
        assert "No new articles" in path.read_text(encoding="utf-8")  # rebuild is unchanged


def test_gone_feed_is_paused_visibly_until_resumed(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from monitor.cli import cli

    class Gone(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            self.send_response(410)
            self.send_header("Content-Length", "0")
            self.end_headers()

    with http_server(Gone) as base:
        url = f"{base}/feed.xml"
        settings = _settings(tmp_path, url)
        now = datetime(2026, 2, 18, 6, 0, tzinfo=UTC)
        with Store.open(settings.database) as store, HttpClient(settings.http) as client:
            first = poll(settings, store, client, lambda: now)
            assert first.outcomes[0].status == "error"
            assert "410" in (store.feeds()[0].paused or "")
            later = poll(settings, store, client, lambda: now + timedelta(days=1))
            assert later.outcomes[0].status == "paused"
        cfg = str(tmp_path / "monitor.toml")
        status = CliRunner().invoke(cli, ["--config", cfg, "status"])
        assert "PAUSED" in status.output and "410" in status.output
        resumed = CliRunner().invoke(cli, ["--config", cfg, "feeds", "resume", "--all"])
        assert resumed.exit_code == 0 and "Resumed 1 feed" in resumed.output
        with Store.open(settings.database) as store:
            assert store.feeds()[0].paused is None


def test_feed_back_off_grows_then_pauses() -> None:
    from monitor.ingest.polling import PAUSE_AFTER, feed_backoff

    every = 1800
    assert feed_backoff(1, every) == timedelta(0) and feed_backoff(2, every) == timedelta(0)
    assert feed_backoff(3, every) == timedelta(hours=1)
    assert feed_backoff(4, every) == timedelta(hours=2)
    assert feed_backoff(PAUSE_AFTER, every) == timedelta(days=1)


def test_a_json_feed_is_polled_into_articles(tmp_path: Path) -> None:
    """A JSON Feed served from 127.0.0.1 goes through the whole poll: fetched (asked for by
    its type), parsed in a worker process, selected by the topic, its pages fetched and
    extracted, its on-topic entries stored as articles."""
    import json

    from .conftest import DATA, REPLAY

    feed = (DATA / "feeds/jsonfeed_whitehouse_statements.json").read_bytes()
    pages = json.loads((REPLAY / "pages/index.json").read_text(encoding="utf-8"))
    accepted: list[str] = []

    class Site(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            base = f"http://{self.headers['Host']}"
            if self.path == "/feed.json":
                accepted.append(self.headers.get("Accept", ""))
                body = feed.replace(b"https://www.whitehouse.gov/", f"{base}/wh/".encode())
                kind = "application/feed+json"
            else:
                original = "https://www.whitehouse.gov/" + self.path.removeprefix("/wh/")
                if original not in pages:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body, kind = (REPLAY / "pages" / pages[original]).read_bytes(), "text/html"
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    now = datetime(2026, 2, 18, 6, 0, tzinfo=UTC)
    with http_server(Site) as base:
        settings = _settings(tmp_path, f"{base}/feed.json")
        with Store.open(settings.database) as store, HttpClient(settings.http) as client:
            report = poll(settings, store, client, lambda: now)
            (outcome,) = report.outcomes
            assert outcome.status == "ok", outcome.error
            assert report.new_articles == 2 and report.feed_fallbacks == 0
            articles = store.articles_between(datetime(2025, 11, 1, tzinfo=UTC), now)
            (state,) = store.feeds()
    assert "application/feed+json" in accepted[0]
    assert state.format == "json1.1"
    assert sorted(a.title for a in articles) == [
        "Joint Statement on United States-Ukraine Meeting",
        "Readout of Peace Talks in Geneva",
    ]  # the children's reunification statement is not about the talks
    readout = next(a for a in articles if a.title.startswith("Readout"))
    path = "/wh/briefings-statements/2025/11/readout-of-peace-talks-in-geneva/"
    assert readout.url == base + path
    assert readout.published == datetime(2025, 11, 24, 2, 24, tzinfo=UTC)
    assert readout.text_origin == "page" and "close coordination will be essential" in readout.text
