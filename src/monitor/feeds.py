"""Feed bytes -> entries (feedparser stays inside this module).

Entry keys: the entry's id, else its link, else a hash of its title and summary. Dates are
normalised to UTC; a missing date or one in the future is left as None so the caller uses
the first-seen time. Only http(s) links survive.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from .errors import FeedError
from .links import clean_link
from .text import clean_block, clean_line, html_to_text, sha256

# Entity declarations are never needed by a news feed and are the vector of billion-laughs
# and quadratic blow-up attacks: drop the whole DOCTYPE before feedparser sees the bytes.
_DOCTYPE = re.compile(rb"<!DOCTYPE[^\[>]*(\[.*?\])?\s*>", re.DOTALL | re.IGNORECASE)
_ENTITY_DECL = re.compile(rb"<!ENTITY[^>]*>", re.IGNORECASE)
_ENTITY_NAME = re.compile(rb"<!ENTITY\s+(?:%\s*)?([A-Za-z_][\w.-]*)", re.IGNORECASE)
_FUTURE_SLACK = timedelta(minutes=10)
# A line that is only a CMS shortcode left unrendered in the feed's HTML, as TIME's
# "[time-brightcove not-tgx=”true”]" in every item, or "[video id=… autostart=…]".
_SHORTCODE_LINE = re.compile(r"^\[/?[a-z][\w-]*(?:\s[^\]\n]*)?\]$", re.MULTILINE)
# feedparser flags these but the entries are fine (wrong or missing declared encoding).
_SURVIVABLE = ("CharacterEncodingOverride", "NonXMLContentType", "CharacterEncodingUnknown")


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


def _http_link(value: Any) -> tuple[str, str]:
    """The entry's link and why it is rejected: ("", "") when it has none."""
    if not isinstance(value, str) or not value.strip():
        return "", ""
    link, problem = clean_link(value)
    return ("", problem) if problem else (link, "")


def _date(entry: Any, now: datetime) -> datetime | None:
    for field in ("published_parsed", "updated_parsed", "created_parsed"):
        # dict.get: FeedParserDict.get maps updated->published with a DeprecationWarning
        st = dict.get(entry, field)
        if st:
            try:
                when = datetime.fromtimestamp(calendar.timegm(st), tz=UTC)
            except (OverflowError, ValueError, TypeError):
                continue
            if when > now + _FUTURE_SLACK or when.year < 1990:
                return None
            return when
    return None


_XML_DECL_ENCODING = re.compile(rb"^(<\?xml[^>]*?encoding=[\"'])[^\"']*([\"'])", re.IGNORECASE)


def neutralize_xml(data: bytes) -> bytes:
    """Remove the DOCTYPE (and any entity declaration) so no entity can be expanded.

    UTF-16 and UTF-32 documents are re-encoded as UTF-8 first, so that the declarations
    cannot hide from a byte-level search.
    """
    head = data[:4]
    wide = head.startswith((b"\xff\xfe", b"\xfe\xff")) or (len(head) == 4 and b"\x00" in head)
    if wide:
        for codec in (
            ("utf-32", "utf-16")
            if head in (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")
            else (
                "utf-16",
                "utf-16-le" if head[1:2] == b"\x00" else "utf-16-be",
            )
        ):
            try:
                data = data.decode(codec).encode("utf-8")
                data = _XML_DECL_ENCODING.sub(rb"\1utf-8\2", data, count=1)
                break
            except UnicodeDecodeError:
                continue
    declared: set[bytes] = set()
    doctype = _DOCTYPE.search(data)
    if doctype:
        declared.update(_ENTITY_NAME.findall(doctype.group(0)))
        data = data[: doctype.start()] + data[doctype.end() :]
    declared.update(_ENTITY_NAME.findall(data))
    data = _ENTITY_DECL.sub(b"", data)
    if declared:
        # References to the removed entities are dropped too: left undefined they would push
        # feedparser onto its slow lenient parser (10,000 of them cost most of a second).
        names = b"|".join(re.escape(n) for n in sorted(declared))
        data = re.sub(rb"&(?:" + names + rb");", b"", data)
    return data


def _text(markup: str) -> str:
    text = html_to_text(markup)
    if "[" in text:
        text = clean_block(_SHORTCODE_LINE.sub("", text))
    return text


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


def parse_feed(
    data: bytes, *, url: str, content_type: str = "", now: datetime, max_items: int = 500
) -> ParsedFeed:
    """Parse feed bytes; raise FeedError when nothing usable is in them."""
    import feedparser

    _keep_media_descriptions_apart()
    if not data.strip():
        raise FeedError("empty response body")
    headers = {"content-location": url}
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
        if not parsed.entries:
            looks_html = b"<html" in data[:2048].lower()
            hint = " (looks like an HTML page, not a feed)" if looks_html else ""
            raise FeedError(f"not a parseable feed{hint}: {warning}")
        if name in _SURVIVABLE:
            warning = ""
    elif not parsed.get("version") and not parsed.entries:
        raise FeedError("not a feed: no RSS or Atom root element")
    entries: list[FeedEntry] = []
    seen: set[str] = set()
    for raw in parsed.entries[:max_items]:
        link, rejected = _http_link(raw.get("link"))
        title = clean_line(html_to_text(raw.get("title", "")))[:1000]
        summary = _text(raw.get("summary") or raw.get(_MEDIA_DESCRIPTION) or "")[:20_000]
        content = ""
        for c in raw.get("content", []) or []:
            text = _text(c.get("value", ""))
            if len(text) > len(content):
                content = text
        key = clean_line(str(raw.get("id") or "")) or link
        if not key:
            key = "sha256:" + sha256(title + "\n" + summary)
        if key in seen:  # duplicate ids inside one feed: the first one wins
            continue
        seen.add(key)
        entries.append(
            FeedEntry(
                key=key[:2000],
                link=link,
                title=title,
                summary=summary,
                content=content[:500_000],
                published=_date(raw, now),
                author=clean_line(str(raw.get("author", "")))[:200],
                rejected=rejected,
            )
        )
    return ParsedFeed(
        title=clean_line(parsed.feed.get("title", ""))[:300],
        format=str(parsed.get("version") or "unknown"),
        entries=tuple(entries),
        warning=warning,
    )
