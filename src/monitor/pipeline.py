"""One cycle of the monitor.

    poll:   feeds ──► fetch (guarded HTTP, conditional GET)
                  ──► parse (feedparser; JSON Feed: fastfeedparser)
                  ──► select (topic query on the entry's own text) ──► store entries
            pending on-topic entries ──► fetch page ──► extract (trafilatura, feed fallback)
                  ──► dedupe (canonical URL, text hash, MinHash) ──► cluster (stories)
                  ──► store articles
    digest: window's articles ──► summarize (sumy) ──► compose ──► render ──► write files

Expected failures (a feed that is down, a page that will not parse) are recorded and the
cycle goes on; programming errors raise.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from monitor import timing
from monitor.config import Settings
from monitor.errors import ExtractionFailed, FeedError, FetchError
from monitor.ingest import entries, extract, feeds, workers
from monitor.ingest.fetch import HttpClient
from monitor.judge import cluster, dedupe, topic
from monitor.links import link_problem
from monitor.models import (
    DigestRecord,
    FeedState,
    NewArticle,
    NewEntry,
    PendingEntry,
    PollOutcome,
    PollReport,
    RenderedBodies,
)
from monitor.store import Store, iso
from monitor.windows import assign_window, latest_ended

log = logging.getLogger("monitor")

Clock = Callable[[], datetime]
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
NEIGHBOURHOOD = timedelta(days=3)  # how far back dedupe and clustering look
# Marks log lines that a poll's report (PollReport) also carries, so that a command which
# prints the report can leave them out of its log (each failure was told twice).
IN_REPORT = {"in_report": True}


@dataclass(frozen=True)
class _FeedResult:
    state: FeedState
    parsed: entries.ParsedFeed | None
    etag: str | None
    last_modified: str | None
    not_modified: bool
    error: str
    retry_after: float | None = None
    status: int | None = None


def _fetch_feed(
    client: HttpClient,
    pool: workers.ExtractorPool,
    state: FeedState,
    now: datetime,
    max_items: int,
) -> _FeedResult:
    try:
        resp = client.get(
            state.url, etag=state.etag, last_modified=state.last_modified, accept=feeds.FEED_ACCEPT
        )
        if resp.not_modified:
            return _FeedResult(state, None, state.etag, state.last_modified, True, "")
        # The configured URL, not the final one: feedparser resolves relative ids against it,
        # and entry keys must not change when a feed starts redirecting.
        parsed = pool.parse_feed(
            resp.content,
            url=state.url,
            content_type=resp.content_type,
            now=now,
            max_items=max_items,
        )
        return _FeedResult(state, parsed, resp.etag, resp.last_modified, False, "")
    except FetchError as exc:
        return _FeedResult(state, None, None, None, False, str(exc), exc.retry_after, exc.status)
    except FeedError as exc:
        return _FeedResult(state, None, None, None, False, str(exc))


def poll(
    settings: Settings,
    store: Store,
    client: HttpClient,
    clock: Clock,
    on_feed: Callable[[PollOutcome], None] = lambda o: None,
    should_stop: Callable[[], bool] = lambda: False,
) -> PollReport:
    """Poll every due feed, then turn pending on-topic entries into articles.

    `should_stop` is checked between steps (a shutdown or the cycle's deadline): what was
    committed stays, and entries not yet turned into articles wait for the next cycle.
    """
    started = time.monotonic()
    now = clock()
    store.sync_feeds(settings.feeds, now)
    states = store.feeds([f.url for f in settings.feeds])
    store.set_state({"first_poll": iso(now)}, only_if_missing=True)
    outcomes: list[PollOutcome] = []
    # A feed whose server asked us to wait (Retry-After), or that keeps failing (back-off),
    # is left alone until its next poll time.
    due = [s for s in states if not s.paused and (s.next_poll is None or s.next_poll <= now)]
    for st in states:
        if st.paused:
            outcomes.append(PollOutcome(st.name, st.url, "paused", error=st.paused))
        elif st not in due:
            why = "server asked to wait" if st.consecutive_errors <= 2 else "backing off"
            wait = f"{why} until {st.next_poll:%Y-%m-%d %H:%M} UTC"
            outcomes.append(PollOutcome(st.name, st.url, "deferred", error=wait))
        else:
            continue
        store.record_poll_skipped(st.id, now, outcomes[-1].status, outcomes[-1].error)
        on_feed(outcomes[-1])
    cfg = settings.extract
    # One pool of worker processes parses the feeds, then extracts the pages.
    with workers.ExtractorPool(cfg.workers, cfg.timeout_seconds) as pool:
        with timing.stage("poll"):
            for res in client.each(
                lambda st: _fetch_feed(client, pool, st, now, settings.max_items_per_feed),
                due,
                should_stop,
            ):
                outcome = _record_feed(settings, store, res, clock())
                outcomes.append(outcome)
                on_feed(outcome)
        if should_stop():
            built = _Built(0, 0, 0, 0, frozenset())
        else:
            built = _ingest_pending(settings, store, client, clock, pool, should_stop)
    order = {s.url: i for i, s in enumerate(states)}
    outcomes.sort(key=lambda o: order.get(o.url, 0))
    return PollReport(
        outcomes=tuple(outcomes),
        new_articles=built.new_articles,
        duplicates=built.duplicates,
        pages_fetched=built.pages_fetched,
        feed_fallbacks=built.feed_fallbacks,
        seconds=time.monotonic() - started,
        stories=built.stories,
    )


BACKOFF_CAP = timedelta(days=1)
PAUSE_AFTER = 20  # consecutive failures (about a week of daily retries once backed off)


def feed_backoff(consecutive_errors: int, poll_every_seconds: int) -> timedelta:
    """How long a failing feed rests: nothing for two failures, then doubling, up to a day."""
    if consecutive_errors <= 2:
        return timedelta(0)
    steps = min(consecutive_errors - 2, 16)
    return min(timedelta(seconds=poll_every_seconds) * (1 << steps), BACKOFF_CAP)


def _record_feed(settings: Settings, store: Store, res: _FeedResult, now: datetime) -> PollOutcome:
    st = res.state
    if res.error:
        errors = st.consecutive_errors + 1
        wait = feed_backoff(errors, settings.schedule.poll_every_seconds)
        if res.retry_after:
            wait = max(wait, timedelta(seconds=res.retry_after))
        pause = None
        if res.status == 410:
            pause = "the server says the feed is gone (HTTP 410)"
        elif errors >= PAUSE_AFTER:
            pause = f"{errors} failures in a row"
        store.record_poll_error(st.id, now, res.error, now + wait if wait else None, pause)
        if pause:
            log.warning(
                "feed %s paused: %s (`monitor feeds resume` to poll it again)", st.name, pause
            )
        log.warning("feed %s: error: %s", st.name, res.error, extra=IN_REPORT)
        return PollOutcome(st.name, st.url, "error", error=res.error)
    if res.not_modified or res.parsed is None:
        store.record_poll_success(
            st.id,
            now,
            [],
            etag=res.etag,
            last_modified=res.last_modified,
            title=st.title,
            format=st.format,
            not_modified=True,
        )
        log.info("feed %s: not modified", st.name)
        return PollOutcome(st.name, st.url, "not-modified")
    parsed = res.parsed
    known = store.known_keys(st.id, [e.key for e in parsed.entries])
    fresh = [
        NewEntry(
            key=e.key,
            link=e.link,
            title=e.title,
            summary=e.summary,
            content=e.content,
            published=e.published,
            # An entry without a link cannot be cited in the digest, so it never becomes an article.
            on_topic=bool(e.link)
            and topic.matches(
                settings.topic.query, topic.entry_text(e.title, e.summary, e.content)
            ),
            rejected=e.rejected,
        )
        for e in parsed.entries
        if e.key not in known
    ]
    inserted = store.record_poll_success(
        st.id,
        now,
        fresh,
        etag=res.etag,
        last_modified=res.last_modified,
        title=parsed.title,
        format=parsed.format,
    )
    on_topic = sum(1 for e in fresh if e.on_topic)
    rejected = [e for e in fresh if e.rejected]
    log.info(
        "feed %s: %d entries, %d new, %d on topic", st.name, len(parsed.entries), inserted, on_topic
    )
    if rejected:
        log.warning(
            "feed %s: %d new entries rejected (%s)",
            st.name,
            len(rejected),
            rejected[-1].rejected,
            extra=IN_REPORT,
        )
    return PollOutcome(
        st.name,
        st.url,
        "ok",
        new_entries=inserted,
        on_topic=on_topic,
        error=parsed.warning,
        rejected=len(rejected),
    )


@dataclass(frozen=True)
class _Built:
    new_articles: int
    duplicates: int
    pages_fetched: int
    feed_fallbacks: int
    stories: frozenset[str]


def _article_from_page(
    client: HttpClient,
    extractor: workers.ExtractorPool,
    group: list[PendingEntry],
    canonical: str,
) -> NewArticle:
    """Fetch and extract the page of an entry, falling back to the feed's own text."""
    first = group[0]
    feed_text = first.content if len(first.content) > len(first.summary) else first.summary
    page: extract.PageText | None = None
    note = ""
    try:
        resp = client.get(first.link, accept=PAGE_ACCEPT)
        ctype = resp.content_type.split(";")[0].strip().lower()
        if ctype and "html" not in ctype and "xml" not in ctype:
            note = f"not an HTML page ({ctype})"
        else:
            page = extractor.extract_page(resp.content, resp.url, first.title)
    except FetchError as exc:
        note = f"page not fetched: {exc}"
    except ExtractionFailed as exc:
        note = str(exc)
    chosen = extract.choose_text(page.text if page else "", feed_text, note)
    if page is not None and chosen.origin == "page":
        text_hash, sig = page.content_hash, page.sketch
    else:
        text_hash, sig = dedupe.fingerprint(chosen.text)
    return NewArticle(
        entry_ids=tuple(e.id for e in group),
        canonical_url=canonical,
        url=first.link,
        title=first.title,
        source=first.source,
        feed_id=first.feed_id,
        published=first.published,
        first_seen=first.first_seen,
        text=chosen.text,
        text_origin=chosen.origin,
        fetch_note=chosen.note,
        content_hash=text_hash,
        sketch=dedupe.encode_sketch(sig),
    )


def _preload() -> None:
    from monitor.compose import summarize

    cluster.preload()
    summarize.preload()
    import yake  # noqa: F401  # the digest's key phrases


def _ingest_pending(
    settings: Settings,
    store: Store,
    client: HttpClient,
    clock: Clock,
    extractor: workers.ExtractorPool,
    should_stop: Callable[[], bool] = lambda: False,
) -> _Built:
    pending = store.pending_entries()
    # Links are checked when a feed is parsed; an entry stored by an earlier version, before
    # they were, must not stop this and every later cycle.
    bad = {e.id: why for e in pending if (why := link_problem(e.link))}
    if bad:
        store.reject_entries(bad)
        log.warning("%d pending entries rejected (%s)", len(bad), next(iter(bad.values())))
        pending = [e for e in pending if e.id not in bad]
    if not pending:
        return _Built(0, 0, 0, 0, frozenset())
    groups: dict[str, list[PendingEntry]] = {}
    for e in sorted(pending, key=lambda e: (e.published, e.id)):
        groups.setdefault(dedupe.canonical_url(e.link), []).append(e)
    existing = store.article_ids_by_url(list(groups))
    store.link_entries(
        {e.id: existing[url] for url, es in groups.items() if url in existing for e in es}
    )
    todo = [(url, es) for url, es in groups.items() if url not in existing]
    # While pages are fetched and extracted (I/O and worker processes), the main process is
    # mostly waiting: load the later stages' heavy libraries meanwhile.
    threading.Thread(target=_preload, name="preload", daemon=True).start()
    # Fetch threads hand each page to the extraction processes as it arrives, so fetching
    # and extracting overlap and only a few pages are held in memory at a time.
    with timing.stage("extract"):
        articles = sorted(
            client.each(
                lambda item: _article_from_page(client, extractor, item[1], item[0]),
                todo,
                should_stop,
            ),
            key=lambda a: (a.published, a.canonical_url),
        )
    # Every page is extracted: the workers go now, so that their memory is not held while
    # the articles are deduplicated and clustered (the cycle's peak was there).
    extractor.close()
    if not articles:
        return _Built(0, 0, 0, 0, frozenset())
    digest = settings.digest
    built_dates = store.built_dates()
    lo = articles[0].published - NEIGHBOURHOOD
    hi = articles[-1].published + NEIGHBOURHOOD
    neighbours = store.articles_between(lo, hi)
    with timing.stage("dedupe"):
        seen = dedupe.DuplicateIndex()
        for a in neighbours:
            if a.duplicate_of is None and a.content_hash:
                seen.add(a.id, a.content_hash, dedupe.decode_sketch(a.sketch))
        # New articles get negative ids until stored; duplicates of one of them name it by URL.
        batch_url = {-(i + 1): a.canonical_url for i, a in enumerate(articles)}
        rows: list[tuple[NewArticle, date, int | str | None]] = []
        originals: list[tuple[int, NewArticle]] = []
        for i, art in enumerate(articles):
            sig = dedupe.decode_sketch(art.sketch)
            dup = seen.find(art.content_hash, sig) if art.text else None
            window = assign_window(art.published, built_dates, digest.at, digest.tz)
            if dup is None:
                seen.add(-(i + 1), art.content_hash, sig)
                originals.append((-(i + 1), art))
                rows.append((art, window, None))
            else:
                rows.append((art, window, batch_url.get(dup, dup)))
    with timing.stage("cluster"):
        assigned = cluster.assign_stories(
            [
                cluster.ClusterItem(a.id, a.title, a.text, a.published, a.story_id)
                for a in neighbours
                if a.duplicate_of is None and a.story_id
            ],
            [
                cluster.ClusterItem(tmp, a.title, a.text, a.published, seed=a.canonical_url)
                for tmp, a in originals
            ],
        )
    stories = {a.canonical_url: assigned[tmp] for tmp, a in originals}
    with timing.stage("store"):
        store.add_articles(rows, stories, clock())
    return _Built(
        new_articles=len(originals),
        duplicates=len(rows) - len(originals),
        pages_fetched=sum(1 for a in articles if a.text_origin == "page"),
        feed_fallbacks=sum(1 for a in articles if a.text_origin == "feed"),
        stories=frozenset(stories.values()),
    )


def build_digest(settings: Settings, store: Store, day: date | None, clock: Clock) -> Path:
    """Compose, render and write the digest for `day` (default: the latest ended window).

    Also records it (with the bodies delivery will send) and rewrites the Atom feed.
    """
    from monitor.compose import digest as digest_mod
    from monitor.publish import render

    now = clock()
    day = day or latest_ended(now, settings.digest.at, settings.digest.tz)
    with timing.stage("compose"):
        value = digest_mod.compose(settings, store, day, now)
    with timing.stage("render"):
        json_text = render.to_json(value)
        paths = render.write_digest(value, settings.digest, json_text)
        bodies = RenderedBodies(
            title=render.title_of(value),
            json=json_text,
            # E-mail gets the archive's links only where the archive is published.
            html=render.to_html(
                value,
                root=settings.digest.base_url
                if settings.digest.site and settings.digest.base_url
                else None,
            ),
            text=render.to_text(value),
        )
    store.record_digest(
        day,
        (value.window_start, value.window_end),
        now,
        str(paths[0]),
        render.content_hash(value, json_text),
        value.totals.articles,
        len(value.stories) + len(value.more_stories),
        [(s.id, i, p.text, p.url) for s in value.stories for i, p in enumerate(s.points)],
        bodies,
    )
    with timing.stage("render"):
        # Read once: the feed shows the newest 60, the site every digest.
        records = store.digests(limit=1_000_000 if settings.digest.site else 60)
        render.write_atom(settings.digest, settings.topic.name, records[:60])
    if settings.digest.site:
        with timing.stage("site"):
            build_site(settings, store, records)
    return paths[0]


def build_site(
    settings: Settings, store: Store, records: list[DigestRecord] | None = None
) -> list[Path]:
    """Rewrite the archive site (index, story timelines, search index) from every digest."""
    from monitor.publish import archive

    if records is None:
        records = store.digests(limit=1_000_000)
    return archive.build_site(settings.digest.directory, settings.topic.name, records)
