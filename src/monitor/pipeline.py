"""The monitor's flow, on one screen.

    poll    due feeds ──► fetch + parse (ingest.polling) ──► decide each feed's update (pure)
                      ──► store: new entries (judged on topic), health, back-off, pause
            pending on-topic entries ──► fetch + extract pages (ingest.pages, feed text as
                      fallback) ──► fold duplicates (judge.dedupe) ──► stories (judge.cluster)
                      ──► store articles
    digest  gather the window's inputs (compose.inputs) ──► compose (pure) ──► render
                      ──► record ──► Atom feed ──► archive site (publish)
    cycle   poll ──► digest of the latest ended window ──► outbox ──► deliver

`monitor run --once` and each digest time of the service run `run_cycle`. Expected failures
(a feed that is down, a page that will not parse) are recorded and the cycle goes on;
programming errors raise.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

from monitor import timing
from monitor.compose import inputs
from monitor.compose.digest import compose
from monitor.config import Settings
from monitor.ingest import pages, polling
from monitor.ingest.fetch import HttpClient
from monitor.ingest.workers import ExtractorPool
from monitor.judge import cluster, dedupe
from monitor.links import link_problem
from monitor.models import (
    CycleReport,
    DigestRecord,
    FeedUpdate,
    Ingested,
    PollOutcome,
    PollReport,
)
from monitor.publish import deliver, outputs
from monitor.store import Store, iso
from monitor.windows import assign_window, latest_ended

log = logging.getLogger("monitor")

Clock = Callable[[], datetime]
NEIGHBOURHOOD = timedelta(days=3)  # how far back dedupe and clustering look


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
    started, now = time.monotonic(), clock()
    store.sync_feeds(settings.feeds, now)
    states = store.feeds([f.url for f in settings.feeds])
    store.set_state({"first_poll": iso(now)}, only_if_missing=True)
    outcomes: list[PollOutcome] = []

    def record(update: FeedUpdate) -> None:
        state = next(s for s in states if s.id == update.feed_id)
        outcomes.append(polling.outcome(update, state, store.apply_feed_update(update)))
        on_feed(outcomes[-1])

    resting = {s.id: u for s in states if (u := polling.skipped(s, now)) is not None}
    for update in resting.values():
        record(update)
    due = [s for s in states if s.id not in resting]
    cfg = settings.extract
    # One pool of worker processes parses the feeds, then extracts the pages.
    with ExtractorPool(cfg.workers, cfg.timeout_seconds) as pool:
        fetch = lambda s: polling.fetch_feed(client, pool, s, now, settings.max_items_per_feed)  # noqa: E731
        with timing.stage("poll"):
            for result in client.each(fetch, due, should_stop):
                known = store.known_keys(result.state.id, result.keys)
                record(polling.decide(result, known, settings, clock()))
        stop = should_stop()
        built = Ingested() if stop else ingest(settings, store, client, clock, pool, should_stop)
    order = {s.url: i for i, s in enumerate(states)}
    outcomes.sort(key=lambda o: order.get(o.url, 0))
    return PollReport(tuple(outcomes), built, time.monotonic() - started)


def _preload() -> None:
    from monitor.compose import gazetteer, summarize

    cluster.preload()
    summarize.preload()
    import yake  # noqa: F401  # the digest's key phrases

    gazetteer.preload()  # the place names of the fact tables


def ingest(
    settings: Settings,
    store: Store,
    client: HttpClient,
    clock: Clock,
    extractor: ExtractorPool,
    should_stop: Callable[[], bool] = lambda: False,
) -> Ingested:
    """Pending on-topic entries -> articles: pages, duplicates folded, stories, stored."""
    pending = store.pending_entries()
    # Links are checked when a feed is parsed; an entry stored by an earlier version, before
    # they were, must not stop this and every later cycle.
    bad = {e.id: why for e in pending if (why := link_problem(e.link))}
    if bad:
        store.reject_entries(bad)
        log.warning("%d pending entries rejected (%s)", len(bad), next(iter(bad.values())))
    groups = dedupe.by_canonical_url([e for e in pending if e.id not in bad])
    existing = store.article_ids_by_url(list(groups))
    store.link_entries({e.id: existing[u] for u, es in groups.items() if u in existing for e in es})
    todo = [(url, es) for url, es in groups.items() if url not in existing]
    if not todo:
        return Ingested()
    # While pages are fetched and extracted (I/O and worker processes), the main process is
    # mostly waiting: load the later stages' heavy libraries meanwhile.
    threading.Thread(target=_preload, name="preload", daemon=True).start()
    # Fetch threads hand each page to the extraction processes as it arrives, so fetching
    # and extracting overlap and only a few pages are held in memory at a time.
    with timing.stage("extract"):
        page_of = lambda item: pages.article_from_page(client, extractor, item[1], item[0])  # noqa: E731
        articles = sorted(
            client.each(page_of, todo, should_stop), key=lambda a: (a.published, a.canonical_url)
        )
    # The workers go now, so that their memory is not held while the articles are
    # deduplicated and clustered (the cycle's peak was there).
    extractor.close()
    if not articles:
        return Ingested()
    neighbours = store.articles_between(
        articles[0].published - NEIGHBOURHOOD, articles[-1].published + NEIGHBOURHOOD
    )
    with timing.stage("dedupe"):
        folded = dedupe.fold(articles, neighbours)
    with timing.stage("cluster"):
        stories = cluster.stories_of(folded.originals, neighbours)
    built, at, tz = store.built_dates(), settings.digest.at, settings.digest.tz
    with timing.stage("store"):
        store.add_articles(
            [(a, assign_window(a.published, built, at, tz), dup) for a, dup in folded.articles],
            stories,
            clock(),
        )
    return Ingested(
        len(folded.originals),
        len(folded.articles) - len(folded.originals),
        sum(1 for a in articles if a.text_origin == "page"),
        sum(1 for a in articles if a.text_origin == "feed"),
        frozenset(stories.values()),
    )


def build_digest(settings: Settings, store: Store, day: date | None, clock: Clock) -> Path:
    """Compose, render, write and record the digest for `day` (default: the latest ended
    window), with the bodies delivery will send; then the Atom feed and the archive site."""
    now = clock()
    day = day or latest_ended(now, settings.digest.at, settings.digest.tz)
    with timing.stage("compose"):
        value = compose(inputs.gather(settings, store, day, now), settings)
    with timing.stage("render"):
        written = outputs.write_files(value, settings.digest)
    store.record_digest(written, now)
    with timing.stage("render"):
        # Read once: the feed shows the newest 60, the site every digest.
        records = store.digests(limit=1_000_000 if settings.digest.site else 60)
        outputs.write_feed(settings.digest, settings.topic.name, records[:60])
    if settings.digest.site:
        with timing.stage("site"):
            build_site(settings, store, records)
    return Path(written.path)


def build_site(
    settings: Settings, store: Store, records: list[DigestRecord] | None = None
) -> list[Path]:
    """Rewrite the archive site (index, story timelines, search index) from every digest."""
    if records is None:
        records = store.digests(limit=1_000_000)
    return outputs.write_site(settings.digest, settings.topic.name, records)


def run_cycle(
    settings: Settings,
    store: Store,
    client: HttpClient,
    clock: Clock,
    *,
    rebuild: bool = True,
    on_feed: Callable[[PollOutcome], None] = lambda o: None,
    should_stop: Callable[[], bool] = lambda: False,
    cancelled: Callable[[], bool] = lambda: False,
) -> CycleReport:
    """Poll, build the digest of the latest ended window (again if `rebuild`, else only when
    it is missing), put it in the outbox and deliver what is due.

    `should_stop` cuts the poll short (its deadline); the digest is built all the same.
    `cancelled` (a shutdown) skips whatever has not started."""
    report = poll(settings, store, client, clock, on_feed, should_stop)
    if cancelled():
        return CycleReport(report)
    day = latest_ended(clock(), settings.digest.at, settings.digest.tz)
    path = None
    if rebuild or day not in store.built_dates():
        path = build_digest(settings, store, day, clock)
    if cancelled() or (settings.delivery.email is None and settings.delivery.webhook is None):
        return CycleReport(report, day, path)
    deliver.enqueue(settings, store, day, clock())
    return CycleReport(report, day, path, deliver.deliver_pending(settings, store, clock, day))
