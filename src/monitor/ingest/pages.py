"""An on-topic entry's article: its page fetched and extracted, or the feed's own text when
the page cannot be had (with the reason kept)."""

from __future__ import annotations

from collections.abc import Sequence

from monitor.errors import ExtractionFailed, FetchError
from monitor.ingest.extract import PageText, choose_text
from monitor.ingest.fetch import HttpClient
from monitor.ingest.workers import ExtractorPool
from monitor.judge import dedupe
from monitor.models import NewArticle, PendingEntry

PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"


def article_from_page(
    client: HttpClient, extractor: ExtractorPool, group: Sequence[PendingEntry], canonical: str
) -> NewArticle:
    """The article of `group` (entries of one canonical URL, the first one's link fetched)."""
    first = group[0]
    feed_text = first.content if len(first.content) > len(first.summary) else first.summary
    page: PageText | None = None
    note = ""
    try:
        resp = client.get(first.link, accept=PAGE_ACCEPT)
        ctype = resp.content_type.split(";")[0].strip().lower()
        if ctype and "html" not in ctype and "xml" not in ctype:
            note = f"not an HTML page ({ctype})"
        else:
            page = extractor.extract_page(resp.content, resp.url, first.title)
    except FetchError as exc:
        note = f"page not fetched: {exc}"
    except ExtractionFailed as exc:
        note = str(exc)
    chosen = choose_text(page.text if page else "", feed_text, note)
    if page is not None and chosen.origin == "page":
        text_hash, sig = page.content_hash, page.sketch
    else:
        text_hash, sig = dedupe.fingerprint(chosen.text)
    return NewArticle(
        entry_ids=tuple(e.id for e in group),
        canonical_url=canonical,
        url=first.link,
        title=first.title,
        source=first.source,
        feed_id=first.feed_id,
        published=first.published,
        first_seen=first.first_seen,
        text=chosen.text,
        text_origin=chosen.origin,
        fetch_note=chosen.note,
        content_hash=text_hash,
        sketch=dedupe.encode_sketch(sig),
    )
