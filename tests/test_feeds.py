from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.errors import FeedError
from monitor.feeds import neutralize_xml, parse_feed

DATA = Path(__file__).parent / "data"
NOW = datetime(2026, 2, 18, 12, 0, tzinfo=UTC)


def parse(name: str, folder: str = "feeds") -> object:
    path = DATA / folder / name
    return parse_feed(path.read_bytes(), url="https://example.org/feed", now=NOW)


def test_rss2_entries_have_keys_links_and_utc_dates() -> None:
    feed = parse_feed(
        (DATA / "replay/feeds/bbc_world_2026-02-18.rss.xml").read_bytes(),
        url="https://feeds.bbci.co.uk/news/world/rss.xml",
        now=NOW,
    )
    assert feed.format == "rss20"
    assert len(feed.entries) == 33
    geneva = [e for e in feed.entries if "Geneva" in e.title and "Ukraine" in e.title]
    assert geneva and geneva[0].link.startswith("https://www.bbc.com/")
    assert geneva[0].published == datetime(2026, 2, 17, 20, 5, 13, tzinfo=UTC)
    assert all(e.key for e in feed.entries)


def test_rss1_rdf_and_atom_and_rss091() -> None:
    assert parse("science_twis.rdf.xml").format == "rss10"  # type: ignore[attr-defined]
    atom = parse_feed(
        (DATA / "feeds/heise_developer.atom.xml").read_bytes(),
        url="https://www.heise.de/developer/rss/news-atom.xml",
        now=NOW,
    )
    assert atom.format == "atom10" and len(atom.entries) == 15
    rss091 = parse_feed(
        (DATA / "feeds/tjrs_rss091_latin1.xml").read_bytes(), url="https://example.org/", now=NOW
    )
    assert rss091.format == "rss091u" and len(rss091.entries) == 1
    assert "\ufffd" not in rss091.entries[0].title + rss091.entries[0].summary


def test_latin1_without_declaration_is_decoded() -> None:
    feed = parse_feed(
        (DATA / "feeds/uol_noticias_latin1_nodecl.rss.xml").read_bytes(),
        url="https://example.org/",
        now=NOW,
    )
    assert len(feed.entries) == 15
    text = " ".join(e.title for e in feed.entries)
    assert "\ufffd" not in text
    assert any(ch in text for ch in "ãçéíóõ")


def test_wrong_declared_encoding_is_survivable() -> None:
    feed = parse_feed(
        (DATA / "feeds/ffp_utf16_declared.xml").read_bytes(), url="https://example.org/", now=NOW
    )
    assert len(feed.entries) == 1
    assert feed.warning == ""


@pytest.mark.parametrize(
    "name", ["ffp_malformed_rss_namespaced.xml", "reuters_mostread_2020_MALFORMED.rss.xml"]
)
def test_broken_feeds_raise(name: str) -> None:
    with pytest.raises(FeedError):
        parse_feed((DATA / "feeds" / name).read_bytes(), url="https://example.org/", now=NOW)


def test_html_page_and_empty_body_are_errors() -> None:
    with pytest.raises(FeedError, match="HTML"):
        parse_feed(
            b"<!DOCTYPE html><html><body><p>Hello</p></body></html>",
            url="https://example.org/",
            now=NOW,
        )
    with pytest.raises(FeedError, match="empty"):
        parse_feed(b"  ", url="https://example.org/", now=NOW)


