"""JSON Feed bytes -> entries (fastfeedparser stays inside this module).

JSON Feed (jsonfeed.org 1.0 and 1.1), which feedparser does not read: the document is
checked here, its items are read by fastfeedparser and get the checks of every entry
(entries.py).
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from typing import Any

from monitor.errors import FeedError
from monitor.ingest.entries import (
    FeedEntry,
    ParsedFeed,
    entry_text,
    feed_entry,
    http_link,
    plausible,
    unique,
)
from monitor.text import clean_block, clean_line

_FIRST_CHAR = re.compile(rb"(?:\xef\xbb\xbf)?\s*(\S)")
_JSON_TYPES = ("application/feed+json", "application/json")
_JSON_FEED_VERSION = re.compile(r"https?://jsonfeed\.org/version/(\d+)(?:\.(\d+))?/?")


def is_json(data: bytes, content_type: str) -> bool:
    """JSON by its first character ("{"), or by its content type unless it starts as XML."""
    first = _FIRST_CHAR.match(data)
    if first and first.group(1) in (b"{", b"<"):
        return first.group(1) == b"{"
    mime = content_type.partition(";")[0].strip().lower()
    return mime in _JSON_TYPES or mime.endswith("+json")


def _json_text(value: Any) -> str:
    """A JSON Feed string field ("" for anything else: a number, a list, an object)."""
    return value if isinstance(value, str) else ""


def _json_date(entry: Any, now: datetime) -> datetime | None:
    for field in ("published", "updated"):  # fastfeedparser's ISO 8601 strings, in UTC
        try:
            when = datetime.fromisoformat(_json_text(entry.get(field)))
            when = when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)
        except (ValueError, OverflowError):
            continue
        return plausible(when, now)
    return None


def _json_entry(raw: Any, base: str, now: datetime) -> FeedEntry:
    # The item's url, else its external_url (a linkblog's item may have only that).
    links = [raw.get("link")] + [
        link.get("href")
        for link in raw.get("links") or []
        if isinstance(link, dict) and link.get("rel") == "related"
    ]
    checked = [http_link(v, base) for v in links]
    link = next((u for u, _ in checked if u), "")
    rejected = "" if link else next((why for _, why in checked if why), "")
    # Titles are plain text by the specification, but many CMSs escape "&" in them.
    title = clean_line(html.unescape(_json_text(raw.get("title"))))
    content = ""
    for c in raw.get("content") or []:  # content_html, else content_text
        if isinstance(c, dict):
            value = _json_text(c.get("value"))
            content = entry_text(value) if c.get("type") == "text/html" else clean_block(value)
    item_id = raw.get("id")
    key = item_id if isinstance(item_id, str) else ""
    if isinstance(item_id, int) and not isinstance(item_id, bool):
        key = str(item_id)
    return feed_entry(
        clean_line(key),
        link,
        title,
        clean_block(_json_text(raw.get("description"))),  # summary: plain text
        content,
        _json_date(raw, now),
        clean_line(_json_text(raw.get("author"))),
        rejected,
    )


def parse_json_feed(data: bytes, *, url: str, now: datetime, max_items: int) -> ParsedFeed:
    """A JSON Feed: checked as a document here, its items read by fastfeedparser."""
    import json

    import fastfeedparser

    try:
        text = data.decode(json.detect_encoding(data)).lstrip("\ufeff")
        doc = json.loads(text)
    except RecursionError:  # nesting deeper than the interpreter's recursion limit
        raise FeedError("not a JSON Feed: JSON nested too deeply") from None
    except ValueError as exc:  # also a UnicodeDecodeError
        raise FeedError(f"not valid JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise FeedError("not a JSON Feed: the JSON is not an object")
    version = doc.get("version")
    match = _JSON_FEED_VERSION.fullmatch(version.strip()) if isinstance(version, str) else None
    if not isinstance(doc.get("items"), list):
        if match:
            raise FeedError("malformed JSON Feed: no items list")
        raise FeedError("not a JSON Feed: JSON without a jsonfeed.org version or an items list")
    del doc  # fastfeedparser reads the text again; one parsed copy at a time
    try:
        # bytes, not str: fastfeedparser.parse fetches a str that looks like a URL
        parsed = fastfeedparser.parse(
            text.encode("utf-8"), include_tags=False, include_media=False, include_enclosures=False
        )
    except (AttributeError, KeyError, TypeError, ValueError, RecursionError) as exc:
        # e.g. an item or an author that is a string where the format wants an object
        raise FeedError(f"malformed JSON Feed: {type(exc).__name__}: {exc}") from None
    items = parsed.get("entries") or []
    return ParsedFeed(
        title=clean_line(html.unescape(_json_text(parsed.get("feed", {}).get("title"))))[:300],
        format="json" if match is None else f"json{match.group(1)}.{match.group(2) or 0}",
        entries=unique(_json_entry(raw, url, now) for raw in items[:max_items]),
    )
