"""The digest as a value: what compose() builds and every format renders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class Point:
    lead: str
    text: str
    url: str
    source: str
    origin: str = "page"  # the article's text_origin: "feed" when quoted from the feed's text
    facet: str = ""  # the sentence's role in the story (compose/facets.py); "" when not known


@dataclass(frozen=True)
class Fact:
    """A fact of the news for the Fact | Detail tables: `value` is cut verbatim from
    `sentence`, and `sentence` from the stored text of the article at `url`."""

    label: str  # When | Where | Who | Numbers | Next
    value: str
    sentence: str
    url: str
    source: str
    side: str = ""  # Who: Ukraine | Russia | US, when the sentence names the person's side
    origin: str = "page"  # as Point.origin


@dataclass(frozen=True)
class Copy:
    url: str
    source: str


@dataclass(frozen=True)
class DigestArticle:
    url: str
    source: str
    title: str
    published: datetime
    text_origin: str
    duplicates: tuple[Copy, ...]


@dataclass(frozen=True)
class Story:
    id: str
    title: str
    status: str  # new | developing | no-new-facts
    since: date
    articles: tuple[DigestArticle, ...]
    points: tuple[Point, ...]
    sources: tuple[str, ...]  # distinct origins (wire copies count once)
    also: tuple[str, ...]  # sources covering the story that no point quotes
    outlets: int = 0  # outlets that published it, copies included
    groups: tuple[str, ...] = ()  # feed groups (config `group`) that covered it
    since_digest: date | None = None  # the first earlier digest that had it, if one was built
    facts: tuple[Fact, ...] = ()  # for the stories with a section (compose.facts)


@dataclass(frozen=True)
class SourceHealth:
    """A feed as it stood when the digest's window closed."""

    name: str
    url: str
    articles: int
    status: str  # ok | not-modified | error
    error: str
    last_success: datetime | None
    consecutive_errors: int
    polls: int = 0  # attempts within the window
    failed_polls: int = 0
    rejected: int = 0  # entries refused for a bad link within the window


@dataclass(frozen=True)
class Quote:
    text: str  # the whole sentence, verbatim
    speaker: str  # verbatim from the sentence
    url: str
    source: str
    origin: str = "page"  # as Point.origin


@dataclass(frozen=True)
class Totals:
    articles: int
    duplicates: int
    sources: tuple[str, ...]
    new_stories: int
    developing: int


@dataclass(frozen=True)
class Digest:
    date: date
    topic: str
    timezone: str
    window_start: datetime
    window_end: datetime
    stories: tuple[Story, ...]
    more_stories: tuple[Story, ...]
    totals: Totals
    most_mentioned: tuple[tuple[str, int], ...]
    keywords: tuple[str, ...]
    quotes: tuple[Quote, ...]
    sources: tuple[SourceHealth, ...]
    base_url: str = ""
