"""Pathological pages: extraction is bounded in time by a worker process that can be killed."""

from __future__ import annotations

import time

import pytest

from monitor.extract import ExtractionFailed, ExtractorPool


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
