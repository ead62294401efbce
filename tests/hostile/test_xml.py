"""Hostile XML is neutralised before feedparser: fast, with memory near the input size."""

from __future__ import annotations

import time
import tracemalloc
from datetime import UTC, datetime

import pytest

from monitor.errors import FeedError
from monitor.feeds import ParsedFeed, parse_feed

NOW = datetime(2026, 2, 18, tzinfo=UTC)
ITEM = "<item><title>Item &{ref};</title><link>https://e.example.org/{n}</link></item>"


def billion_laughs() -> bytes:
    decls = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    ]
    return (
        '<?xml version="1.0"?><!DOCTYPE rss [' + "".join(decls) + "]>"
        '<rss version="2.0"><channel><title>&lol9;</title>'
        + ITEM.format(ref="lol9", n=1)
        + "</channel></rss>"
    ).encode()


def quadratic() -> bytes:
    big = "x" * 100_000
    refs = "&big;" * 10_000  # 1 GB once expanded
    return (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY big "{big}">]>'
        f'<rss version="2.0"><channel><title>t</title><item><title>{refs}</title>'
        "<link>https://e.example.org/1</link></item></channel></rss>"
    ).encode()


def external() -> bytes:
    return (
        '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        '<rss version="2.0"><channel><title>&xxe;</title>'
        + ITEM.format(ref="xxe", n=1)
        + "</channel></rss>"
    ).encode()


def parse_measured(data: bytes) -> tuple[ParsedFeed | None, float, int]:
    tracemalloc.start()
    started = time.perf_counter()
    try:
        feed: ParsedFeed | None = parse_feed(data, url="https://e.example.org/", now=NOW)
    except FeedError:
        feed = None
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return feed, elapsed, peak


@pytest.mark.parametrize(
    "make", [billion_laughs, quadratic, external], ids=["billion-laughs", "quadratic", "xxe"]
)
def test_entity_attacks_are_harmless(make: object) -> None:
    data = make()  # type: ignore[operator]
    feed, elapsed, peak = parse_measured(data)
    assert elapsed < 2.0, elapsed  # milliseconds in practice; generous for a loaded CI machine
    assert peak < 20 * len(data) + 20_000_000, peak  # near the input size, never the expansion
    if feed is not None:
        text = feed.title + " ".join(e.title for e in feed.entries)
        assert "lollol" not in text and "xxxxxxxxxx" * 100 not in text and "root:" not in text


def test_utf16_cannot_hide_a_doctype() -> None:
    data = billion_laughs().decode().replace('version="1.0"?>', 'version="1.0" encoding="utf-16"?>')
    encoded = data.encode("utf-16")
    feed, elapsed, _ = parse_measured(encoded)
    assert elapsed < 2.0
    assert feed is None or "lollol" not in feed.title
