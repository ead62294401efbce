"""Plain frozen dataclasses exchanged between stages and the store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path


@dataclass(frozen=True)
class FeedState:
    id: int
    url: str
    name: str
    group: str
    etag: str | None
    last_modified: str | None
    last_attempt: datetime | None
    last_success: datetime | None
    last_status: str | None
    last_error: str | None
    consecutive_errors: int
    entries_seen: int
    title: str = ""
    format: str = ""
    next_poll: datetime | None = None  # set when the server asked us to wait (Retry-After)
    paused: str | None = None  # why the feed is no longer polled (410, too many failures)
    entries_rejected: int = 0  # entries refused for a bad link, ever
    last_rejected: str | None = None  # the latest one's reason


@dataclass(frozen=True)
class FeedHealth:
    """A feed's health as it stood at a moment, from its recorded polls."""

    id: int
    name: str
    url: str
    status: str  # of the latest attempt: ok | not-modified | error; "" if none yet
    error: str  # that attempt's error, or why the feed was paused
    last_success: datetime | None
    consecutive_errors: int
    polls: int  # attempts within the period asked for
    failed_polls: int
    rejected: int  # entries first seen within the period and rejected (bad links)


@dataclass(frozen=True)
class NewEntry:
    key: str
    link: str
    title: str
    summary: str
    content: str
    published: datetime | None
    on_topic: bool
    rejected: str = ""  # why it can never become an article (a bad link), else ""


@dataclass(frozen=True)
class FeedUpdate:
    """What one poll of one feed changes, decided from its result; the store applies it."""

    feed_id: int
    at: datetime
    status: str  # ok | not-modified | error | deferred (resting) | paused
    entries: tuple[NewEntry, ...] = ()  # entries not stored before
    etag: str | None = None
    last_modified: str | None = None
    title: str = ""
    format: str = ""
    error: str = ""  # the error, or why the feed rests or is paused
    next_poll: datetime | None = None  # an error: not before this
    pause: str | None = None  # an error that pauses the feed: why
    warning: str = ""  # the feed parsed, with a problem worth reporting
    entries_read: int = 0  # entries in the document


@dataclass(frozen=True)
class PendingEntry:
    """An on-topic entry whose article has not been stored yet."""

    id: int
    feed_id: int
    source: str
    link: str
    title: str
    summary: str
    content: str
    published: datetime
    first_seen: datetime


@dataclass(frozen=True)
class NewArticle:
    entry_ids: tuple[int, ...]
    canonical_url: str
    url: str
    title: str
    source: str
    feed_id: int
    published: datetime
    first_seen: datetime
    text: str
    text_origin: str
    fetch_note: str
    content_hash: str
    sketch: str


@dataclass(frozen=True)
class StoredArticle:
    id: int
    canonical_url: str
    url: str
    title: str
    source: str
    feed_id: int
    published: datetime
    window_date: date
    text: str
    text_origin: str
    content_hash: str
    sketch: str
    duplicate_of: int | None
    story_id: str | None


@dataclass(frozen=True)
class PollOutcome:
    feed: str
    url: str
    status: str  # ok | not-modified | error | deferred (waiting) | paused
    new_entries: int = 0
    on_topic: int = 0
    error: str = ""
    rejected: int = 0  # new entries refused for a bad link


@dataclass(frozen=True)
class Ingested:
    """What turning pending entries into articles did."""

    new_articles: int = 0
    duplicates: int = 0  # folded into an original (wire copies, republished texts)
    pages_fetched: int = 0
    feed_fallbacks: int = 0  # articles whose text is the feed's own
    stories: frozenset[str] = frozenset()  # the stories they joined or founded


@dataclass(frozen=True)
class PollReport:
    outcomes: tuple[PollOutcome, ...]  # one per configured feed, in configuration order
    ingested: Ingested
    seconds: float

    @property
    def new_articles(self) -> int:
        return self.ingested.new_articles

    @property
    def duplicates(self) -> int:
        return self.ingested.duplicates

    @property
    def feed_fallbacks(self) -> int:
        return self.ingested.feed_fallbacks

    @property
    def stories(self) -> frozenset[str]:
        return self.ingested.stories


@dataclass(frozen=True)
class DeliveryReport:
    sent: int
    failed: int  # attempts that failed this time
    waiting: int  # deliveries waiting for a retry


@dataclass(frozen=True)
class CycleReport:
    """What one cycle (`pipeline.run_cycle`) did."""

    poll: PollReport
    day: date | None = None  # the digest built or found built, unless stopped before it
    digest: Path | None = None  # written this cycle
    delivery: DeliveryReport | None = None  # None: no delivery configured


@dataclass(frozen=True)
class RenderedBodies:
    """What delivery sends: rendered once, when the digest is built."""

    title: str
    json: str
    html: str
    text: str


@dataclass(frozen=True)
class WrittenDigest:
    """A digest just written to its files: what the store records of it."""

    day: date
    window: tuple[datetime, datetime]
    path: str  # the digest's own file (the first configured format)
    content_hash: str
    articles: int
    stories: int
    points: tuple[tuple[str, int, str, str], ...]  # (story, position, text, url)
    bodies: RenderedBodies


@dataclass(frozen=True)
class DigestRecord:
    date: date
    window_start: datetime
    window_end: datetime
    built_at: datetime
    path: str
    content_hash: str
    articles: int
    stories: int
    title: str
    body_json: str


@dataclass(frozen=True)
class Delivery:
    id: int
    digest_date: date
    channel: str  # email | webhook
    recipient: str
    message_id: str
    status: str  # pending | sent | failed
    attempts: int
    last_error: str | None
    next_attempt: datetime
    sent_at: datetime | None


@dataclass(frozen=True)
class SearchHit:
    """One match of `monitor search`: a digest point or a stored article."""

    kind: str  # point | article
    date: date  # the digest's date (points) or the article's publication date (UTC)
    source: str
    title: str  # the headline of the article quoted (points) or found (articles)
    text: str  # the point, or an excerpt of the article around the match
    url: str


@dataclass(frozen=True)
class StoredEntry:
    """A feed entry as stored, for re-checking the topic query (`monitor topic test`)."""

    id: int
    source: str
    title: str
    summary: str
    content: str
    link: str
    published: datetime | None
    first_seen: datetime
    on_topic: bool  # the decision taken when it was polled
