"""Polling one feed: fetch and parse it, then decide — without touching the store — what the
poll changes (a `FeedUpdate`, which the store applies).

The decisions are pure functions of the feed's state, the poll's result and the clock:
which feeds are due, how long a failing feed rests, when it is paused, which new entries
are on topic. So they are tested without a server or a database.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from monitor.config import Settings
from monitor.errors import FeedError, FetchError
from monitor.ingest.entries import ParsedFeed
from monitor.ingest.feeds import FEED_ACCEPT
from monitor.ingest.fetch import HttpClient
from monitor.ingest.workers import ExtractorPool
from monitor.judge import topic
from monitor.models import FeedState, FeedUpdate, NewEntry, PollOutcome

log = logging.getLogger("monitor")
# Marks log lines that a poll's report (PollReport) also carries, so that a command which
# prints the report can leave them out of its log (each failure was told twice).
IN_REPORT = {"in_report": True}

BACKOFF_CAP = timedelta(days=1)
PAUSE_AFTER = 20  # consecutive failures (about a week of daily retries once backed off)


@dataclass(frozen=True)
class FeedResult:
    """What fetching and parsing one feed gave."""

    state: FeedState
    parsed: ParsedFeed | None
    etag: str | None
    last_modified: str | None
    not_modified: bool
    error: str
    retry_after: float | None = None
    status: int | None = None

    @property
    def keys(self) -> list[str]:
        """The keys of the entries read (to ask the store which it already has)."""
        return [e.key for e in self.parsed.entries] if self.parsed else []


def fetch_feed(
    client: HttpClient, pool: ExtractorPool, state: FeedState, now: datetime, max_items: int
) -> FeedResult:
    """Fetch (conditional GET) and parse one feed; failures are part of the result."""
    try:
        resp = client.get(
            state.url, etag=state.etag, last_modified=state.last_modified, accept=FEED_ACCEPT
        )
        if resp.not_modified:
            return FeedResult(state, None, state.etag, state.last_modified, True, "")
        # The configured URL, not the final one: feedparser resolves relative ids against it,
        # and entry keys must not change when a feed starts redirecting.
        parsed = pool.parse_feed(
            resp.content,
            url=state.url,
            content_type=resp.content_type,
            now=now,
            max_items=max_items,
        )
        return FeedResult(state, parsed, resp.etag, resp.last_modified, False, "")
    except FetchError as exc:
        return FeedResult(state, None, None, None, False, str(exc), exc.retry_after, exc.status)
    except FeedError as exc:
        return FeedResult(state, None, None, None, False, str(exc))


def skipped(state: FeedState, now: datetime) -> FeedUpdate | None:
    """The update for a feed left alone this cycle — paused, or resting until its next poll
    time (back-off, or the server asked to wait) — or None when it is due."""
    if state.paused:
        return FeedUpdate(state.id, now, "paused", error=state.paused)
    if state.next_poll is not None and state.next_poll > now:
        why = "server asked to wait" if state.consecutive_errors <= 2 else "backing off"
        wait = f"{why} until {state.next_poll:%Y-%m-%d %H:%M} UTC"
        return FeedUpdate(state.id, now, "deferred", error=wait)
    return None


def feed_backoff(consecutive_errors: int, poll_every_seconds: int) -> timedelta:
    """How long a failing feed rests: nothing for two failures, then doubling, up to a day."""
    if consecutive_errors <= 2:
        return timedelta(0)
    steps = min(consecutive_errors - 2, 16)
    return min(timedelta(seconds=poll_every_seconds) * (1 << steps), BACKOFF_CAP)


def decide(result: FeedResult, known: set[str], settings: Settings, now: datetime) -> FeedUpdate:
    """What the poll changes: the feed's health, back-off or pause, and its new entries
    (those whose keys are not `known`), each judged on topic by its own text."""
    st = result.state
    if result.error:
        errors = st.consecutive_errors + 1
        wait = feed_backoff(errors, settings.schedule.poll_every_seconds)
        if result.retry_after:
            wait = max(wait, timedelta(seconds=result.retry_after))
        pause = None
        if result.status == 410:
            pause = "the server says the feed is gone (HTTP 410)"
        elif errors >= PAUSE_AFTER:
            pause = f"{errors} failures in a row"
        return FeedUpdate(
            st.id,
            now,
            "error",
            error=result.error,
            next_poll=now + wait if wait else None,
            pause=pause,
        )
    if result.not_modified or result.parsed is None:
        return FeedUpdate(
            st.id,
            now,
            "not-modified",
            etag=result.etag,
            last_modified=result.last_modified,
            title=st.title,
            format=st.format,
        )
    parsed = result.parsed
    query = settings.topic.query
    fresh = tuple(
        NewEntry(
            key=e.key,
            link=e.link,
            title=e.title,
            summary=e.summary,
            content=e.content,
            published=e.published,
            # An entry without a link cannot be cited in the digest: it never becomes an article.
            on_topic=bool(e.link)
            and topic.matches(query, topic.entry_text(e.title, e.summary, e.content)),
            rejected=e.rejected,
        )
        for e in parsed.entries
        if e.key not in known
    )
    return FeedUpdate(
        st.id,
        now,
        "ok",
        entries=fresh,
        etag=result.etag,
        last_modified=result.last_modified,
        title=parsed.title,
        format=parsed.format,
        warning=parsed.warning,
        entries_read=len(parsed.entries),
    )


def outcome(update: FeedUpdate, state: FeedState, inserted: int) -> PollOutcome:
    """What the poll's report says of one feed (`inserted`: its new entries stored), logged
    as one line; the lines the report repeats are marked IN_REPORT."""
    name = state.name
    if update.status in ("paused", "deferred"):
        return PollOutcome(name, state.url, update.status, error=update.error)
    if update.status == "error":
        if update.pause:
            log.warning(
                "feed %s paused: %s (`monitor feeds resume` to poll it again)", name, update.pause
            )
        log.warning("feed %s: error: %s", name, update.error, extra=IN_REPORT)
        return PollOutcome(name, state.url, "error", error=update.error)
    if update.status == "not-modified":
        log.info("feed %s: not modified", name)
        return PollOutcome(name, state.url, "not-modified")
    on_topic = sum(1 for e in update.entries if e.on_topic)
    rejected = [e for e in update.entries if e.rejected]
    log.info(
        "feed %s: %d entries, %d new, %d on topic", name, update.entries_read, inserted, on_topic
    )
    if rejected:
        log.warning(
            "feed %s: %d new entries rejected (%s)",
            name,
            len(rejected),
            rejected[-1].rejected,
            extra=IN_REPORT,
        )
    return PollOutcome(
        name,
        state.url,
        "ok",
        new_entries=inserted,
        on_topic=on_topic,
        error=update.warning,
        rejected=len(rejected),
    )
