"""Hostile feed text stays inert in every rendering."""

from __future__ import annotations

import contextlib
import json
import os
import re
import stat
from dataclasses import replace
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path

import pytest
from click.testing import CliRunner
from markupsafe import escape

from monitor.cli import cli
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
from monitor.config import DigestConfig
from monitor.publish.digest_json import to_json
from monitor.publish.render import FEED_NOTE, md, safe_url, to_html, to_markdown, to_text
from monitor.publish.write import write_digest

from .conftest import TEMPLATE_TAGS

EVIL_TITLE = "<img src=x onerror=alert(1)> **bold** [link](javascript:alert(2)) | pipe"
EVIL_URL = "javascript:alert(3)"


def _digest() -> Digest:
    when = datetime(2026, 2, 17, 12, 0, tzinfo=UTC)
    art = DigestArticle(
        "https://ok.example.org/a?x=1&y=(2)",
        "Src <b>",
        EVIL_TITLE,
        when,
        "page",
        (Copy(EVIL_URL, "Evil copy"), Copy("data:text/html,<script>", "Data copy")),
    )
    story = Story(
        id="s123",
        title=EVIL_TITLE,
        status="new",
        since=date(2026, 2, 18),
        articles=(art,),
        points=(
            Point(
                '<script>alert("x")</script>',
                'He said "<b>hi</b>" & left.',
                EVIL_URL,
                'Evil " source',
            ),
        ),
        sources=("Src <b>",),
        also=(),
        facts=(Fact(EVIL_TITLE, EVIL_TITLE, 'He said "<b>hi</b>" & left.', EVIL_URL, "Src <b>"),),
    )
    return Digest(
        date=date(2026, 2, 18),
        topic="Ukraine peace talks",
        timezone="Europe/Kyiv",
        window_start=datetime(2026, 2, 17, 5, tzinfo=UTC),
        window_end=datetime(2026, 2, 18, 5, tzinfo=UTC),
        stories=(story,),
        more_stories=(),
        totals=Totals(1, 0, ("Src <b>",), 1, 0),
        most_mentioned=(),
        keywords=("<k>",),
        quotes=(),
        sources=(
            SourceHealth(
                "Feed\r\nX-Injected: 1",
                "https://f.example.org/rss",
                1,
                "error",
                "HTTP 500 <oops>",
                None,
                3,
            ),
        ),
    )


def test_html_has_only_template_tags_and_safe_links() -> None:
    html = to_html(_digest())
    tags = set(re.findall(r"<\s*([a-zA-Z0-9]+)", html))
    assert tags <= TEMPLATE_TAGS
    assert "&lt;img src=x onerror=alert(1)&gt;" in html  # shown as text, not as a tag
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    hrefs = re.findall(r'href="([^"]*)"', html)
    assert all(h.startswith(("https://", "http://", "#")) for h in hrefs)


def test_markdown_escapes_metacharacters_and_drops_bad_links() -> None:
    text = to_markdown(_digest())
    assert not re.search(r"(?<!\\)<", text)  # every < is escaped: no raw HTML
    targets = re.findall(r"(?<!\\)\]\(([^)]*)\)", text)  # unescaped ](target)
    assert all(t.startswith(("https://", "http://", "#")) for t in targets)
    assert "\\*\\*bold\\*\\*" in text
    assert "\\[link\\]" in text
    assert "\\| pipe" in text
    assert "[Feed X-Injected: 1](https://f.example.org/rss)" in text  # CR/LF folded


# Markdown and plain text are rendered without autoescape: what each template may write.
ESCAPED = {
    "digest.md": (
        r".* \| md",  # feed text, escaped
        r"md_(link|source)\(.*\)",  # escape their label and keep only http(s) links
        r"slug\(.*\)",  # a heading anchor: word characters and hyphens only
        r'd\.keywords \| map\("md"\) \| join\(" · "\)',
    ),
    "digest.txt": (
        r".* \| plain",  # feed text, on one line
        r".* \| safe_url",
        r"text_source\(.*\)",  # plain source name and a fixed marker
        r'd\.keywords \| map\("plain"\) \| join\(" · "\)',
    ),
}
EVERY_FORMAT = (r"loop\.index", r"src\.articles", r'" · " if not loop\.last')


@pytest.mark.parametrize("name", ESCAPED)
def test_text_templates_escape_every_value(name: str) -> None:
    source = resources.files("monitor.publish").joinpath("templates", name).read_text("utf-8")
    values = re.findall(r"\{\{\s*(.*?)\s*\}\}", source)
    assert values
    allowed = [*ESCAPED[name], *EVERY_FORMAT]
    for value in values:
        assert any(re.fullmatch(a, value) for a in allowed), value


