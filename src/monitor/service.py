"""The long-running service: `monitor run` (APScheduler 3 stays inside this module).

    start ──► lock the data directory (one service per database)
          ──► catch up: build + deliver the latest ended digest if it was missed
          ──► every poll_every (jittered): poll ──► deliver what is due
          ──► at each window end (digest time): poll ──► build ──► deliver
    SIGTERM/SIGINT ──► stop taking work; the running step stops at its next check
                       (everything committed stays committed) ──► exit 0

Jobs run on one worker thread, so they never overlap. Each cycle has a deadline checked
between steps, and every request has its own, so a hung server cannot stall the service.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time as time_mod
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from monitor.config import Settings
from monitor.errors import AlreadyRunning, MonitorError
from monitor.locks import SERVICE, service_lock, write_lock
from monitor.store import Store, iso, parse_iso
from monitor.windows import latest_ended, window_end, window_for

if TYPE_CHECKING:
    from monitor.models import PollReport

log = logging.getLogger("monitor")

STOP_GRACE_SECONDS = 5.0
MAX_CYCLE_SECONDS = 15 * 60


def next_digest_time(after: datetime, at: time, tz: ZoneInfo) -> datetime:
    """The first window end strictly after `after` (a digest time, in UTC)."""
    return window_end(window_for(after, at, tz), at, tz)


def _make_trigger(at: time, tz: ZoneInfo) -> Any:
    from apscheduler.triggers.base import BaseTrigger

    class DigestTrigger(BaseTrigger):  # type: ignore[misc]
        """Fires at every window end. Computed from the windows themselves, so a
        daylight-saving change can neither skip nor double a digest."""

        def get_next_fire_time(
            self, previous_fire_time: datetime | None, now: datetime
        ) -> datetime:
            base = previous_fire_time if previous_fire_time is not None else now
            fire = next_digest_time(base, at, tz)
            if previous_fire_time is None and fire < now:  # pragma: no cover - defensive
                fire = next_digest_time(now, at, tz)
            return fire

        def __str__(self) -> str:
            return f"digest at {at.isoformat()} {tz.key}"

    return DigestTrigger()


class Service:
    """`monitor run`: polls, builds and delivers on schedule until told to stop."""

    def __init__(self, settings: Settings, clock: Callable[[], datetime] | None = None) -> None:
        self.settings = settings
        self.clock = clock or (lambda: datetime.now(UTC))
        self.stop = threading.Event()
        self.idle = threading.Event()
        self.idle.set()
        self._scheduler: Any = None
        self._store: Store | None = None
        try:  # edits after this moment are taken up at the next poll
            self._config_mtime: int | None = settings.path.stat().st_mtime_ns
        except OSError:
            self._config_mtime = None

    # -- the jobs ---------------------------------------------------------------------------

    def _should_stop(self, deadline: float) -> Callable[[], bool]:
        return lambda: self.stop.is_set() or time_mod.monotonic() > deadline

    def _reload_feeds(self) -> None:
        """Take up edits of the feed list and topic (`monitor feeds add`, an editor) made
        while the service runs. Other settings (database, schedule) need a restart. An
        invalid file is reported and the settings in use are kept."""
        from dataclasses import replace

        from monitor.config import load_settings

        path = self.settings.path
        try:
            mtime = path.stat().st_mtime_ns
        except OSError:
            return
        if mtime == self._config_mtime:
            return
        self._config_mtime = mtime
        try:
            fresh = load_settings(path)
        except MonitorError as exc:
            log.error("configuration changed but cannot be used (keeping the old one): %s", exc)
            return
        if fresh.feeds != self.settings.feeds or fresh.topic != self.settings.topic:
            self.settings = replace(self.settings, feeds=fresh.feeds, topic=fresh.topic)
            log.info("configuration reloaded: %d feeds", len(fresh.feeds))

    def _poll_deadline(self) -> Callable[[], bool]:
        budget = min(self.settings.schedule.poll_every_seconds * 0.9, MAX_CYCLE_SECONDS)
        return self._should_stop(time_mod.monotonic() + budget)

    def _poll(self, store: Store) -> None:
        from monitor.ingest.fetch import HttpClient
        from monitor.pipeline import poll

        self._reload_feeds()
        with HttpClient(self.settings.http) as client:
            report = poll(
                self.settings, store, client, self.clock, should_stop=self._poll_deadline()
            )
        self._log_poll(report)

    def _log_poll(self, report: PollReport) -> None:
        failed = sum(1 for o in report.outcomes if o.status == "error")
        deferred = sum(1 for o in report.outcomes if o.status == "deferred")
        log.info(
            "cycle: %d feeds polled (%d failed, %d deferred), %d new articles, %d duplicates, "
            "%.1fs%s",
            len(report.outcomes) - deferred,
            failed,
            deferred,
            report.new_articles,
            report.duplicates,
            report.seconds,
            " (stopped early)" if self.stop.is_set() else "",
        )

    def _deliver(self, store: Store, day: date | None = None) -> None:
        from monitor.publish.deliver import deliver_pending

        if self.stop.is_set():
            return
        deliver_pending(self.settings, store, self.clock, day)

    def _build_and_deliver(self, store: Store, day: date) -> None:
        from monitor.pipeline import build_digest
        from monitor.publish.deliver import enqueue

        if self.stop.is_set():
            return
        if day not in store.built_dates():
            path = build_digest(self.settings, store, day, self.clock)
            log.info("digest for %s written to %s", day.isoformat(), path)
        enqueue(self.settings, store, day, self.clock())
        self._deliver(store, day)

    def _run_job(self, name: str, fn: Callable[[Store], None]) -> None:
        if self.stop.is_set() or self._store is None:
            return
        self.idle.clear()
        try:
            # A `monitor poll` or `digest` typed meanwhile writes too: one after the other.
            with write_lock(
                self.settings.database,
                SERVICE,
                wait=MAX_CYCLE_SECONDS,
                on_wait=lambda message: log.info("%s: %s", name, message),
                should_stop=self.stop.is_set,
            ):
                fn(self._store)
        except AlreadyRunning as exc:
            log.warning("%s skipped: %s", name, exc)
        except MonitorError as exc:
            log.error("%s failed: %s", name, exc)
        except Exception:  # a bug: log it with its traceback, keep the service alive
            log.exception("%s failed with an unexpected error", name)
        finally:
            self._record_schedule()
            self.idle.set()

    def poll_job(self) -> None:
        def job(store: Store) -> None:
            self._poll(store)
            self._deliver(store)

        self._run_job("poll", job)

    def digest_job(self) -> None:
        def job(store: Store) -> None:
            from monitor.ingest.fetch import HttpClient
            from monitor.pipeline import run_cycle

            self._reload_feeds()
            # The window has just ended: its last articles are collected first.
            with HttpClient(self.settings.http) as client:
                cycle = run_cycle(
                    self.settings,
                    store,
                    client,
                    self.clock,
                    rebuild=False,
                    should_stop=self._poll_deadline(),
                    cancelled=self.stop.is_set,
                )
            self._log_poll(cycle.poll)
            if cycle.digest is not None and cycle.day is not None:
                log.info("digest for %s written to %s", cycle.day.isoformat(), cycle.digest)

        self._run_job("digest", job)

    def catch_up_day(self, store: Store) -> date | None:
        """The latest ended window, if its digest was missed while the service was down.

        Only when the monitor was already collecting before that window ended: a fresh
        installation has nothing to catch up on.
        """
        cfg = self.settings.digest
        now = self.clock()
        day = latest_ended(now, cfg.at, cfg.tz)
        if day in store.built_dates():
            return None
        first = store.state().get("first_poll")
        if first is None or parse_iso(first) >= window_end(day, cfg.at, cfg.tz):
            return None
        return day

    # -- running ----------------------------------------------------------------------------

    def _record_schedule(self) -> None:
        if self._scheduler is None or self._store is None:
            return
        values: dict[str, str] = {"service_heartbeat": iso(self.clock())}
        for job_id in ("poll", "digest"):
            job = self._scheduler.get_job(job_id)
            if job is not None and job.next_run_time is not None:
                values[f"next_{job_id}"] = iso(job.next_run_time)
        try:
            self._store.set_state(values)
        except MonitorError as exc:
            log.warning("cannot record the schedule: %s", exc)

    def _on_signal(self, signum: int, _frame: object) -> None:
        log.info("received %s: stopping", signal.Signals(signum).name)
        self.stop.set()
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)

    def run(self) -> int:
        from apscheduler.executors.pool import ThreadPoolExecutor
        from apscheduler.schedulers.blocking import BlockingScheduler
        from apscheduler.triggers.interval import IntervalTrigger

        settings = self.settings
        with service_lock(settings.database), Store.open(settings.database) as store:
            self._store = store
            every = settings.schedule.poll_every_seconds
            scheduler = BlockingScheduler(
                timezone=UTC,
                executors={"default": ThreadPoolExecutor(max_workers=1)},
                job_defaults={"coalesce": True, "max_instances": 1},
            )
            self._scheduler = scheduler
            now = datetime.now(UTC)
            catch_up = self.catch_up_day(store)
            if catch_up is not None:
                log.info("catching up: the digest for %s was missed", catch_up.isoformat())
                scheduler.add_job(
                    self._run_job,
                    args=("catch-up", lambda s: self._build_and_deliver(s, catch_up)),
                    id="catch-up",
                    next_run_time=now,
                    misfire_grace_time=None,
                )
            # Polls: the first one now, then every poll_every with up to 10 % jitter. A poll
            # that could not start within one interval is skipped (the next one is as good).
            scheduler.add_job(
                self.poll_job,
                IntervalTrigger(seconds=every, jitter=max(1, every // 10), timezone=UTC),
                id="poll",
                next_run_time=now + timedelta(seconds=1),
                misfire_grace_time=every,
            )
            # The digest: late is better than never (machine asleep at digest time), and
            # coalescing makes several missed times one run.
            scheduler.add_job(
                self.digest_job,
                _make_trigger(settings.digest.at, settings.digest.tz),
                id="digest",
                misfire_grace_time=None,
            )
            store.set_state({"service_pid": str(os.getpid()), "service_started": iso(self.clock())})
            previous = {
                sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGTERM, signal.SIGINT)
            }
            if not settings.feeds:
                log.warning(
                    "no feeds are configured in %s: add one with `monitor feeds add URL`",
                    settings.path,
                )
            log.info(
                "service started: polling %d feeds every %ds; digest at %s %s",
                len(settings.feeds),
                every,
                settings.digest.at.isoformat(),
                settings.digest.timezone,
            )
            try:
                scheduler.start()  # blocks until shutdown
            finally:
                for sig, handler in previous.items():
                    signal.signal(sig, handler)
            if not self.idle.wait(STOP_GRACE_SECONDS):
                # The step in progress did not reach a stopping point in time. Everything it
                # committed is whole; the rest is redone by the next run.
                log.warning("abandoning the step in progress to exit promptly")
                logging.shutdown()
                os._exit(0)
            store.set_state({"service_pid": ""})
            log.info("service stopped")
        return 0
