"""Hostile XML is neutralised before feedparser: fast, with memory near the input size."""

from __future__ import annotations

import time
import tracemalloc
from datetime import UTC, datetime

import pytest

from monitor.errors import FeedError
from monitor.ingest.entries import ParsedFeed
from monitor.ingest.feeds import parse_feed

NOW = datetime(2026, 2, 18, tzinfo=UTC)
ITEM = "<item><title>Item &{ref};</title><link>https://e.example.org/{n}</link></item>"


def billion_laughs() -> bytes:
    decls = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    ]
    return (
        '<?xml version="1.0"?><!DOCTYPE rss [' + "".join(decls) + "]>"
        '<rss version="2.0"><channel><title>&lol9;</title>'
        + ITEM.format(ref="lol9", n=1)
        + "</channel></rss>"
    ).encode()


def quadratic() -> bytes:
    big = "x" * 100_000
    refs = "&big;" * 10_000  # 1 GB once expanded
    return (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY big "{big}">]>'
        f'<rss version="2.0"><channel><title>t</title><item><title>{refs}</title>'
        "<link>https://e.example.org/1</link></item></channel></rss>"
    ).encode()


def external() -> bytes:
    return (
        '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        '<rss version="2.0"><channel><title>&xxe;</title>'
        + ITEM.format(ref="xxe", n=1)
        + "</channel></rss>"
    ).encode()


def parse_measured(data: bytes) -> tuple[ParsedFeed | None, float, int]:
    tracemalloc.start()
    started = time.perf_counter()
    try:
        feed: ParsedFeed | None = parse_feed(data, url="https://e.example.org/", now=NOW)
    except FeedError:
        feed = None
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return feed, elapsed, peak


@pytest.mark.parametrize(
    "make", [billion_laughs, quadratic, external], ids=["billion-laughs", "quadratic", "xxe"]
)
def test_entity_attacks_are_harmless(make: object) -> None:
    data = make()  # type: ignore[operator]
    feed, elapsed, peak = parse_measured(data)
    assert elapsed < 2.0, elapsed  # milliseconds in practice; generous for a loaded CI machine
    assert peak < 20 * len(data) + 20_000_000, peak  # near the input size, never the expansion
    if feed is not None:
        text = feed.title + " ".join(e.title for e in feed.entries)
        assert "lollol" not in text and "xxxxxxxxxx" * 100 not in text and "root:" not in text


def test_utf16_cannot_hide_a_doctype() -> None:
    data = billion_laughs().decode().replace('version="1.0"?>', 'version="1.0" encoding="utf-16"?>')
    encoded = data.encode("utf-16")
    feed, elapsed, _ = parse_measured(encoded)
    assert elapsed < 2.0
    assert feed is None or "lollol" not in feed.title


def _declared(data: str, encoding: str) -> str:
    return data.replace('version="1.0"?>', f'version="1.0" encoding="{encoding}"?>', 1)


# Encodings in which "<!DOCTYPE" is not those ASCII bytes, each as feedparser would detect it
# (by the bytes of "<?xml", or by the charset of the HTTP Content-Type).
WIDE = [
    ("utf-16-be", "utf-16", ""),
    ("utf-16-le", "utf-16", ""),
    ("utf-32-be", "utf-32", ""),
    ("utf-32-le", "utf-32", ""),
    ("cp037", "cp037", ""),
    ("cp500", "cp500", "application/rss+xml; charset=cp500"),
    ("utf-16-le", "utf-16", "application/xml; charset=utf-16"),
]


@pytest.mark.parametrize("make", [billion_laughs, quadratic], ids=["billion-laughs", "quadratic"])
@pytest.mark.parametrize(("codec", "declared", "content_type"), WIDE)
def test_no_encoding_hides_a_doctype(
    make: object, codec: str, declared: str, content_type: str
) -> None:
    from monitor.ingest.xmlsafe import neutralize_xml

    data = _declared(make().decode(), declared).encode(codec)  # type: ignore[operator]
    charset = content_type.partition("charset=")[2]
    assert b"<!ENTITY" not in neutralize_xml(data, charset=charset)
    tracemalloc.start()
    started = time.perf_counter()
    try:
        feed: ParsedFeed | None = parse_feed(
            data, url="https://e.example.org/", content_type=content_type, now=NOW
        )
    except FeedError:
        feed = None
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert elapsed < 2.0, elapsed
    assert peak < 20 * len(data) + 20_000_000, peak
    if feed is not None:
        text = feed.title + " ".join(e.title for e in feed.entries)
        assert "lollol" not in text and "xxxxxxxxxx" * 100 not in text


@pytest.mark.parametrize(
    "prolog",
    [
        '<!-- a comment -->\n<?xml-stylesheet href="s.xsl"?>',
        "\ufeff",  # a UTF-8 byte-order mark
        "junk text before the DOCTYPE",
    ],
    ids=["comment-and-pi", "bom", "text"],
)
def test_a_doctype_anywhere_in_the_prolog_is_removed(prolog: str) -> None:
    from monitor.ingest.xmlsafe import neutralize_xml

    doc = billion_laughs().decode()
    head, _, rest = doc.partition("?>")
    data = (head + "?>" + prolog + rest).encode()
    assert b"<!ENTITY" not in neutralize_xml(data)
    feed, elapsed, _ = parse_measured(data)
    assert elapsed < 2.0
    assert feed is None or "lollol" not in feed.title


def test_quoted_brackets_do_not_end_the_doctype_early() -> None:
    from monitor.ingest.xmlsafe import neutralize_xml

    data = billion_laughs().replace(b'"lol">', b'"lol]>">', 1)
    out = neutralize_xml(data)
    assert b"<!ENTITY" not in out and b"lol]>" not in out
    feed, elapsed, _ = parse_measured(data)
    assert elapsed < 2.0
    assert feed is None or "lollol" not in feed.title + "".join(e.title for e in feed.entries)


def test_a_doctype_after_the_root_element_is_never_expanded() -> None:
    """Inside the document a DOCTYPE is not well-formed: the strict parser stops and
    feedparser's lenient one knows no entity declared there."""
    doc = billion_laughs().decode()
    decl_end = doc.index("]>") + 2
    prolog, body = doc[: doc.index("<!DOCTYPE")], doc[decl_end:]
    doctype = doc[doc.index("<!DOCTYPE") : decl_end]
    data = (prolog + body.replace("<channel>", "<channel>" + doctype, 1)).encode()
    feed, elapsed, peak = parse_measured(data)
    assert elapsed < 2.0 and peak < 20_000_000
    assert feed is None or "lollol" not in feed.title + "".join(e.title for e in feed.entries)