def test_json_keeps_text_but_blanks_unsafe_urls() -> None:
    data = json.loads(to_json(_digest()))
    point = data["stories"][0]["points"][0]
    assert point["url"] == "" and point["text"] == 'He said "<b>hi</b>" & left.'
    fact = data["stories"][0]["facts"][0]
    assert fact["url"] == "" and fact["value"] == EVIL_TITLE
    assert set(fact) == {"label", "value", "sentence", "url", "source", "side", "from"}
    assert data["stories"][0]["articles"][0]["duplicates"][0]["url"] == ""
    assert data["window"]["start"] == "2026-02-17T05:00:00Z"


def test_helpers() -> None:
    assert safe_url(" https://a.example.org/x y ") == "https://a.example.org/x%20y"
    assert safe_url("ftp://a.example.org/") == ""
    assert safe_url("https://ok.example.org/a?y=(2)") == "https://ok.example.org/a?y=%282%29"
    assert md("a\nb   c") == "a b c"


def test_files_are_written_and_identical_on_rewrite(tmp_path: Path) -> None:
    cfg = DigestConfig(directory=tmp_path)
    paths = write_digest(_digest(), cfg)
    assert [p.name for p in paths] == ["2026-02-18.md", "2026-02-18.html", "2026-02-18.json"]
    before = [p.read_bytes() for p in paths]
    write_digest(_digest(), cfg)
    assert [p.read_bytes() for p in paths] == before
    assert not list(tmp_path.rglob("*.tmp"))


def test_quote_speakers_are_named_and_verbatim() -> None:
    from monitor.compose.highlights import speaker_of

    zelensky = "“We are ready to continue,” said Ukrainian President Volodymyr Zelensky today."
    umerov = 'Rustem Umerov told reporters: "The talks were substantive and constructive."'
    peskov = 'Dmitry Peskov said "no breakthrough should be expected" from the Geneva meeting.'
    anonymous = "“This is not over,” he said, declining to give details of the talks."
    cases = [
        ("“We are close to a deal,” Umerov said on Tuesday in Geneva.", "Umerov"),
        (
            "“No,” Kremlin spokesman Dmitry Peskov told reporters.",
            "Kremlin spokesman Dmitry Peskov",
        ),
        ('"It was tense," a Ukrainian official said after the meeting.', ""),
        ("“It is hard,” European leaders said in a joint statement.", ""),
        ("“Land is the issue.” Trump has said he wants a deal.", ""),
        (zelensky, "Ukrainian President Volodymyr Zelensky"),
        (umerov, "Rustem Umerov"),
        (peskov, "Dmitry Peskov"),
        (anonymous, ""),
    ]
    for sentence, speaker in cases:
        got = speaker_of(sentence)
        assert got == speaker, (sentence, got)
        assert got in sentence


def test_quotes_section_takes_whole_attributed_quotations() -> None:
    from monitor.compose.highlights import quotes
    from monitor.models import StoredArticle

    when = datetime(2026, 2, 17, 12, tzinfo=UTC)
    texts = {
        "https://a.example/1": (
            "Talks resumed in Geneva on Tuesday between the two delegations.\n"
            "“We are close to a deal on the exchange of prisoners,” Umerov said on Tuesday.\n"
            "Later he added more."
        ),
        "https://b.example/2": (
            "Officials from both sides met again in the Swiss city for a second day.\n"
            # the end of a quotation begun in an earlier sentence: shown, it would lack its start
            "Nothing is agreed until everything is agreed,” said Dmitry Peskov, the spokesman.\n"
            '"The talks were substantive and constructive," said Rustem Umerov, the secretary.'
        ),
    }
    stored = {
        i: StoredArticle(
            i,
            url,
            url,
            "Geneva talks",
            f"Outlet {i}",
            1,
            when,
            date(2026, 2, 18),
            text,
            "page",
            "",
            "",
            None,
            "s1",
        )
        for i, (url, text) in enumerate(texts.items())
    }
    story = Story(
        id="s1",
        title="Geneva talks",
        status="new",
        since=date(2026, 2, 18),
        articles=tuple(
            DigestArticle(a.url, a.source, a.title, when, "page", ()) for a in stored.values()
        ),
        points=(),
        sources=("Outlet 0", "Outlet 1"),
        also=(),
    )
    (quote,) = quotes((story,), stored)
    assert quote.speaker == "Umerov" and quote.source == "Outlet 0"
    assert quote.url == "https://a.example/1" and quote.text.startswith("“We are close")
    # a sentence already shown as a point is not repeated: the next article's whole quotation
    shown = Point(lead="", text=quote.text, url=quote.url, source=quote.source)
    (other,) = quotes((replace(story, points=(shown,)),), stored)
    assert other.speaker == "Rustem Umerov" and other.source == "Outlet 1"


