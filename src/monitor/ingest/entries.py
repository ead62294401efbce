"""What a feed yields, whatever its format, and the checks every entry gets.

Entry keys: the entry's id, else its link, else a hash of its title and summary. Texts are
capped. Dates are normalised to UTC; a missing date or one in the future is left as None so
the caller uses the first-seen time. Only http(s) links survive. Of the entries of one feed
with the same key, the first one is kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urljoin

from monitor.links import clean_link
from monitor.text import clean_block, html_to_text, sha256

_FUTURE_SLACK = timedelta(minutes=10)
# A line that is only a CMS shortcode left unrendered in the feed's HTML, as TIME's
# "[time-brightcove not-tgx=”true”]" in every item, or "[video id=… autostart=…]".
_SHORTCODE_LINE = re.compile(r"^\[/?[a-z][\w-]*(?:\s[^\]\n]*)?\]$", re.MULTILINE)


@dataclass(frozen=True)
class FeedEntry:
    key: str
    link: str
    title: str
    summary: str  # plain text
    content: str  # plain text of the fullest body the feed carries ("" if none)
    published: datetime | None
    author: str = ""
    rejected: str = ""  # why the entry cannot become an article (a bad link), else ""


@dataclass(frozen=True)
class ParsedFeed:
    title: str
    format: str
    entries: tuple[FeedEntry, ...]
    warning: str = ""


def http_link(value: Any, base: str = "") -> tuple[str, str]:
    """The entry's link (resolved against `base`) and why it is rejected: ("", "") when it
    has none."""
    if not isinstance(value, str) or not value.strip():
        return "", ""
    value = value.strip()
    if base:
        try:
            value = urljoin(base, value)
        except ValueError as exc:  # e.g. "http://[" (an unclosed IPv6 address)
            return "", f"not a valid URL ({exc})"
    link, problem = clean_link(value)
    return ("", problem) if problem else (link, "")


def plausible(when: datetime, now: datetime) -> datetime | None:
    """The date, unless it is in the future or before any news feed existed."""
    return None if when > now + _FUTURE_SLACK or when.year < 1990 else when


def feed_entry(
    key: str,
    link: str,
    title: str,
    summary: str,
    content: str,
    published: datetime | None,
    author: str,
    rejected: str = "",
) -> FeedEntry:
    """An entry as every format gets it: texts capped, a key even without id or link."""
    title, summary = title[:1000], summary[:20_000]
    key = key or link or "sha256:" + sha256(title + "\n" + summary)
    return FeedEntry(
        key[:2000], link, title, summary, content[:500_000], published, author[:200], rejected
    )


def unique(entries: Iterable[FeedEntry]) -> tuple[FeedEntry, ...]:
    """Duplicate ids inside one feed: the first one wins."""
    seen: set[str] = set()
    kept: list[FeedEntry] = []
    for entry in entries:
        if entry.key not in seen:
            seen.add(entry.key)
            kept.append(entry)
    return tuple(kept)


def entry_text(markup: str) -> str:
    """An entry's HTML as plain text, without the lines that are only a CMS shortcode."""
    text = html_to_text(markup)
    if "[" in text:
        text = clean_block(_SHORTCODE_LINE.sub("", text))
    return text
