"""Page HTML -> article text (trafilatura stays inside this module).

trafilatura runs with `include_comments=False, fast=True` (measured: the best F1 of its
settings on the article-extraction benchmark, and the fastest). Its output is then trimmed
of what it commonly keeps but is not the article: the headline repeated as the first line
(the digest takes titles from the feed) and newsletter/related-links boilerplate lines.
Title, date and outlet come from the feed entry: trafilatura's metadata extraction costs
about half again as much and the feed already has them. Pages are extracted in the worker
processes of workers.py.
"""

from __future__ import annotations

import html as html_lib
import logging
import re
from dataclasses import dataclass

from monitor.text import clean_block

MIN_WORDS = 40  # less than this is a teaser, a paywall stub or a video page

_TOKENS = re.compile(r"\w+")
_TAG = re.compile(r"<[^>]+>")
_TITLE = re.compile(
    rb"<meta[^>]+property=[\"']og:title[\"'][^>]*content=[\"']([^\"']*)|<title[^>]*>(.*?)</title>",
    re.IGNORECASE | re.DOTALL,
)
_H1 = re.compile(rb"<h1[^>]*>(.*?)</h1>", re.IGNORECASE | re.DOTALL)
_BOILERPLATE_LINE = re.compile(
    r"^(thanks for signing up|sign up for|subscribe to|you may also like|"
    r"related( stories| articles| coverage)?:?$|advertisement$|share this|read more:?$|"
    r"click here|follow us|keep an eye on your inbox|get the day's)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Extracted:
    text: str
    origin: str  # "page" or "feed"
    note: str = ""  # why the feed's text was used, when it was


def _norm(text: str) -> str:
    return " ".join(_TOKENS.findall(text.lower()))


def page_titles(page: bytes) -> list[str]:
    """The page's own headlines (og:title, <title>, <h1>), normalised; a cheap regex scan."""
    found: list[str] = []
    for m in _TITLE.finditer(page[:200_000]):
        raw = (m.group(1) or m.group(2) or b"").decode("utf-8", "replace")
        found.append(_norm(html_lib.unescape(_TAG.sub(" ", raw))))
    for m in _H1.finditer(page[:400_000]):
        found.append(_norm(html_lib.unescape(_TAG.sub(" ", m.group(1).decode("utf-8", "replace")))))
    return [t for t in found if len(t.split()) >= 3]


def _is_headline(line: str, titles: list[str]) -> bool:
    n = _norm(line)
    if not n:
        return False
    for t in titles:
        if n == t or (len(n.split()) >= 3 and n in t):
            return True
        if len(t.split()) >= 4 and t in n and len(n) <= len(t) * 1.3:
            return True
    return False


def trim(text: str, titles: list[str]) -> str:
    """Drop leading headline lines and boilerplate lines from extracted text."""
    lines = text.split("\n")
    while lines and _is_headline(lines[0], titles):
        lines.pop(0)
    return "\n".join(line for line in lines if not _BOILERPLATE_LINE.match(line.strip()))


def extract_text(html: bytes, url: str, title: str = "") -> str:
    """The main text of a page, paragraphs separated by blank lines ("" when none).

    `title` (the feed's headline for the page, when known) helps drop a repeated headline.
    """
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
    if not result:
        return ""
    titles = page_titles(html)
    if title and len(_norm(title).split()) >= 3:
        titles.append(_norm(title))
    return clean_block(trim(result, titles))


@dataclass(frozen=True)
class PageText:
    """A page's main text with its dedupe fingerprint, both computed in the worker."""

    text: str
    content_hash: str
    sketch: tuple[int, ...]


def extract_page(html: bytes, url: str, title: str = "") -> PageText:
    from monitor.judge.dedupe import fingerprint

    text = extract_text(html, url, title)
    return PageText(text, *fingerprint(text))


def choose_text(page_text: str, feed_text: str, fetch_note: str) -> Extracted:
    """The page's text when it has some, else the feed's own content, marked as such."""
    if len(page_text.split()) >= MIN_WORDS or (page_text and len(page_text) >= len(feed_text)):
        return Extracted(page_text, "page")
    note = fetch_note or "no main text found on the page"
    return Extracted(feed_text, "feed", note)
