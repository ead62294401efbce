from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.errors import FeedError
from monitor.ingest.entries import ParsedFeed
from monitor.ingest.feeds import parse_feed
from monitor.ingest.xmlsafe import neutralize_xml

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


# -- JSON Feed ---------------------------------------------------------------------------


def parse_json(name: str, content_type: str = "application/feed+json", **kw: int) -> ParsedFeed:
    data = (DATA / "feeds" / name).read_bytes()
    return parse_feed(
        data, url="https://news.example.org/feed.json", content_type=content_type, now=NOW, **kw
    )


def test_json_feed_1_1_spec_example() -> None:
    feed = parse_json("jsonfeed_spec_1.1_example.json")
    assert (feed.title, feed.format, feed.warning) == ("My Example Feed", "json1.1", "")
    second, first = feed.entries
    assert (second.key, second.link) == ("2", "https://example.org/second-item")
    assert second.content == "This is a second item." and second.published is None
    assert (first.key, first.content) == ("1", "Hello, world!")
    assert parse_json("jsonfeed_spec_1.1_example.json", max_items=1).entries == (second,)


def test_json_feed_published_1_1_and_1_0() -> None:
    journal = parse_json("jsonfeed_3960_journal_1.1.json")
    assert journal.format == "json1.1" and journal.title == "fboës - Der Blog | Startseite"
    lecker, sabine = journal.entries
    assert lecker.key == "user/posts/2020-02-21-lecker-lecker/index.md"
    assert lecker.link == "https://journal.3960.org/posts/2020-02-21-lecker-lecker/"
    assert lecker.published == datetime(2020, 2, 21, 17, 8, 6, tzinfo=UTC)
    assert lecker.content.endswith("billig,\n\ndafür schmeckt's aber auch nicht.")  # <br />
    assert lecker.summary.startswith("Da ist es zwar nicht ganz billig, dafür")
    assert lecker.author == "Frank Boës"
    assert sabine.title == "„Sabine“ am Flughafen Amsterdam"
    assert "EHAM 091725Z 20037G51KT 170V230" in sabine.content  # the METAR, tags dropped
    rosemary = parse_json("jsonfeed_rosemaryorchard_1.0.json", content_type="application/json")
    assert rosemary.format == "json1.0"
    workflow, fusion = rosemary.entries
    # a title is plain text in JSON Feed, but this CMS escapes its ampersands
    assert workflow.title == "Workflow: Add Task & Sub Tasks To OmniFocus"
    assert workflow.published == datetime(2018, 8, 24, 5, 0, tzinfo=UTC)
    assert workflow.content.startswith("One thing I frequently do in OmniFocus")
    assert fusion.link == "https://www.rosemaryorchard.com/elsewhere/fusion-september-is-coming"
    # not a jsonfeed.org version, but a feed: an object with an items list
    sample = parse_json("jsonfeed_gofeed_sample.json", content_type="")
    assert sample.format == "json" and len(sample.entries) == 1
    only = sample.entries[0]
    assert (only.content, only.summary) == ("content_html", "summary")  # HTML is preferred
    assert only.published == datetime(2019, 10, 12, 7, 20, 50, 520000, tzinfo=UTC)


def test_json_feed_entries_get_the_same_checks_as_rss() -> None:
    feed = parse_json("jsonfeed_edge_cases.json")
    assert feed.title == "Edge cases & <i>plain</i> text"
    by_title = {e.title: e for e in feed.entries}
    geneva = by_title['Talks in Geneva: "constructive" & <b>tense</b>']
    assert geneva.published == datetime(2026, 2, 17, 9, 0, tzinfo=UTC)
    assert geneva.content == "Envoys met in Geneva.\n\nThe <blink> tag is not markup here."
    assert (geneva.summary, geneva.author) == ("Envoys met.", "A. Writer")
    relative = by_title["A relative link"]
    assert (relative.key, relative.link) == ("42", "https://news.example.org/2026/02/17/relative")
    assert relative.content == "Relative link."  # HTML to text: the script is gone
    assert relative.published == datetime(2026, 2, 17, 8, 0, tzinfo=UTC)  # no zone: UTC
    script = by_title["Script link"]
    assert (script.key, script.link, script.published) == ("same", "", None)
    assert "Second with the same id" not in by_title  # duplicate ids: the first one wins
    assert by_title["No id"].key == "https://news.example.org/no-id"
    external = by_title["Only an external link"]
    assert external.key == external.link == "https://elsewhere.example.net/linked"
    neither = by_title["Neither id nor link"]
    assert neither.key.startswith("sha256:") and neither.link == ""
    assert neither.published == datetime(2026, 2, 16, 12, 0, tzinfo=UTC)  # date_modified
    assert by_title["Too old to be a real date"].published is None
    assert len(feed.entries) == 7


def test_json_is_recognised_by_content_type_or_first_byte() -> None:
    data = (DATA / "feeds/jsonfeed_spec_1.1_example.json").read_bytes()
    for body, content_type in (
        (data, ""),
        (b"\xef\xbb\xbf \n" + data, "text/plain"),  # a UTF-8 byte-order mark, then spaces
        (data.decode().encode("utf-16"), "application/feed+json; charset=utf-16"),
    ):
        feed = parse_feed(body, url="https://example.org/f", content_type=content_type, now=NOW)
        assert feed.format == "json1.1" and len(feed.entries) == 2
    # XML served as JSON is still read as XML
    rss = (DATA / "replay/feeds/whitehouse_statements.rss.xml").read_bytes()
    feed = parse_feed(rss, url="https://example.org/f", content_type="application/json", now=NOW)
    assert feed.format == "rss20"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": [', "not valid JSON"),
        (b"[1, 2, 3]", "not a JSON Feed"),
        (b'{"rss": {"version": "2.0", "channel": {"title": "Scripting News"}}}', "not a JSON Feed"),
        (b'{"version": "https://jsonfeed.org/version/1.1", "title": "No items"}', "no items"),
        (b'{"version": "https://jsonfeed.org/version/1", "items": ["not an object"]}', "malformed"),
        (b'{"version": "https://jsonfeed.org/version/1", "items": [{"author": "A"}]}', "malformed"),
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": [], "x": "\xff"}', "JSON"),
    ],
)
def test_json_that_is_not_a_json_feed_is_a_clear_error(body: bytes, message: str) -> None:
    with pytest.raises(FeedError, match=message):
        parse_feed(body, url="https://example.org/f", content_type="application/json", now=NOW)
