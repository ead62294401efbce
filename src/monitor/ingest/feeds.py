"""Feed bytes -> entries (feedparser and fastfeedparser stay inside this module).

RSS, Atom and RDF are read by feedparser; JSON Feed (jsonfeed.org 1.0 and 1.1), which
feedparser does not read, by fastfeedparser. Entries of every format get the same checks.
Entry keys: the entry's id, else its link, else a hash of its title and summary. Dates are
normalised to UTC; a missing date or one in the future is left as None so the caller uses
the first-seen time. Only http(s) links survive.
"""

from __future__ import annotations

import calendar
import codecs
import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin

from monitor.errors import FeedError
from monitor.links import clean_link
from monitor.text import clean_block, clean_line, html_to_text, sha256

# Entity declarations are never needed by a news feed and are the vector of billion-laughs
# and quadratic blow-up attacks: every declaration in the prolog goes before feedparser sees
# the bytes. Only the prolog (before the root element) can hold a DOCTYPE; the same text in
# CDATA or a comment is content.
_ENTITY_NAME = re.compile(rb"<!ENTITY\s+(?:%\s*)?([A-Za-z_][\w.-]*)", re.IGNORECASE)
_PREDEFINED = frozenset((b"amp", b"lt", b"gt", b"quot", b"apos"))
_ROOT_START = re.compile(rb"<[A-Za-z_:\x80-\xff]")
_DECL_TOKEN = re.compile(rb"[\"'\[\]>]|<!--|<\?")
_FUTURE_SLACK = timedelta(minutes=10)
# A line that is only a CMS shortcode left unrendered in the feed's HTML, as TIME's
# "[time-brightcove not-tgx=”true”]" in every item, or "[video id=… autostart=…]".
_SHORTCODE_LINE = re.compile(r"^\[/?[a-z][\w-]*(?:\s[^\]\n]*)?\]$", re.MULTILINE)
# feedparser flags these but the entries are fine (wrong or missing declared encoding).
_SURVIVABLE = ("CharacterEncodingOverride", "NonXMLContentType", "CharacterEncodingUnknown")
_FIRST_CHAR = re.compile(rb"(?:\xef\xbb\xbf)?\s*(\S)")
_JSON_TYPES = ("application/feed+json", "application/json")
_JSON_FEED_VERSION = re.compile(r"https?://jsonfeed\.org/version/(\d+)(?:\.(\d+))?/?")

# What polling asks for: every format parse_feed reads.
FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, "
    "application/rdf+xml;q=0.9, application/xml;q=0.8, text/xml;q=0.8, application/json;q=0.8, "
    "*/*;q=0.5"
)


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


def _http_link(value: Any, base: str = "") -> tuple[str, str]:
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


def _plausible(when: datetime, now: datetime) -> datetime | None:
    """The date, unless it is in the future or before any news feed existed."""
    return None if when > now + _FUTURE_SLACK or when.year < 1990 else when


def _date(entry: Any, now: datetime) -> datetime | None:
    for field in ("published_parsed", "updated_parsed", "created_parsed"):
        # dict.get: FeedParserDict.get maps updated->published with a DeprecationWarning
        st = dict.get(entry, field)
        if st:
            try:
                when = datetime.fromtimestamp(calendar.timegm(st), tz=UTC)
            except (OverflowError, ValueError, TypeError):
                continue
            return _plausible(when, now)
    return None


def _entry(
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


def _unique(entries: Iterable[FeedEntry]) -> tuple[FeedEntry, ...]:
    """Duplicate ids inside one feed: the first one wins."""
    seen: set[str] = set()
    kept: list[FeedEntry] = []
    for entry in entries:
        if entry.key not in seen:
            seen.add(entry.key)
            kept.append(entry)
    return tuple(kept)


_XML_DECL_ENCODING = re.compile(rb"^(<\?xml[^>]*?encoding=[\"'])[^\"']*([\"'])", re.IGNORECASE)
# Byte-order marks, the four-byte ones first (FF FE 00 00 also starts a UTF-16LE BOM).
_BOMS = (
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF8, ""),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
)
_EBCDIC_XML = b"\x4c\x6f\xa7\x94"  # "<?xm" in EBCDIC, which feedparser also recognises
_MARKUP = "<?xml <!DOCTYPE [<!ENTITY % \"'>]&;"


