"""Pathological pages: extraction is bounded in time by a worker process that can be killed."""

from __future__ import annotations

import time

import pytest

from monitor.errors import ExtractionFailed
from monitor.ingest.workers import ExtractorPool


def huge_page(paragraphs: int) -> bytes:
    body = "".join(f"<p>paragraph {i} with some words in it.</p>" for i in range(paragraphs))
    return f"<html><body><article>{body}</article></body></html>".encode()


def test_a_page_that_would_take_minutes_is_stopped_at_the_limit() -> None:
    page = huge_page(150_000)  # about 7 MB; minutes of trafilatura CPU time
    normal = b"<html><body><article>" + b"<p>A normal article paragraph.</p>" * 60 + b"</article>"
    with ExtractorPool(workers=1, timeout=3.0) as pool:
        pool.extract(normal, "https://e.org/warm-up")  # the worker is up (spawn + imports)
        started = time.monotonic()
        with pytest.raises(ExtractionFailed, match="longer than 3s"):
            pool.extract(page, "https://e.org/huge")
        assert time.monotonic() - started < 10
        # the killed worker was replaced: the pool still works
        assert "normal article" in pool.extract(normal, "https://e.org/after")


def test_in_process_mode_still_extracts() -> None:
    with ExtractorPool(workers=0, timeout=1.0) as pool:
        text = pool.extract(
            b"<html><body><article>"
            + b"<p>Hello there, world.</p>" * 50
            + b"</article></body></html>",
            "https://e.org/",
        )
    assert "Hello there" in text


def test_a_feed_that_would_take_too_long_to_parse_is_stopped_at_the_limit() -> None:
    """Feeds are parsed in the same workers: a huge feed costs its own poll, nothing more."""
    from datetime import UTC, datetime

    from monitor.errors import FeedError

    items = "".join(
        f"<item><title>Item {i}</title><link>https://e.org/{i}</link>"
        f"<description>&lt;p&gt;Text {i} &lt;b&gt;bold&lt;/b&gt;&lt;/p&gt;</description></item>"
        for i in range(60_000)
    )
    huge = f'<?xml version="1.0"?><rss version="2.0"><channel><title>Big</title>{items}'
    huge += "</channel></rss>"
    small = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>Small</title>'
        b"<item><title>One</title><link>https://e.org/1</link></item></channel></rss>"
    )
    now = datetime(2026, 2, 18, tzinfo=UTC)
    with ExtractorPool(workers=1, timeout=2.0) as pool:
        feed = pool.parse_feed(small, url="https://e.org/f", content_type="", now=now, max_items=5)
        assert [e.title for e in feed.entries] == ["One"]
        started = time.monotonic()
        with pytest.raises(FeedError, match="longer than 2s"):
            pool.parse_feed(
                huge.encode(), url="https://e.org/big", content_type="", now=now, max_items=500
            )
        assert time.monotonic() - started < 10
        with pytest.raises(FeedError, match=r"not a feed|parseable"):
            pool.parse_feed(b"<html>x</html>", url="https://e.org/h", content_type="", now=now,
                            max_items=5)  # fmt: skip
        assert pool.parse_feed(small, url="https://e.org/f", content_type="", now=now, max_items=5)


def test_jobs_queued_behind_a_stopped_page_are_still_done() -> None:
    """Each worker is sent two jobs at once: the one behind a page that is stopped goes to
    the replacement worker, and every caller gets its own page's text."""
    from concurrent.futures import ThreadPoolExecutor

    def page(i: int) -> bytes:
        return (
            b"<html><body><article>"
            + f"<p>Article number {i} says something about the talks.</p>".encode() * 30
            + b"</article></body></html>"
        )

    with ExtractorPool(workers=1, timeout=3.0) as pool:
        pool.extract(page(0), "https://e.org/warm-up")

        def job(i: int) -> str:
            if i == 3:
                return pool.extract(huge_page(150_000), "https://e.org/huge")
            return pool.extract(page(i), f"https://e.org/{i}")

        with ThreadPoolExecutor(max_workers=6) as threads:
            futures = {i: threads.submit(job, i) for i in range(1, 13)}
            for i, fut in futures.items():
                if i == 3:
                    with pytest.raises(ExtractionFailed, match="longer than 3s"):
                        fut.result()
                else:
                    assert f"Article number {i} says" in fut.result()
