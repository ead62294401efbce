"""Finding and checking feeds: is a URL a feed, or a page that announces one, and what does
a poll of it see (`monitor feeds add` and `feeds check`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urljoin, urlsplit

from monitor.errors import FeedAdminError, FeedError, FetchError
from monitor.ingest.entries import ParsedFeed
from monitor.ingest.feeds import FEED_ACCEPT
from monitor.ingest.fetch import HttpClient

# As polling asks, and HTML too: `feeds add` may be given a web page that announces a feed.
DISCOVERY_ACCEPT = FEED_ACCEPT.removesuffix(", */*;q=0.5") + ", text/html;q=0.5, */*;q=0.3"
# <link rel="alternate" type=…> values that announce a feed, best first.
FEED_TYPES = (
    "application/atom+xml",
    "application/rss+xml",
    "application/rdf+xml",
    "application/feed+json",
    "application/json",
    "text/xml",
    "application/xml",
)
MAX_CANDIDATES = 5


@dataclass(frozen=True)
class FeedCheck:
    url: str  # the URL asked for
    ok: bool
    final_url: str = ""
    format: str = ""
    title: str = ""
    entries: int = 0
    newest: datetime | None = None
    error: str = ""
    warning: str = ""


def _report(url: str, final_url: str, parsed: ParsedFeed) -> FeedCheck:
    dates = [e.published for e in parsed.entries if e.published is not None]
    return FeedCheck(
        url,
        True,
        final_url=final_url,
        format=parsed.format,
        title=parsed.title,
        entries=len(parsed.entries),
        newest=max(dates) if dates else None,
        warning=parsed.warning,
    )


def check_feed(client: HttpClient, url: str, now: datetime) -> FeedCheck:
    """Fetch and parse `url` now, unconditionally; report what a poll would see."""
    from monitor.ingest.feeds import parse_feed

    try:
        resp = client.get(url, accept=DISCOVERY_ACCEPT)
        parsed = parse_feed(resp.content, url=resp.url, content_type=resp.content_type, now=now)
    except (FetchError, FeedError) as exc:
        return FeedCheck(url, False, error=str(exc))
    return _report(url, resp.url, parsed)


def feed_links(html: bytes, base: str) -> list[str]:
    """Feed URLs a web page announces with <link rel="alternate" type=…>, best first."""
    import lxml.html

    try:
        doc = lxml.html.document_fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return []
    found: list[tuple[int, int, str]] = []
    for i, link in enumerate(doc.iter("link")):
        rels = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").lower().split(";")[0].strip()
        href = (link.get("href") or "").strip()
        if "alternate" not in rels or kind not in FEED_TYPES or not href:
            continue
        url = urljoin(base, href)
        if urlsplit(url).scheme in ("http", "https"):
            found.append((FEED_TYPES.index(kind), i, url))
    out: list[str] = []
    for _, _, url in sorted(found):
        if url not in out:
            out.append(url)
    return out


def discover(client: HttpClient, url: str, now: datetime) -> FeedCheck:
    """`url` if it is a feed; else the first working feed its page announces."""
    from monitor.ingest.feeds import parse_feed

    try:
        resp = client.get(url, accept=DISCOVERY_ACCEPT)
    except FetchError as exc:
        raise FeedAdminError(f"{url}: {exc}") from None
    try:
        parsed = parse_feed(resp.content, url=resp.url, content_type=resp.content_type, now=now)
    except FeedError as exc:
        candidates = feed_links(resp.content, resp.url)
        if not candidates:
            raise FeedAdminError(
                f"{url} is not a feed ({exc}) and announces none "
                '(no <link rel="alternate" type="application/rss+xml">, Atom or JSON Feed)'
            ) from None
        errors = []
        for candidate in candidates[:MAX_CANDIDATES]:
            checked = check_feed(client, candidate, now)
            if checked.ok:
                return checked
            errors.append(f"{candidate}: {checked.error}")
        raise FeedAdminError(
            f"{url} announces feeds, none of which works: " + "; ".join(errors)
        ) from None
    return _report(url, resp.url, parsed)


def checks(client: HttpClient, urls: Sequence[str], now: datetime) -> list[FeedCheck]:
    """Check several feeds concurrently (the client's per-host limits apply), reported in the
    order asked."""
    results = {
        r.url: r
        for r in client.each(lambda u: check_feed(client, u, now), list(dict.fromkeys(urls)))
    }
    return [results[u] for u in urls]
