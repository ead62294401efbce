"""The `monitor` command (click). Thin: parses options, calls the pipeline, prints results.

Heavy libraries are imported inside the commands so that `monitor --help` stays instant.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from . import __version__
from .errors import ConfigError, MonitorError, StorageError

if TYPE_CHECKING:
    from .config import Settings
    from .models import PollOutcome, PollReport
    from .store import Store

EXIT_CONFIG = 2
EXIT_STORAGE = 3
EXIT_ERROR = 1


def utcnow() -> datetime:
    return datetime.now(UTC)


class Context:
    def __init__(self, config: str | None, verbose: bool) -> None:
        self.config_option = config
        self.verbose = verbose
        self.clock: Callable[[], datetime] = utcnow

    def settings(self) -> Settings:
        from .config import config_path, load_settings

        return load_settings(config_path(self.config_option))

    @contextmanager
    def store(self, settings: Settings) -> Iterator[Store]:
        from .store import Store

        store = Store.open(settings.database)
        try:
            yield store
        finally:
            store.close()


def _fail(exc: MonitorError) -> None:
    click.echo(f"monitor: {exc}", err=True)
    code = (
        EXIT_CONFIG
        if isinstance(exc, ConfigError)
        else EXIT_STORAGE
        if isinstance(exc, StorageError)
        else EXIT_ERROR
    )
    sys.exit(code)


def _setup_logging(verbose: bool) -> None:
    level = logging.DEBUG if verbose else logging.INFO
    logging.basicConfig(
        level=level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(message)s"
    )
    for noisy in ("httpx", "httpcore", "trafilatura", "htmldate", "courlan"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    if sys.stderr.isatty() and not verbose:
        # On a terminal the progress bar reports each feed; keep only problems in the log.
        logging.getLogger("monitor").setLevel(logging.WARNING)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config",
    metavar="PATH",
    default=None,
    help="Configuration file (default: $MONITOR_CONFIG, else config/monitor.toml).",
)
@click.option("-v", "--verbose", is_flag=True, help="Log more detail.")
@click.version_option(__version__, prog_name="monitor")
@click.pass_context
def cli(ctx: click.Context, config: str | None, verbose: bool) -> None:
    """Watch the news on one topic and write a daily digest quoted from its sources."""
    ctx.obj = Context(config, verbose)
    _setup_logging(verbose)


pass_ctx = click.make_pass_decorator(Context)


def _do_poll(ctx: Context, settings: Settings, store: Store) -> PollReport:
    from .fetch import HttpClient
    from .pipeline import poll

    with HttpClient(settings.http) as client:
        if sys.stderr.isatty():
            with click.progressbar(
                length=len(settings.feeds), label="Polling feeds", file=sys.stderr
            ) as bar:

                def tick(_o: PollOutcome) -> None:
                    bar.update(1)

                report = poll(settings, store, client, ctx.clock, on_feed=tick)
        else:
            report = poll(settings, store, client, ctx.clock)
    return report


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


@cli.command()
@pass_ctx
def poll(ctx: Context) -> None:
    """Poll every feed once and store new on-topic articles."""
    try:
        settings = ctx.settings()
        with ctx.store(settings) as store:
            _print_report(_do_poll(ctx, settings, store))
    except MonitorError as exc:
        _fail(exc)


def _parse_date(_c: Any, _p: Any, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"expected YYYY-MM-DD, got {value!r}") from None


@cli.command()
@click.option(
    "--date",
    "day",
    callback=_parse_date,
    metavar="YYYY-MM-DD",
    help="The digest's date (default: the most recent window that has ended).",
)
@pass_ctx
def digest(ctx: Context, day: date | None) -> None:
    """Build the digest for a date from what is stored."""
    from .pipeline import build_digest

    try:
        settings = ctx.settings()
        with ctx.store(settings) as store:
            path = build_digest(settings, store, day, ctx.clock)
        click.echo(f"Wrote {path}")
    except (MonitorError, OSError) as exc:
        _fail(exc if isinstance(exc, MonitorError) else StorageError(f"cannot write: {exc}"))


@cli.command()
@click.option("--once", is_flag=True, help="Poll once, build the latest ended digest, exit.")
@pass_ctx
def run(ctx: Context, once: bool) -> None:
    """Poll the feeds and write the digest.

    With --once (for cron): poll, then build the most recent window that has ended
    (today's if it is past the digest time, else yesterday's).
    """
    from .pipeline import build_digest

    if not once:
        raise click.UsageError(
            "the long-running scheduled service is not available yet; "
            "run `monitor run --once` from cron or a systemd timer"
        )
    try:
        settings = ctx.settings()
        with ctx.store(settings) as store:
            _print_report(_do_poll(ctx, settings, store))
            path = build_digest(settings, store, None, ctx.clock)
        click.echo(f"Wrote {path}")
    except (MonitorError, OSError) as exc:
        _fail(exc if isinstance(exc, MonitorError) else StorageError(f"cannot write: {exc}"))


def _dt(value: datetime | None) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_ctx
def status(ctx: Context, as_json: bool) -> None:
    """Per-feed health: last success, last error, consecutive errors, entries seen."""
    try:
        settings = ctx.settings()
        with ctx.store(settings) as store:
            store.sync_feeds(settings.feeds)
            feeds = store.feeds([f.url for f in settings.feeds])
            counts = store.counts()
    except MonitorError as exc:
        _fail(exc)
        return
    rows = [
        {
            "name": f.name,
            "url": f.url,
            "group": f.group,
            "status": f.last_status or "never-polled",
            "last_attempt": _dt(f.last_attempt),
            "last_success": _dt(f.last_success),
            "last_error": f.last_error,
            "consecutive_errors": f.consecutive_errors,
            "entries_seen": f.entries_seen,
            "next_poll_not_before": _dt(f.next_poll),
        }
        for f in feeds
    ]
    if as_json:
        click.echo(json.dumps({"feeds": rows, "totals": counts}, indent=2))
        return
    click.echo(f"{'feed':28} {'status':13} {'last success':21} {'errors':>6} {'entries':>7}")
    for r in rows:
        click.echo(
            f"{str(r['name'])[:28]:28} {r['status']!s:13} "
            f"{r['last_success'] or '-':21} {r['consecutive_errors']:>6} "
            f"{r['entries_seen']:>7}"
        )
        if r["last_error"] and r["status"] == "error":
            click.echo(f"    last error: {r['last_error']}")
    click.echo(" · ".join(f"{k}: {v}" for k, v in counts.items()))


@cli.group()
def feeds() -> None:
    """The configured feeds."""


@feeds.command("list")
@pass_ctx
def feeds_list(ctx: Context) -> None:
    """List the feeds in the configuration."""
    try:
        settings = ctx.settings()
    except MonitorError as exc:
        _fail(exc)
        return
    for f in settings.feeds:
        group = f" [{f.group}]" if f.group else ""
        click.echo(f"{f.name}{group}\n    {f.url}")
    click.echo(f"{len(settings.feeds)} feeds in {settings.path}")


@cli.command()
@click.option(
    "--data",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Replay folder (default: examples/demo in the checkout).",
)
@click.option(
    "--keep",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Write into this folder instead of a temporary one.",
)
@pass_ctx
def demo(ctx: Context, folder: Path | None, keep: Path | None) -> None:
    """Run the whole pipeline on captured real feeds served from 127.0.0.1."""
    from .demo import run_demo

    try:
        path, lines = run_demo(folder, keep)
    except (MonitorError, OSError) as exc:
        _fail(exc if isinstance(exc, MonitorError) else MonitorError(str(exc)))
        return
    click.echo(f"Digest written to {path}\n")
    click.echo("\n".join(lines))


def main() -> None:
    cli(prog_name="monitor")
