"""Page HTML -> article text (trafilatura stays inside this module).

Title, date and outlet come from the feed entry: trafilatura's metadata extraction costs
about half again as much and the feed already has them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from .text import clean_block

MIN_WORDS = 40  # less than this is a teaser, a paywall stub or a video page


@dataclass(frozen=True)
class Extracted:
    text: str
    origin: str  # "page" or "feed"
    note: str = ""  # why the feed's text was used, when it was


def extract_text(html: bytes, url: str) -> str:
    """The main text of a page, paragraphs separated by blank lines ("" when none)."""
    import trafilatura

    # trafilatura logs every page it finds nothing in at WARNING; that is data here, not news.
    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    try:
        result = trafilatura.extract(
            html,
            url=url,
            include_comments=False,
            fast=True,
            with_metadata=False,
            output_format="txt",
        )
    except (ValueError, TypeError, RecursionError):  # malformed markup inside lxml/trafilatura
        return ""
    return clean_block(result or "")


def choose_text(page_text: str, feed_text: str, fetch_note: str) -> Extracted:
    """The page's text when it has some, else the feed's own content, marked as such."""
    if len(page_text.split()) >= MIN_WORDS or (page_text and len(page_text) >= len(feed_text)):
        return Extracted(page_text, "page")
    note = fetch_note or "no main text found on the page"
    return Extracted(feed_text, "feed", note)
