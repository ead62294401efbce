"""Each format's output, byte for byte, for digests that use every section.

The expected files in tests/data/render/ are the output of the renderer as it stood when they
were written; a change that alters them changes what readers get. If the change is meant,
write them again with `python -m tests.test_render_pinned` and review the diff.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

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
from monitor.publish.render import to_html, to_markdown, to_text

PINNED = Path(__file__).parent / "data" / "render"

# Feed text that would be markup, a template, a header or a terminal command if let through.
HOSTILE = (
    "<b>bold</b> **not bold** _x_ `code` [link](javascript:alert(1)) | pipe # hash ~~s~~ "
    "&amp; {{ 7*7 }} {% raw %}\r\nBcc: x@example.org\t\x1b[31m\u2028\u202e!"
)


def _at(day: int, hour: int) -> datetime:
    return datetime(2026, 2, day, hour, tzinfo=UTC)


def _article(
    host: str, n: int, source: str, title: str, origin: str = "page", copies: tuple[Copy, ...] = ()
) -> DigestArticle:
    return DigestArticle(f"https://{host}/{n}", source, title, _at(17, 9 + n), origin, copies)


def full_digest() -> Digest:
    """Every section: stories with and without points, more stories, quotes, failing feeds,
    keywords, feed-summary markers and hostile feed text in every field."""
    cbs = _article("cbs.example", 1, "CBS News", "Envoys meet in Geneva")
    ap = _article("ap.example", 2, "AP", "Talks resume", origin="feed")
    nyt1 = _article("nyt.example", 3, "New York Times", "What Kyiv wants")
    nyt2 = _article("nyt.example", 4, "New York Times", 'x" onmouseover="alert(1)')
    evil = _article(
        "evil.example",
        5,
        HOSTILE,
        HOSTILE,
        copies=(
            Copy("https://wire.example/copy?a=(1)&b='2'", "Wire <copy>"),
            Copy("javascript:alert(2)", "Evil copy"),
        ),
    )
    first = Story(
        id="s0123456789ab",
        title="Geneva talks: envoys meet for six hours",
        status="new",
        since=date(2026, 2, 18),
        articles=(cbs, ap, nyt1, nyt2, evil),
        points=(
            Point("Talks", "Talks began on Tuesday in Geneva.", cbs.url, "CBS News", "page"),
            Point("Envoys", "Envoys met for six hours on Tuesday.", ap.url, "AP", "feed"),
            Point(HOSTILE, HOSTILE, "javascript:alert(3)", HOSTILE, "feed"),
        ),
        sources=("CBS News", "AP", "New York Times", HOSTILE),
        also=("New York Times",),
        outlets=6,
        groups=("Europe", "US <wire>"),
        facts=(
            Fact("When", "on Tuesday", "Talks began on Tuesday in Geneva.", cbs.url, "CBS News"),
            Fact("Where", "in Geneva", "Talks began on Tuesday in Geneva.", cbs.url, "CBS News"),
            Fact("Who", "envoy <Witkoff>", HOSTILE, ap.url, "AP", "US", "feed"),
            Fact("Who", HOSTILE, HOSTILE, "javascript:alert(5)", HOSTILE),
            Fact(
                "Numbers",
                "six hours",
                "Envoys met for six hours on Tuesday.",
                ap.url,
                "AP",
                origin="feed",
            ),
        ),
    )
    developing = Story(
        id="s111111111111",
        title=HOSTILE,
        status="developing",
        since=date(2026, 2, 14),
        articles=(_article("dw.example", 6, "DW", "Prisoner exchange"),),
        points=(),
        sources=("DW",),
        also=("DW",),
        since_digest=date(2026, 2, 15),
        facts=(
            Fact("Next", HOSTILE, HOSTILE, "https://dw.example/6?a=(1)", "DW"),
            Fact(HOSTILE, "x", HOSTILE, "data:text/html,x", HOSTILE, origin="feed"),
        ),
    )
    stale = Story(
        id="s222222222222",
        title="Sanctions debate continues",
        status="no-new-facts",
        since=date(2026, 2, 12),
        articles=(_article("bbc.example", 7, "BBC", "Sanctions"),),
        points=(),
        sources=("BBC",),
        also=(),
        groups=("Europe",),
    )
    more = (
        Story(
            id="s333333333333",
            title="Energy deal <draft>",
            status="new",
            since=date(2026, 2, 18),
            articles=(_article("npr.example", 8, "NPR", "Energy"),),
            points=(),
            sources=("NPR",),
            also=(),
        ),
        Story(
            id="s444444444444",
            title=HOSTILE,
            status="developing",
            since=date(2026, 2, 10),
            articles=(DigestArticle("data:text/html,x", "Bad", "Bad", _at(17, 6), "page", ()),),
            points=(),
            sources=("Bad", "Other"),
            also=(),
            outlets=1,
        ),
    )
    sources = ("CBS News", "AP", "New York Times", "DW", "BBC", "NPR", "Bad", "Other", HOSTILE)
    polled = _at(18, 4)
    return Digest(
        date=date(2026, 2, 18),
        topic="Ukraine peace talks <Geneva> & *more*",
        timezone="Europe/Kyiv",
        window_start=_at(17, 5),
        window_end=_at(18, 5),
        stories=(first, developing, stale),
        more_stories=more,
        totals=Totals(12, 1, sources, 2, 2),
        most_mentioned=(("Umerov", 4), (HOSTILE, 2)),
        keywords=("geneva", "prisoner exchange", HOSTILE),
        quotes=(
            Quote("“We are close,” Umerov said on Tuesday.", "Umerov", cbs.url, "CBS News"),
            Quote(HOSTILE, HOSTILE, ap.url, "AP", "feed"),
            Quote("“No,” Peskov said.", "Peskov", "javascript:alert(4)", HOSTILE, "page"),
        ),
        sources=(
            SourceHealth("CBS News", "https://cbs.example/rss", 3, "ok", "", polled, 0, 24),
            SourceHealth("AP", "https://ap.example/rss", 2, "not-modified", "", polled, 0, 24, 3),
            SourceHealth("DW", "https://dw.example/rss", 1, "ok", "", polled, 0, 24, 0, 1),
            SourceHealth("NPR", "ftp://npr.example/rss", 1, "ok", "", polled, 0, 24, 1, 3),
            SourceHealth(HOSTILE, "https://evil.example/rss", 0, "error", HOSTILE, None, 5, 24, 24),
            SourceHealth("BBC", "https://bbc.example/rss", 0, "error", "HTTP 503", None, 2, 24, 2),
        ),
    )


def single_digest() -> Digest:
    """One article, one source, one story: the singular wordings."""
    art = _article("ok.example", 1, "Src <b>", HOSTILE)
    story = Story(
        id="s555555555555",
        title="One story",
        status="new",
        since=date(2026, 2, 18),
        articles=(art,),
        points=(Point("Lead", "The one point.", art.url, "Src <b>"),),
        sources=("Src <b>",),
        also=(),
    )
    return Digest(
        date=date(2026, 2, 1),
        topic="Topic",
        timezone="UTC",
        window_start=_at(17, 5),
        window_end=_at(18, 5),
        stories=(story,),
        more_stories=(),
        totals=Totals(1, 0, ("Src <b>",), 1, 0),
        most_mentioned=(),
        keywords=(),
        quotes=(),
        sources=(SourceHealth("Src <b>", "https://ok.example/rss", 1, "ok", "", None, 0, 1),),
    )


def empty_digest() -> Digest:
    """No articles: no contents, no stories, the other introduction."""
    return Digest(
        date=date(2026, 2, 18),
        topic="Quiet topic",
        timezone="America/New_York",
        window_start=_at(17, 5),
        window_end=_at(18, 5),
        stories=(),
        more_stories=(),
        totals=Totals(0, 0, (), 0, 0),
        most_mentioned=(),
        keywords=(),
        quotes=(),
        sources=(
            SourceHealth("Quiet feed", "https://q.example/rss", 0, "not-modified", "", None, 0),
        ),
    )


DIGESTS: dict[str, Callable[[], Digest]] = {
    "full": full_digest,
    "single": single_digest,
    "empty": empty_digest,
}
FORMATS: dict[str, Callable[[Digest], str]] = {
    "md": to_markdown,
    "txt": to_text,
    "html": to_html,
}


@pytest.mark.parametrize("ext", FORMATS)
@pytest.mark.parametrize("name", DIGESTS)
def test_output_is_pinned(name: str, ext: str) -> None:
    # Bytes, not read_text(): newline translation would hide a stray "\r".
    expected = (PINNED / f"{name}.{ext}").read_bytes().decode("utf-8")
    assert FORMATS[ext](DIGESTS[name]()) == expected


def write_pinned() -> None:
    PINNED.mkdir(parents=True, exist_ok=True)
    for name, make in DIGESTS.items():
        for ext, render in FORMATS.items():
            (PINNED / f"{name}.{ext}").write_bytes(render(make()).encode("utf-8"))


if __name__ == "__main__":
    write_pinned()