def test_duplicate_ids_missing_fields_future_dates_and_bad_links() -> None:
    xml = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
    <item><guid>same</guid><title>First</title><link>https://a.example.org/1</link>
      <pubDate>Tue, 17 Feb 2026 10:00:00 +0100</pubDate></item>
    <item><guid>same</guid><title>Second with same id</title><link>https://a.example.org/2</link></item>
    <item><title>No id, no date</title><link>https://a.example.org/3</link></item>
    <item><title>Future</title><link>https://a.example.org/4</link>
      <pubDate>Sat, 01 Jan 2050 00:00:00 GMT</pubDate></item>
    <item><title>&lt;img src=x onerror=alert(1)&gt;Script link</title>
      <link>javascript:alert(1)</link></item>
    <item><description>Only a description</description></item>
    </channel></rss>"""
    feed = parse_feed(xml, url="https://a.example.org/feed", now=NOW)
    titles = [e.title for e in feed.entries]
    assert "Second with same id" not in titles
    first = feed.entries[0]
    # relative ids are resolved against the feed's configured URL, as feedparser does
    assert first.key == "https://a.example.org/same" and first.published == datetime(
        2026, 2, 17, 9, 0, tzinfo=UTC
    )
    no_id = next(e for e in feed.entries if e.title == "No id, no date")
    assert no_id.key == "https://a.example.org/3" and no_id.published is None
    assert next(e for e in feed.entries if e.title == "Future").published is None
    script = next(e for e in feed.entries if "Script link" in e.title)
    assert script.link == ""
    only = next(e for e in feed.entries if e.summary == "Only a description")
    assert only.key.startswith("sha256:")


def test_entity_declarations_are_removed_before_parsing() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<rss version="2.0"><channel><title>&b;</title><item><title>x &b;</title>'
        b"<link>https://e.example.org/1</link></item></channel></rss>"
    )
    assert b"<!ENTITY" not in neutralize_xml(bomb)
    feed = parse_feed(bomb, url="https://e.example.org/", now=NOW)
    assert "aaaaaaaaaa" not in feed.title
    assert all("aaaaaaaaaa" not in e.title for e in feed.entries)


def test_relative_links_resolve_and_markup_becomes_plain_text() -> None:
    """feedparser's sanitiser is off (its output is never used as HTML): links still resolve
    against the feed and xml:base, and scripts and styles never reach the text."""
    rss = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
        b"<link>https://e.org/</link><item><title>A &lt;b&gt;bold&lt;/b&gt;</title>"
        b'<link>/news/1</link><description>&lt;p&gt;Hi &lt;a href="/x"&gt;x&lt;/a&gt;'
        b"&lt;script&gt;alert(1)&lt;/script&gt;&lt;/p&gt;</description></item></channel></rss>"
    )
    atom = (
        b'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom" '
        b'xml:base="https://a.org/blog/"><title>T</title><id>x</id>'
        b"<updated>2026-01-01T00:00:00Z</updated><entry><title>B</title><id>e1</id>"
        b'<link href="post/2"/><updated>2026-01-01T00:00:00Z</updated><summary type="html">'
        b"&lt;b&gt;Bold&lt;/b&gt; &lt;style&gt;x{}&lt;/style&gt;text</summary></entry></feed>"
    )
    r = parse_feed(rss, url="https://e.org/feed.xml", now=NOW).entries[0]
    assert (r.link, r.title, r.summary) == ("https://e.org/news/1", "A bold", "Hi x")
    a = parse_feed(atom, url="https://a.org/feed", now=NOW).entries[0]
    assert (a.link, a.summary) == ("https://a.org/blog/post/2", "Bold text")


def test_photo_captions_are_not_taken_for_the_item_text() -> None:
    """Media RSS `<media:description>` is a photo's caption: feedparser would file it as the
    item's content (NYT: after <description>) or summary (NDTV: before it)."""
    nyt = parse("nyt_world_2026-02-18.rss.xml", "replay/feeds")
    war = next(e for e in nyt.entries if "war-putin" in e.link)  # type: ignore[attr-defined]
    assert war.summary.startswith("Russian attacks and Ukrainian civilian deaths rose")
    assert war.content == ""  # was the caption "An apartment building that a Russian missile…"
    ndtv = parse("ndtv_search_2026-02-18.rss.xml", "replay/feeds")
    fine = ndtv.entries[0]  # type: ignore[attr-defined]
    assert fine.summary.startswith("Rights advocates and multiple Democrats")
    assert 'dogs and Muslims is not a difficult one," Fine said on X' not in fine.summary
    # Without any other description, the media one is the summary of last resort.
    only = (
        b'<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>t</title>'
        b"<item><title>Clip</title><link>https://example.org/v</link><media:group>"
        b"<media:description>What the video shows.</media:description></media:group></item>"
        b"</channel></rss>"
    )
    clip = parse_feed(only, url="https://example.org/feed", now=NOW).entries[0]
    assert clip.summary == "What the video shows." and clip.content == ""


def test_unrendered_shortcode_lines_are_dropped() -> None:
    # as in TIME's feed, where every item's content carries this line
    body = (
        "<p>Finance ministers met on Monday.</p><p>[time-brightcove not-tgx=”true”]</p>"
        '<p>[video id=oL9X8h53 autostart="viewable"]</p><p>They agreed [in part] to talk.</p>'
    )
    feed = (
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
        "<title>t</title><item><title>Ministers meet</title><link>https://example.org/a</link>"
        f"<content:encoded><![CDATA[{body}]]></content:encoded></item></channel></rss>"
    ).encode()
    entry = parse_feed(feed, url="https://example.org/feed", now=NOW).entries[0]
    assert entry.content == "Finance ministers met on Monday.\n\nThey agreed [in part] to talk."