def _markup_codec(head: bytes, charset: str) -> tuple[str, bool]:
    """The codec of a document whose markup is not in ASCII bytes ("" when it is), and
    whether it was only named by the HTTP charset (then it must decode without errors)."""
    for bom, codec in _BOMS:
        if head.startswith(bom):
            return codec, False
    # No BOM: the first characters are "<?xml" or "<!" or whitespace, each with NUL bytes
    # in UTF-16 and UTF-32 (00 00 00 3C, 3C 00 00 00, 00 3C 00 3F, 3C 00 3F 00).
    if len(head) >= 4 and 0 in head[:4]:
        if head[:3] == b"\0\0\0":
            return "utf-32-be", False
        if head[1:4] == b"\0\0\0":
            return "utf-32-le", False
        return ("utf-16-be" if head[0] == 0 else "utf-16-le"), False
    if head.startswith(_EBCDIC_XML):
        return "cp037", False
    if charset:  # feedparser decodes by the HTTP charset first (EBCDIC, UTF-7, ...)
        try:
            if _MARKUP.encode(charset) != _MARKUP.encode("ascii"):
                return charset, True
        except (LookupError, UnicodeError):
            pass
    return "", False


def _as_utf8(data: bytes, charset: str = "") -> bytes | None:
    """The document re-encoded as UTF-8 when its markup is not ASCII bytes, else None."""
    codec, strict = _markup_codec(data[:4], charset)
    if not codec:
        return None
    try:
        text = data.decode(codec, "strict" if strict else "replace")
    except (UnicodeDecodeError, LookupError):
        return None  # feedparser cannot decode it by that charset either, and moves on
    out = text.lstrip("\ufeff").encode("utf-8")
    return _XML_DECL_ENCODING.sub(rb"\1utf-8\2", out, count=1)


def _declaration_end(data: bytes, start: int) -> int:
    """Where the markup declaration at `start` ends: its closing ">" outside quoted
    literals, comments, processing instructions and an internal subset ("[ ... ]")."""
    depth = 0
    pos = start + 2
    while match := _DECL_TOKEN.search(data, pos):
        token = match.group()
        close = {b'"': b'"', b"'": b"'", b"<!--": b"-->", b"<?": b"?>"}.get(token)
        if close is not None:
            end = data.find(close, match.end())
            if end < 0:
                break
            pos = end + len(close)
            continue
        pos = match.end()
        if token == b"[":
            depth += 1
        elif token == b"]":
            depth = max(0, depth - 1)
        elif depth == 0:  # ">"
            return pos
    return len(data)


def _prolog_declarations(data: bytes) -> list[tuple[int, int]]:
    """Spans of the markup declarations (DOCTYPE, ENTITY, ...) before the root element,
    skipping the XML declaration, processing instructions and comments as XML does."""
    spans: list[tuple[int, int]] = []
    pos = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    while (lt := data.find(b"<", pos)) >= 0:
        for opener, closer in ((b"<?", b"?>"), (b"<!--", b"-->"), (b"<![CDATA[", b"]]>")):
            if data.startswith(opener, lt):
                end = data.find(closer, lt + len(opener))
                pos = len(data) if end < 0 else end + len(closer)
                break
        else:
            if data.startswith(b"<!", lt):
                pos = _declaration_end(data, lt)
                spans.append((lt, pos))
            elif _ROOT_START.match(data, lt):
                break
            else:
                pos = lt + 1
    return spans


def neutralize_xml(data: bytes, *, charset: str = "") -> bytes:
    """Remove the DOCTYPE (and any other declaration in the prolog) so no entity can be
    expanded.

    A document whose markup is not ASCII bytes (UTF-16 or UTF-32, with or without a
    byte-order mark, EBCDIC, or an HTTP `charset` such as UTF-7) is re-encoded as UTF-8
    first, so that the declarations cannot hide from a byte-level search.
    """
    data = _as_utf8(data, charset) or data
    spans = _prolog_declarations(data)
    if not spans:
        return data
    declared: set[bytes] = set()
    for start, end in spans:
        declared.update(_ENTITY_NAME.findall(data, start, end))
    kept = [data[: spans[0][0]]]
    for (_, end), (start, _) in zip(spans, [*spans[1:], (len(data), 0)], strict=True):
        kept.append(data[end:start])
    data = b"".join(kept)
    names = sorted(n for n in declared if n not in _PREDEFINED)
    if names:
        # References to the removed entities are dropped too: left undefined they would push
        # feedparser onto its slow lenient parser (10,000 of them cost most of a second).
        pattern = b"|".join(re.escape(n) for n in names)
        data = re.sub(rb"&(?:" + pattern + rb");", b"", data)
    return data


