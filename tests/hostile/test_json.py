"""Hostile JSON is a FeedError for that feed, quickly: never a traceback, never a dead worker."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from monitor.errors import FeedError
from monitor.ingest.feeds import parse_feed
from monitor.ingest.workers import ExtractorPool

NOW = datetime(2026, 2, 18, tzinfo=UTC)
HEAD = b'{"version": "https://jsonfeed.org/version/1.1", "title": "t", '


def nested(depth: int) -> bytes:
    return HEAD + b'"items": [{"id": "1", "title": ' + b"[" * depth + b"]" * depth + b"}]}"


@pytest.mark.parametrize("depth", [900, 100_000, 5_000_000])
def test_deep_nesting_is_an_error_or_ignored(depth: int) -> None:
    started = time.perf_counter()
    try:
        feed = parse_feed(nested(depth), url="https://e.example.org/", now=NOW)
    except FeedError as exc:
        assert "JSON" in str(exc)
    else:  # within the parser's depth: the title, not being a string, is empty
        assert feed.entries[0].title == ""
    assert time.perf_counter() - started < 5.0


def test_many_items_are_cut_at_max_items() -> None:
    items = b",".join(b'{"id": "%d", "content_text": "x"}' % i for i in range(200_000))
    data = HEAD + b'"items": [' + items + b"]}"
    started = time.perf_counter()
    feed = parse_feed(data, url="https://e.example.org/", now=NOW, max_items=500)
    assert len(feed.entries) == 500
    assert time.perf_counter() - started < 10.0


def test_a_worker_survives_hostile_json_and_parses_the_next_feed() -> None:
    good = HEAD + b'"items": [{"id": "1", "url": "https://e.example.org/1", "title": "ok"}]}'
    with ExtractorPool(1, 20.0) as pool:
        for bad in (nested(5_000_000), b"{" * 1_000_000, b'{"items": [{"author": 5}]}'):
            with pytest.raises(FeedError):
                pool.parse_feed(
                    bad, url="https://e.example.org/", content_type="", now=NOW, max_items=500
                )
        feed = pool.parse_feed(
            good, url="https://e.example.org/", content_type="", now=NOW, max_items=500
        )
    assert [e.title for e in feed.entries] == ["ok"]