# feedparser's own test cases: UTF-16 and UTF-32 with and without a byte-order mark, in both
# byte orders (an empty <rss> each), and an item whose CDATA holds the text "<!DOCTYPE".
WIDE = [
    "fp_enc_u16.xml",
    "fp_enc_utf-16be.xml",
    "fp_enc_utf-16be-autodetect.xml",
    "fp_enc_utf-16be-bom.xml",
    "fp_enc_utf-16le.xml",
    "fp_enc_utf-16le-autodetect.xml",
    "fp_enc_utf-16le-bom.xml",
    "fp_enc_utf-32be.xml",
    "fp_enc_utf-32be-autodetect.xml",
    "fp_enc_utf-32be-bom.xml",
    "fp_enc_utf-32le.xml",
    "fp_enc_utf-32le-autodetect.xml",
    "fp_enc_utf-32le-bom.xml",
    "fp_enc_utf_32.xml",
]


@pytest.mark.parametrize("name", WIDE)
def test_utf16_and_utf32_with_or_without_a_byte_order_mark(name: str) -> None:
    data = (DATA / "feeds" / name).read_bytes()
    for content_type in ("", "application/rss+xml"):
        feed = parse_feed(data, url="https://example.org/", content_type=content_type, now=NOW)
        assert (feed.format, feed.entries, feed.warning) == ("rss", (), "")
    assert neutralize_xml(data).startswith(b'<?xml version="1.0" encoding="utf-8"?>')


def test_a_doctype_inside_cdata_is_text_not_a_doctype() -> None:
    data = (DATA / "feeds/fp_item_description_not_a_doctype2.xml").read_bytes()
    assert b"<![CDATA[ <!DOCTYPE ]]>" in neutralize_xml(data)
    feed = parse_feed(data, url="https://example.org/", now=NOW)
    assert len(feed.entries) == 1 and feed.warning == ""
    other = parse("fp_item_description_not_a_doctype.xml")
    assert len(other.entries) == 1  # type: ignore[attr-defined]


def test_markup_declarations_in_article_text_are_kept() -> None:
    """Only the prolog holds a DOCTYPE: an article about HTML or XML that shows one in its
    text keeps it, and an entity declared there is no reason to touch the rest of the feed."""
    body = (
        "<p>Start a page with <code>&lt;!DOCTYPE html&gt;</code>.</p>"
        '<pre><!DOCTYPE note [<!ENTITY amp "">]></pre><p>Salt &amp; pepper.</p>'
    )
    feed = (
        '<?xml version="1.0"?><!-- <!DOCTYPE in a comment --><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>t</title>'
        "<item><title>Doctypes &amp; entities</title><link>https://example.org/a</link>"
        f"<content:encoded><![CDATA[{body}]]></content:encoded></item></channel></rss>"
    ).encode()
    assert f"<![CDATA[{body}]]>".encode() in neutralize_xml(feed)
    entry = parse_feed(feed, url="https://example.org/feed", now=NOW).entries[0]
    assert entry.title == "Doctypes & entities"
    assert "<!DOCTYPE html>" in entry.content and "Salt & pepper." in entry.content


def test_plain_text_is_not_read_as_html() -> None:
    """Atom says what a text is (type="text", "html" or "xhtml"); brackets in plain text are
    characters, not markup, and an entity in plain text is not decoded again."""
    title = parse("fp_atom10_entry_title_text_plain_brackets.xml")
    assert title.entries[0].title == "History of the <blink> tag"  # type: ignore[attr-defined]
    content = parse("fp_atom10_entry_content_text_plain_brackets.xml")
    assert content.entries[0].content == "History of the <blink> tag"  # type: ignore[attr-defined]
    html_title = parse("fp_atom10_entry_title_escaped_markup.xml")
    assert html_title.entries[0].title == "Example Atom"  # type: ignore[attr-defined]
    html_summary = parse("fp_atom10_entry_summary_escaped_markup.xml")
    assert html_summary.entries[0].summary == "Example Atom"  # type: ignore[attr-defined]
    atom = (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><entry><id>e1</id>'
        b'<title type="text">Use &lt;b&gt; for AT&amp;amp;T</title>'
        b"<summary>Tags like &lt;p&gt; stay.\n\nA second paragraph.</summary></entry></feed>"
    )
    entry = parse_feed(atom, url="https://example.org/feed", now=NOW).entries[0]
    assert entry.title == "Use <b> for AT&amp;T"
    assert entry.summary == "Tags like <p> stay.\n\nA second paragraph."