def _text(markup: str) -> str:
    text = html_to_text(markup)
    if "[" in text:
        text = clean_block(_SHORTCODE_LINE.sub("", text))
    return text


def _is_plain(detail: Any) -> bool:
    """Whether feedparser found a text to be plain: Atom's type="text" (its default), or an
    RSS title that does not look like HTML. Its brackets are then characters, not tags."""
    return isinstance(detail, dict) and detail.get("type") == "text/plain"


def _as_text(value: str, plain: bool) -> str:
    return clean_block(value) if plain else _text(value)


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
    if _is_json(data, content_type):
        return _parse_json_feed(data, url=url, now=now, max_items=max_items)
    return _parse_xml_feed(data, url=url, content_type=content_type, now=now, max_items=max_items)


def _parse_xml_feed(
    data: bytes, *, url: str, content_type: str, now: datetime, max_items: int
) -> ParsedFeed:
    import feedparser

    _keep_media_descriptions_apart()
    headers = {"content-location": url}
    mime, _, params = content_type.partition(";")
    utf8 = _as_utf8(data, _charset(params))
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
        link, rejected = _http_link(raw.get("link"))
        title = raw.get("title", "")
        title = clean_line(title if _is_plain(raw.get("title_detail")) else html_to_text(title))
        if raw.get("summary"):
            summary = _as_text(raw["summary"], _is_plain(raw.get("summary_detail")))
        else:
            summary = _text(raw.get(_MEDIA_DESCRIPTION) or "")
        content = ""
        for c in raw.get("content", []) or []:
            text = _as_text(c.get("value", ""), _is_plain(c))
            if len(text) > len(content):
                content = text
        key = clean_line(str(raw.get("id") or ""))
        author = clean_line(str(raw.get("author", "")))
        entries.append(
            _entry(key, link, title, summary, content, _date(raw, now), author, rejected)
        )
    return ParsedFeed(
        title=clean_line(parsed.feed.get("title", ""))[:300],
        format=str(parsed.get("version") or "unknown"),
        entries=_unique(entries),
        warning=warning,
    )


# -- JSON Feed -------------------------------------------------------------------------------


def _is_json(data: bytes, content_type: str) -> bool:
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
        return _plausible(when, now)
    return None


def _json_entry(raw: Any, base: str, now: datetime) -> FeedEntry:
    # The item's url, else its external_url (a linkblog's item may have only that).
    links = [raw.get("link")] + [
        link.get("href")
        for link in raw.get("links") or []
        if isinstance(link, dict) and link.get("rel") == "related"
    ]
    checked = [_http_link(v, base) for v in links]
    link = next((u for u, _ in checked if u), "")
    rejected = "" if link else next((why for _, why in checked if why), "")
    # Titles are plain text by the specification, but many CMSs escape "&" in them.
    title = clean_line(html.unescape(_json_text(raw.get("title"))))
    content = ""
    for c in raw.get("content") or []:  # content_html, else content_text
        if isinstance(c, dict):
            value = _json_text(c.get("value"))
            content = _text(value) if c.get("type") == "text/html" else clean_block(value)
    item_id = raw.get("id")
    key = item_id if isinstance(item_id, str) else ""
    if isinstance(item_id, int) and not isinstance(item_id, bool):
        key = str(item_id)
    return _entry(
        clean_line(key),
        link,
        title,
        clean_block(_json_text(raw.get("description"))),  # summary: plain text
        content,
        _json_date(raw, now),
        clean_line(_json_text(raw.get("author"))),
        rejected,
    )


def _parse_json_feed(data: bytes, *, url: str, now: datetime, max_items: int) -> ParsedFeed:
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
        entries=_unique(_json_entry(raw, url, now) for raw in items[:max_items]),
    )
