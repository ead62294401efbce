"""Polling, building and delivering: `poll`, `digest`, `run`, `deliver`."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click

from monitor.cli.base import Context, fail, parse_date, pass_ctx
from monitor.errors import MonitorError, StorageError

if TYPE_CHECKING:
    from monitor.config import Settings
    from monitor.models import DeliveryReport, PollOutcome, PollReport
    from monitor.store import Store

T = TypeVar("T")
OnFeed = Callable[["PollOutcome"], None]


def _not_in_report(record: logging.LogRecord) -> bool:
    return not getattr(record, "in_report", False)


def _polling(ctx: Context, settings: Settings, work: Callable[[OnFeed], T]) -> T:
    """Run `work` (a poll, or a whole cycle) with a progress bar on a terminal; the report
    printed afterwards lists each failure, so the log need not say it too."""
    if not settings.feeds:
        click.echo(
            f"monitor: no feeds are configured in {settings.path}: add one with "
            "`monitor feeds add URL`, or try `monitor demo`.",
            err=True,
        )
    logger = logging.getLogger("monitor")
    logger.addFilter(_not_in_report)
    try:
        if not sys.stderr.isatty():
            return work(lambda _o: None)
        with click.progressbar(
            length=len(settings.feeds), label="Polling feeds", file=sys.stderr
        ) as bar:
            return work(lambda _o: bar.update(1))
    finally:
        logger.removeFilter(_not_in_report)


def _print_report(report: PollReport) -> None:
    ok = sum(1 for o in report.outcomes if o.status in ("ok", "not-modified"))
    failed = sum(1 for o in report.outcomes if o.status == "error")
    deferred = len(report.outcomes) - ok - failed
    click.echo(
        f"Polled {len(report.outcomes)} feeds ({ok} ok, "
        f"{failed} failed{f', {deferred} deferred' if deferred else ''}) "
        f"in {report.seconds:.1f}s: "
        f"{report.new_articles} new articles, {report.duplicates} duplicates folded, "
        f"{report.feed_fallbacks} from feed text, {len(report.stories)} stories touched."
    )
    for o in report.outcomes:
        if o.status == "error":
            click.echo(f"  FAILED {o.feed}: {o.error}")
        elif o.status == "deferred":
            click.echo(f"  DEFERRED {o.feed}: {o.error}")
        elif o.status == "paused":
            click.echo(f"  PAUSED {o.feed}: {o.error} (`monitor feeds resume` to poll it again)")
        if o.rejected:
            click.echo(
                f"  REJECTED {o.rejected} new entr{'y' if o.rejected == 1 else 'ies'} of "
                f"{o.feed} (bad links; see `monitor status`)"
            )
    if failed and failed == len(report.outcomes):
        click.echo(
            "Every feed failed. If this machine has no network, `monitor demo` runs the whole "
            "pipeline on captured feeds; `monitor feeds check` tests each feed."
        )


@click.command()
@pass_ctx
def poll(ctx: Context) -> None:
    """Poll every feed once and store new on-topic articles."""
    from monitor import pipeline
    from monitor.ingest.fetch import HttpClient

    try:
        settings = ctx.settings()
        with ctx.writing(settings, "poll") as store, HttpClient(settings.http) as client:
            report = _polling(
                ctx, settings, lambda tick: pipeline.poll(settings, store, client, ctx.clock, tick)
            )
        _print_report(report)
    except MonitorError as exc:
        fail(exc)


@click.command()
@click.option(
    "--date",
    "day",
    callback=parse_date,
    metavar="YYYY-MM-DD",
    help="The digest's date (default: the most recent window that has ended).",
)
@click.option("--deliver", "send", is_flag=True, help="Also deliver it (e-mail, webhooks).")
@pass_ctx
def digest(ctx: Context, day: date | None, send: bool) -> None:
    """Build the digest for a date from what is stored."""
    from monitor.pipeline import build_digest
    from monitor.windows import window_bounds

    try:
        settings = ctx.settings()
        if day is not None:
            start = window_bounds(day, settings.digest.at, settings.digest.tz)[0]
            if start > ctx.clock():
                # Built early, it would count as published and push that day's articles on
                # to the next window.
                raise click.BadParameter(
                    f"the window of {day.isoformat()} has not begun yet (it opens "
                    f"{start.astimezone(settings.digest.tz):%Y-%m-%d %H:%M} "
                    f"{settings.digest.timezone})",
                    param_hint="'--date'",
                )
        with ctx.writing(settings, "digest") as store:
            path = build_digest(settings, store, day, ctx.clock)
            click.echo(f"Wrote {path}")
            if send:
                _deliver(ctx, settings, store, _built_day(path))
    except (MonitorError, OSError) as exc:
        fail(exc if isinstance(exc, MonitorError) else StorageError(f"cannot write: {exc}"))


def _built_day(path: Path) -> date:
    return date.fromisoformat(path.stem)


def _deliver(ctx: Context, settings: Settings, store: Store, day: date | None) -> None:
    from monitor.publish.deliver import deliver_pending, enqueue

    if settings.delivery.email is None and settings.delivery.webhook is None:
        click.echo("No delivery configured ([delivery.email], [delivery.webhook]).")
        return
    if day is not None:
        enqueue(settings, store, day, ctx.clock())
    _print_delivery(deliver_pending(settings, store, ctx.clock, day))


def _print_delivery(report: DeliveryReport) -> None:
    click.echo(
        f"Delivered {report.sent}; {report.failed} failed attempts; {report.waiting} waiting "
        "for a retry (see `monitor status`)."
    )


@click.command()
@click.option(
    "--date",
    "day",
    callback=parse_date,
    metavar="YYYY-MM-DD",
    help="Only this digest (default: every digest with something pending).",
)
@pass_ctx
def deliver(ctx: Context, day: date | None) -> None:
    """Send what is still pending in the outbox now, including failed deliveries."""
    try:
        settings = ctx.settings()
        with ctx.writing(settings, "deliver") as store:
            if day is not None and day not in store.built_dates():
                raise MonitorError(f"no digest has been built for {day.isoformat()}")
            store.retry_deliveries(day, ctx.clock())
            _deliver(ctx, settings, store, day)
    except MonitorError as exc:
        fail(exc)


@click.command()
@click.option("--once", is_flag=True, help="Poll, build the latest ended digest, deliver, exit.")
@pass_ctx
def run(ctx: Context, once: bool) -> None:
    """Run the service: poll on schedule, build and deliver the digest daily.

    The service polls every [schedule] poll_every and builds and delivers the digest at
    [digest] at in [digest] timezone, catching up on start if it missed one. SIGTERM or
    Ctrl-C stops it cleanly. One service per database.

    With --once (for cron): poll, then build the most recent window that has ended
    (today's if it is past the digest time, else yesterday's), deliver it, and exit.
    """
    from monitor import pipeline
    from monitor.ingest.fetch import HttpClient
    from monitor.service import Service

    try:
        settings = ctx.settings()
        if not once:
            sys.exit(Service(settings, ctx.clock).run())
        with ctx.writing(settings, "run --once") as store, HttpClient(settings.http) as client:
            cycle = _polling(
                ctx,
                settings,
                lambda tick: pipeline.run_cycle(settings, store, client, ctx.clock, on_feed=tick),
            )
        _print_report(cycle.poll)
        click.echo(f"Wrote {cycle.digest}")
        if cycle.delivery is not None:
            _print_delivery(cycle.delivery)
    except (MonitorError, OSError) as exc:
        fail(exc if isinstance(exc, MonitorError) else StorageError(f"cannot write: {exc}"))
