from __future__ import annotations

from pathlib import Path

from monitor.ingest.extract import MIN_WORDS, choose_text, extract_text

PAGES = Path(__file__).parent / "data" / "replay" / "pages"


def test_main_text_without_navigation_or_footer() -> None:
    html = (PAGES / "whitehouse_2025-11-23-readout-of-peace-talks-in-geneva.html").read_bytes()
    text = extract_text(html, "https://www.whitehouse.gov/x")
    assert "extensive and productive meeting with the Ukrainian delegation" in text
    assert "1600 Pennsylvania" not in text and "Privacy Policy" not in text


def test_real_benchmark_page_extracts() -> None:
    page = next(PAGES.glob("aeb_*.html"))
    assert len(extract_text(page.read_bytes(), "https://example.org/").split()) > MIN_WORDS


def test_fallback_to_feed_text_is_marked() -> None:
    nav_only = extract_text(b"<html><body><nav>Home</nav></body></html>", "https://e.org/")
    assert choose_text(nav_only, "The feed's own, longer summary.", "").origin == "feed"
    chosen = choose_text("", "The feed's own summary.", "page not fetched: HTTP 404")
    assert chosen.origin == "feed" and chosen.text == "The feed's own summary."
    assert "404" in chosen.note
    page = choose_text("word " * 50, "summary", "")
    assert page.origin == "page"