def test_also_covered_numbers_a_second_article_of_one_outlet() -> None:
    when = datetime(2026, 2, 17, 12, 0, tzinfo=UTC)
    quoted, first, second = (
        DigestArticle(f"https://{host}/{n}", src, title, when, "page", ())
        for host, n, src, title in (
            ("cbs.example", 1, "CBS News", "Talks begin"),
            ("nyt.example", 1, "New York Times", "Envoys meet in Geneva"),
            ("nyt.example", 2, "New York Times", "What Trump wants from Kyiv"),
        )
    )
    story = replace(
        _digest().stories[0],
        articles=(quoted, first, second),
        points=(Point("Talks", "Talks began on Tuesday.", quoted.url, "CBS News"),),
        sources=("CBS News", "New York Times"),
        also=("New York Times",),
    )
    digest = replace(_digest(), stories=(story,))
    md_text = to_markdown(digest)
    assert (
        "Also covered by: [New York Times](https://nyt.example/1) · "
        "[New York Times (2)](https://nyt.example/2)"
    ) in md_text
    html = to_html(digest)
    assert (
        'title="What Trump wants from Kyiv" rel="noopener noreferrer nofollow">'
        "New York Times (2)</a>" in html
    )
    text = to_text(digest)
    assert "New York Times (2): https://nyt.example/2" in text
    # the headline shown on hover is feed text: escaped inside its attribute
    evil = replace(second, title='x" onmouseover="alert(1)')
    html = to_html(replace(digest, stories=(replace(story, articles=(quoted, first, evil)),)))
    assert 'title="x&#34; onmouseover=&#34;alert(1)"' in html


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o027, 0o640)])
def test_written_files_get_the_mode_of_the_umask(tmp_path: Path, umask: int, mode: int) -> None:
    """Digests, the site, the Atom feed and an OPML export are readable as any file the user
    writes (a web server running as another user must be able to read index.html)."""
    config = tmp_path / "monitor.toml"
    config.write_text(
        '[storage]\ndatabase = "db.sqlite"\n[digest]\ndirectory = "site"\n'
        '[[feeds]]\nname = "A"\nurl = "https://a.example.org/rss"\n',
        encoding="utf-8",
    )
    old = os.umask(umask)
    try:
        with contextlib.chdir(tmp_path):
            for args in (["digest", "--date", "2026-02-18"], ["feeds", "export", "-o", "f.opml"]):
                result = CliRunner().invoke(cli, ["--config", str(config), *args])
                assert result.exit_code == 0, result.output
    finally:
        os.umask(old)
    written = [*(tmp_path / "site").rglob("*"), tmp_path / "f.opml"]
    names = {p.name for p in written}
    assert {"2026-02-18.md", "2026-02-18.html", "2026-02-18.json", "index.html"} <= names
    assert {"feed.xml", "search-index.json", "search.js", "f.opml"} <= names
    for path in written:
        if path.is_file():
            assert stat.S_IMODE(path.stat().st_mode) == mode, path


def test_a_point_quoted_from_the_feed_says_so_in_every_format() -> None:
    """An article whose page could not be read is quoted from the feed's summary; the reader
    is told, since the linked page may not hold that sentence."""
    when = datetime(2026, 2, 17, 12, 0, tzinfo=UTC)
    page, feed = (
        DigestArticle(f"https://{host}/1", src, "Talks", when, origin, ())
        for host, src, origin in (("cbs.example", "CBS News", "page"), ("ap.example", "AP", "feed"))
    )
    story = replace(
        _digest().stories[0],
        articles=(page, feed),
        points=(
            Point("Talks", "Talks began on Tuesday in Geneva.", page.url, "CBS News", "page"),
            Point("Envoys", "Envoys met for six hours on Tuesday.", feed.url, "AP", "feed"),
        ),
        sources=("CBS News", "AP"),
    )
    quote = Quote("“We are close,” Umerov said on Tuesday.", "Umerov", feed.url, "AP", "feed")
    digest = replace(_digest(), stories=(story,), quotes=(quote,))

    md_text = to_markdown(digest)
    assert "Geneva. ([CBS News](https://cbs.example/1))\n" in md_text
    assert "Tuesday. ([AP](https://ap.example/1), feed summary)\n" in md_text
    assert (
        "on Tuesday. ([AP](https://ap.example/1), feed summary)\n"
        in md_text.split("## What officials said")[1]
    )

    html = to_html(digest)
    marker = f'<span class="small" title="{escape(FEED_NOTE)}">feed summary</span>'
    assert 'nofollow">CBS News</a>)</li>' in html
    assert f'nofollow">AP</a>, {marker})</li>' in html
    assert html.count(marker) == 2  # the point and the quote

    text = to_text(digest)
    assert "     CBS News: https://cbs.example/1\n" in text
    assert "     AP (feed summary): https://ap.example/1\n" in text
    assert "  AP (feed summary): https://ap.example/1\n" in text

    data = json.loads(to_json(digest))
    assert [p["from"] for p in data["stories"][0]["points"]] == ["page", "feed"]
    assert data["quotes"][0]["from"] == "feed"
