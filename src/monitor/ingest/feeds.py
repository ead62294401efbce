"""Feed bytes -> entries (feedparser stays inside this module).

RSS, Atom and RDF are read by feedparser; JSON Feed (jsonfeed.org 1.0 and 1.1), which
feedparser does not read, by fastfeedparser (jsonfeed.py). Entries of every format get the
same checks (entries.py).
"""

from __future__ import annotations

import calendar
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
from monitor.ingest.jsonfeed import is_json, parse_json_feed
from monitor.ingest.xmlsafe import as_utf8, neutralize_xml
from monitor.text import clean_block, clean_line, html_to_text

# feedparser flags these but the entries are fine (wrong or missing declared encoding).
_SURVIVABLE = ("CharacterEncodingOverride", "NonXMLContentType", "CharacterEncodingUnknown")

# What polling asks for: every format parse_feed reads.
FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, "
    "application/rdf+xml;q=0.9, application/xml;q=0.8, text/xml;q=0.8, application/json;q=0.8, "
    "*/*;q=0.5"
)


def _date(entry: Any, now: datetime) -> datetime | None:
    for field in ("published_parsed", "updated_parsed", "created_parsed"):
        # dict.get: FeedParserDict.get maps updated->published with a DeprecationWarning
        st = dict.get(entry, field)
        if st:
            try:
                when = datetime.fromtimestamp(calendar.timegm(st), tz=UTC)
            except (OverflowError, ValueError, TypeError):
                continue
            return plausible(when, now)
    return None


def _is_plain(detail: Any) -> bool:
    """Whether feedparser found a text to be plain: Atom's type="text" (its default), or an
    RSS title that does not look like HTML. Its brackets are then characters, not tags."""
    return isinstance(detail, dict) and detail.get("type") == "text/plain"


def _as_text(value: str, plain: bool) -> str:
    return clean_block(value) if plain else entry_text(value)


_MEDIA_DESCRIPTION = "media_description"


def _keep_media_descriptions_apart() -> None:
    """Make feedparser keep Media RSS descriptions under their own key.

    feedparser files `<media:description>` (a photo's caption) as the item's description:
    as its summary when it comes first, else as its content. NYT and NDTV feeds carry a
    caption with every item, so the caption would stand for the article's text and the
    digest would quote it. Kept apart, it is only a summary of last resort (a YouTube item
    has no other). Patched on the mixin both feedparser parsers share, once.
    """
    from feedparser.namespaces import mediarss

    ns: Any = mediarss.Namespace
    if getattr(ns, "_monitor_patched", False):
        return

    def start(self: Any, attrs_d: Any) -> None:
        self.push(_MEDIA_DESCRIPTION, 1)

    def end(self: Any) -> None:
        self.pop(_MEDIA_DESCRIPTION)

    ns._start_media_description = start
    ns._end_media_description = end
    ns._monitor_patched = True


def _charset(params: str) -> str:
    """The charset parameter of a Content-Type header's parameters ("" if none)."""
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            return value.strip().strip("\"'")
    return ""


def parse_feed(
    data: bytes, *, url: str, content_type: str = "", now: datetime, max_items: int = 500
) -> ParsedFeed:
    """Parse feed bytes (RSS, Atom, RDF or JSON Feed); raise FeedError when nothing usable
    is in them."""
    if not data.strip():
        raise FeedError("empty response body")
    if is_json(data, content_type):
        return parse_json_feed(data, url=url, now=now, max_items=max_items)
    return _parse_xml_feed(data, url=url, content_type=content_type, now=now, max_items=max_items)


def _parse_xml_feed(
    data: bytes, *, url: str, content_type: str, now: datetime, max_items: int
) -> ParsedFeed:
    import feedparser

    _keep_media_descriptions_apart()
    headers = {"content-location": url}
    mime, _, params = content_type.partition(";")
    utf8 = as_utf8(data, _charset(params))
    if utf8 is not None:  # re-encoded: feedparser must not decode it by the old charset
        data = utf8
        content_type = f"{mime.strip()}; charset=utf-8" if mime.strip() else ""
    if content_type:
        headers["content-type"] = content_type
    parsed = feedparser.parse(
        neutralize_xml(data),
        response_headers=headers,
        # Feed HTML is only ever turned into plain text (text.html_to_text drops scripts,
        # styles and links), so feedparser's sanitiser and its resolving of links inside
        # that HTML are work thrown away: 20 % of the parse on real feeds, same entries.
        resolve_relative_uris=False,
        sanitize_html=False,
    )
    warning = ""
    if parsed.get("bozo"):
        exc = parsed.get("bozo_exception")
        name = type(exc).__name__
        warning = f"{name}: {exc}"
        # A feed without items is fine when the only complaint is its declared encoding
        # or content type; otherwise nothing usable came out.
        if not parsed.entries and not (name in _SURVIVABLE and parsed.get("version")):
            looks_html = b"<html" in data[:2048].lower()
            hint = " (looks like an HTML page, not a feed)" if looks_html else ""
            raise FeedError(f"not a parseable feed{hint}: {warning}")
        if name in _SURVIVABLE:
            warning = ""
    elif not parsed.get("version") and not parsed.entries:
        raise FeedError("not a feed: no RSS or Atom root element")
    entries: list[FeedEntry] = []
    for raw in parsed.entries[:max_items]:
        link, rejected = http_link(raw.get("link"))
        title = raw.get("title", "")
        title = clean_line(title if _is_plain(raw.get("title_detail")) else html_to_text(title))
        if raw.get("summary"):
            summary = _as_text(raw["summary"], _is_plain(raw.get("summary_detail")))
        else:
            summary = entry_text(raw.get(_MEDIA_DESCRIPTION) or "")
        content = ""
        for c in raw.get("content", []) or []:
            text = _as_text(c.get("value", ""), _is_plain(c))
            if len(text) > len(content):
                content = text
        key = clean_line(str(raw.get("id") or ""))
        author = clean_line(str(raw.get("author", "")))
        entries.append(
            feed_entry(key, link, title, summary, content, _date(raw, now), author, rejected)
        )
    return ParsedFeed(
        title=clean_line(parsed.feed.get("title", ""))[:300],
        format=str(parsed.get("version") or "unknown"),
        entries=unique(entries),
        warning=warning,
    )
