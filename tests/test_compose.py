"""compose(inputs, settings) is a pure function: digests built from values, no database."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from monitor.compose.digest import compose
from monitor.compose.inputs import DigestInputs
from monitor.config import DigestConfig, Settings
from monitor.models import FeedHealth, StoredArticle

DAY = date(2026, 2, 18)
WINDOW = (datetime(2026, 2, 17, 5, tzinfo=UTC), datetime(2026, 2, 18, 5, tzinfo=UTC))
GENEVA = (
    "Russian and Ukrainian negotiators met in Geneva on Tuesday for a new round of talks "
    "brokered by the United States. The delegations spent six hours at the table, officials "
    "said. Rustem Umerov led the Ukrainian side, and Vladimir Medinsky led Russia's. "
    "“The talks were difficult but businesslike,” Umerov said. The next meeting is planned "
    "for Wednesday, when the sides will discuss a ceasefire along the front line."
)
GENEVA_2 = (
    "Talks between Russia and Ukraine resumed in Geneva on Tuesday. Negotiations will continue "
    "on Wednesday, but expectations for a breakthrough are low, diplomats said. The United "
    "States mediated the meeting, which lasted six hours. Kremlin spokesman Dmitry Peskov "
    "said Moscow's position had not changed since the previous round in Abu Dhabi."
)
OTHER = (
    "The European Union agreed on a new package of sanctions against Russia on Tuesday. "
    "Foreign ministers met in Brussels to approve the measures, which target banks and "
    "shipping. Hungary dropped its objection after talks late into the night, officials said."
)


def article(
    id: int, source: str, text: str, story: str | None, *, dup: int | None = None, feed: int = 1
) -> StoredArticle:
    return StoredArticle(
        id=id,
        canonical_url=f"https://news.example.org/{id}",
        url=f"https://news.example.org/{id}",
        title=text.split(".")[0],
        source=source,
        feed_id=feed,
        published=datetime(2026, 2, 17, 9 + id, tzinfo=UTC),
        window_date=DAY,
        text=text,
        text_origin="page",
        content_hash=f"h{id}",
        sketch="",
        duplicate_of=dup,
        story_id=story,
    )


def health(id: int, name: str, status: str = "ok", error: str = "") -> FeedHealth:
    return FeedHealth(
        id, name, f"https://{name.lower()}.example/rss", status, error, None, 0, 4, 0, 0
    )


SETTINGS = Settings(Path("monitor.toml"), digest=DigestConfig(max_stories=1, points_per_story=3))
INPUTS = DigestInputs(
    day=DAY,
    window=WINDOW,
    articles=(
        article(1, "BBC", GENEVA, "sgeneva"),
        article(2, "DW", GENEVA_2, "sgeneva", feed=2),
        article(3, "Wire copy", GENEVA, "sgeneva", dup=1, feed=3),
        article(4, "Politico", OTHER, "ssanctions", feed=3),
    ),
    first_windows={"sgeneva": date(2026, 2, 16), "ssanctions": DAY},
    first_digests={"sgeneva": date(2026, 2, 16)},
    feed_groups={"BBC": "world", "DW": "europe"},
    feeds=(health(1, "BBC"), health(2, "DW"), health(3, "Wire", "error", "HTTP 500")),
    articles_by_feed={1: 1, 2: 1, 3: 2},
)


def test_a_digest_is_composed_from_values() -> None:
    d = compose(INPUTS, SETTINGS)
    assert d.date == DAY and (d.window_start, d.window_end) == WINDOW
    # the story with most sources comes first and gets the one section; the other is listed
    (top,) = d.stories
    assert top.id == "sgeneva" and [s.id for s in d.more_stories] == ["ssanctions"]
    assert top.status == "developing" and top.since_digest == date(2026, 2, 16)
    assert top.groups == ("europe", "world")
    assert d.totals.articles == 3 and d.totals.duplicates == 1
    assert top.articles[0].duplicates[0].source == "Wire copy"
    # every point is a sentence of the article it links to, and no two are the same
    texts = {a.url: a.text for a in INPUTS.articles}
    assert 1 <= len(top.points) <= 3
    assert all(p.text in texts[p.url] for p in top.points)
    assert len({p.text for p in top.points}) == len(top.points)
    # feed health comes from the inputs, as it stood then
    assert [(s.name, s.status, s.articles) for s in d.sources] == [
        ("BBC", "ok", 1),
        ("DW", "ok", 1),
        ("Wire", "error", 2),
    ]
    assert compose(INPUTS, SETTINGS) == d  # pure: the same inputs, the same digest


def test_points_published_before_are_not_repeated() -> None:
    first = compose(INPUTS, SETTINGS)
    said = tuple(p.text for p in first.stories[0].points)
    again = compose(
        replace(INPUTS, recent_points=said, earlier_points={"sgeneva": list(said)}), SETTINGS
    )
    assert not {p.text for p in again.stories[0].points} & set(said)


def test_a_story_new_in_this_window_and_an_empty_window() -> None:
    only_new = replace(INPUTS, articles=INPUTS.articles[3:], first_digests={})
    (story,) = compose(only_new, SETTINGS).stories
    assert story.status == "new" and story.since_digest is None
    empty = compose(replace(INPUTS, articles=()), SETTINGS)
    assert empty.stories == () and empty.totals.articles == 0
    assert len(empty.sources) == 3  # feed health is shown even when nothing was published


def test_a_story_is_titled_by_its_most_representative_sentence_case_headline() -> None:
    def titled(*titles: str) -> str:
        arts = tuple(
            replace(article(i, f"S{i}", GENEVA, "sgeneva"), title=t)
            for i, t in enumerate(titles, 1)
        )
        (story,) = compose(replace(INPUTS, articles=arts), SETTINGS).stories
        return story.title

    # the tag is trimmed; of two headlines sharing the story's words, sentence case wins
    assert (
        titled("Analysis-US envoys juggle two crisis talks") == "US envoys juggle two crisis talks"
    )
    assert (
        titled(
            "Ukraine And Russia Hold New Round Of Peace Talks In Geneva",
            "Ukraine and Russia hold a new round of peace talks in Geneva",
        )
        == "Ukraine and Russia hold a new round of peace talks in Geneva"
    )


def test_of_stories_covered_alike_one_whose_headline_is_on_the_topic_comes_first() -> None:
    """The 17 Feb replay led with Macron's trip to India (on topic only through a line of its
    text) over the Ukraine talks, both one report, because it was published later."""
    query = "(ukrain* OR kyiv) AND (talks OR negotiat*)"
    settings = replace(SETTINGS, topic=replace(SETTINGS.topic, query=query))
    talks = replace(article(1, "ABC", GENEVA, "stalks"), title="Ukraine talks resume in Geneva")
    trip = replace(
        article(5, "Dawn", OTHER + " Ukraine talks came up too.", "strip"),
        title="France’s Macron eyes Rafale fighter jet deal in India",
    )
    assert trip.published > talks.published
    d = compose(replace(INPUTS, articles=(trip, talks)), settings)
    assert [s.id for s in (*d.stories, *d.more_stories)] == ["stalks", "strip"]
