"""Property-based tests: whatever a feed says, the outputs stay inert and well-formed."""

from __future__ import annotations

import contextlib
import json
import re
from datetime import UTC, date, datetime
from html.parser import HTMLParser

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.compose.digest import (
    Copy,
    Digest,
    DigestArticle,
    Fact,
    Point,
    Quote,
    SourceHealth,
    Story,
    Totals,
)
from monitor.errors import FeedError
from monitor.ingest.feeds import parse_feed
from monitor.judge.dedupe import canonical_url
from monitor.publish.deliver import header_safe
from monitor.publish.digest_json import to_json
from monitor.publish.render import safe_url, to_html, to_markdown, to_text

from ..conftest import TEMPLATE_ATTRS, TEMPLATE_TAGS

hostile_text = st.one_of(
    st.text(max_size=200),
    st.sampled_from(
        [
            "<script>alert(1)</script>",
            '"><img src=x onerror=alert(1)>',
            "javascript:alert(1)",
            "](javascript:alert(1))",
            "**bold** _it_ `code` | pipe # h",
            "a\r\nBcc: x@example.org",
            "\x00\x07\x1b[31m",
            "&lt;b&gt;",
            "{{ 7*7 }}",
            "<!-- c -->",
            "\u202e\u200b",
        ]
    ),
)
urls = st.one_of(
    st.text(max_size=80),
    st.sampled_from(
        [
            "javascript:alert(1)",
            "data:text/html,<script>x</script>",
            "https://ok.example.org/a?b=(1)&c=\"'<>",
            "http://x.example.org/ path",
            "vbscript:msgbox",
            "//evil.example.org/",
            'https://e.example.org/#"onx=1',
        ]
    ),
)


class Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attrs: set[str] = set()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        for k, v in attrs:
            self.attrs.add(k)
            if k == "href":
                self.hrefs.append(v or "")


def make_digest(title: str, text: str, source: str, url: str) -> Digest:
    when = datetime(2026, 2, 17, 12, tzinfo=UTC)
    art = DigestArticle(url, source, title, when, "page", (Copy(url, source),))
    story = Story(
        "s1",
        title,
        "developing",
        date(2026, 2, 16),
        (art,),
        (Point(title[:20], text, url, source, "feed"),),  # with its marker
        (source,),
        (source,),
        2,
        (source,),
        facts=(Fact(title[:9] or "Who", text, text, url, source, source, "feed"),),
    )
    return Digest(
        date=date(2026, 2, 18),
        topic=title,
        timezone="Europe/Kyiv",
        window_start=datetime(2026, 2, 17, 5, tzinfo=UTC),
        window_end=datetime(2026, 2, 18, 5, tzinfo=UTC),
        stories=(story,),
        more_stories=(story,),
        totals=Totals(1, 1, (source,), 0, 1),
        most_mentioned=((title, 2),),
        keywords=(text,),
        quotes=(Quote(text, source, url, source, "feed"),),
        sources=(SourceHealth(source, url, 1, "error", text, None, 1),),
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile_text, hostile_text, hostile_text, urls)
def test_html_only_carries_template_markup(title: str, text: str, source: str, url: str) -> None:
    html = to_html(make_digest(title, text, source, url))
    c = Collector()
    c.feed(html)
    assert c.tags <= TEMPLATE_TAGS, c.tags - TEMPLATE_TAGS
    assert c.attrs <= TEMPLATE_ATTRS, c.attrs - TEMPLATE_ATTRS
    assert all(h.startswith(("http://", "https://", "#")) for h in c.hrefs), c.hrefs


@settings(max_examples=150, deadline=None)
@given(hostile_text, hostile_text, hostile_text, urls)
def test_markdown_text_and_json_stay_inert(title: str, text: str, source: str, url: str) -> None:
    d = make_digest(title, text, source, url)
    md = to_markdown(d)
    for line in md.splitlines():
        assert not line.lstrip().startswith("<"), line
    data = json.loads(to_json(d))
    for s in data["stories"]:
        for p in (*s["points"], *s["facts"]):
            assert p["url"] == "" or p["url"].startswith(("http://", "https://"))
    assert "\r" not in to_text(d)
    # Nothing that would drive a terminal or reorder text when the file is read or mailed.
    for out in (md, to_text(d)):
        assert not INVISIBLE.search(out), repr(INVISIBLE.search(out))


INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


@given(st.text(max_size=300))
def test_header_values_never_carry_line_breaks(value: str) -> None:
    out = header_safe(value)
    assert "\r" not in out and "\n" not in out


@given(urls)
def test_safe_url_emits_only_http_links(url: str) -> None:
    out = safe_url(url)
    assert out == "" or (
        out.startswith(("http://", "https://")) and not any(c in out for c in " \"'<>()")
    )


@given(
    st.from_regex(
        r"https?://[a-z]{1,10}\.example\.org(/[a-z0-9]{0,8}){0,3}(\?[a-z_]{1,6}=[a-z0-9]{0,4}(&[a-z_]{1,6}=[a-z0-9]{0,4}){0,3})?",
        fullmatch=True,
    )
)
def test_canonical_url_is_idempotent(url: str) -> None:
    once = canonical_url(url)
    assert canonical_url(once) == once


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_feed_parser_never_crashes_on_garbage(data: bytes) -> None:
    with contextlib.suppress(FeedError):
        parse_feed(data, url="https://e.example.org/", now=datetime(2026, 2, 18, tzinfo=UTC))


@settings(max_examples=100, deadline=None)
@given(hostile_text, urls)
def test_feed_fields_come_out_clean(title: str, link: str) -> None:
    from xml.sax.saxutils import escape

    xml = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item>'
        f"<title>{escape(title)}</title><link>{escape(link)}</link></item></channel></rss>"
    ).encode("utf-8", "surrogatepass")
    try:
        feed = parse_feed(xml, url="https://e.example.org/", now=datetime(2026, 2, 18, tzinfo=UTC))
    except FeedError:
        return
    for e in feed.entries:
        assert e.link == "" or e.link.startswith(("http://", "https://"))
        assert "\n" not in e.title and "\x00" not in e.title


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | hostile_text | urls,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=8,
)
ITEM_FIELDS = (
    "id url external_url title content_html content_text summary date_published date_modified "
    "author authors tags attachments"
).split()
json_items = st.dictionaries(st.sampled_from(ITEM_FIELDS), json_values)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(json_items | json_values, max_size=4), json_values)
def test_json_feed_parser_never_crashes(items: list[object], title: object) -> None:
    doc = {"version": "https://jsonfeed.org/version/1.1", "title": title, "items": items}
    data = json.dumps(doc).encode()
    try:
        feed = parse_feed(data, url="https://e.example.org/", now=datetime(2026, 2, 18, tzinfo=UTC))
    except FeedError:
        return
    for e in feed.entries:
        assert e.link == "" or e.link.startswith(("http://", "https://"))
        assert e.key and "\n" not in e.title and "\x00" not in e.title
