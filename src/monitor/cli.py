"""The `monitor` command (click). Thin: parses options, calls the pipeline, prints results.

Heavy libraries are imported inside the commands so that `monitor --help` stays instant.
"""

from __future__ import annotations

import contextlib
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
EXIT_RUNNING = 4


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

    @contextmanager
    def writing(self, settings: Settings, command: str) -> Iterator[Store]:
        """The store, for a command that writes it: one writer at a time (this waits for
        the one in progress); `run --once` and `deliver` are refused while the service runs."""
        from .schedule import service_lock, write_lock

        with contextlib.ExitStack() as stack:
            if command in ("run --once", "deliver"):  # the service's own duties
                stack.enter_context(service_lock(settings.database, command))
            stack.enter_context(
                write_lock(
                    settings.database,
                    command,
                    on_wait=lambda message: click.echo(f"monitor: {message}…", err=True),
                )
            )
            yield stack.enter_context(self.store(settings))


def _fail(exc: MonitorError) -> None:
    from .schedule import AlreadyRunning

    click.echo(f"monitor: {exc}", err=True)
    if isinstance(exc, AlreadyRunning):
        sys.exit(EXIT_RUNNING)
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
    for noisy in ("httpx", "httpcore", "trafilatura", "htmldate", "courlan", "apscheduler", "absl"):
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


def _not_in_report(record: logging.LogRecord) -> bool:
    return not getattr(record, "in_report", False)


def _do_poll(ctx: Context, settings: Settings, store: Store) -> PollReport:
    if not settings.feeds:
        click.echo(
            f"monitor: no feeds are configured in {settings.path}: add one with "
            "`monitor feeds add URL`, or try `monitor demo`.",
            err=True,
        )
    # The report printed afterwards lists each failure: the log need not say it too.
    logger = logging.getLogger("monitor")
    logger.addFilter(_not_in_report)
    try:
        return _poll_with_progress(ctx, settings, store)
    finally:
        logger.removeFilter(_not_in_report)


def _poll_with_progress(ctx: Context, settings: Settings, store: Store) -> PollReport:
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


@cli.command()
@pass_ctx
def poll(ctx: Context) -> None:
    """Poll every feed once and store new on-topic articles."""
    try:
        settings = ctx.settings()
        with ctx.writing(settings, "poll") as store:
            _print_report(_do_poll(ctx, settings, store))
    except MonitorError as exc:
        _fail(exc)


def _parse_date(_c: Any, _p: Any, value: str | None) -> date | None:
    if value is None:
        return None
    from .windows import day_problem

    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"expected YYYY-MM-DD, got {value!r}") from None
    problem = day_problem(day)
    if problem:
        raise click.BadParameter(problem)
    return day


@cli.command()
@click.option(
    "--date",
    "day",
    callback=_parse_date,
    metavar="YYYY-MM-DD",
    help="The digest's date (default: the most recent window that has ended).",
)
@click.option("--deliver", "send", is_flag=True, help="Also deliver it (e-mail, webhooks).")
@pass_ctx
def digest(ctx: Context, day: date | None, send: bool) -> None:
    """Build the digest for a date from what is stored."""
    from .pipeline import build_digest
    from .windows import window_bounds

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
        _fail(exc if isinstance(exc, MonitorError) else StorageError(f"cannot write: {exc}"))


def _built_day(path: Path) -> date:
    return date.fromisoformat(path.stem)


def _deliver(ctx: Context, settings: Settings, store: Store, day: date | None) -> None:
    from .deliver import deliver_pending, enqueue

    if settings.delivery.email is None and settings.delivery.webhook is None:
        click.echo("No delivery configured ([delivery.email], [delivery.webhook]).")
        return
    if day is not None:
        enqueue(settings, store, day, ctx.clock())
    report = deliver_pending(settings, store, ctx.clock, day)
    click.echo(
        f"Delivered {report.sent}; {report.failed} failed attempts; {report.waiting} waiting "
        "for a retry (see `monitor status`)."
    )


@cli.command()
@click.option(
    "--date",
    "day",
    callback=_parse_date,
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
        _fail(exc)


@cli.command()
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
    from .schedule import Service

    try:
        settings = ctx.settings()
        if not once:
            sys.exit(Service(settings, ctx.clock).run())
        from .pipeline import build_digest

        with ctx.writing(settings, "run --once") as store:
            _print_report(_do_poll(ctx, settings, store))
            path = build_digest(settings, store, None, ctx.clock)
            click.echo(f"Wrote {path}")
            if settings.delivery.email or settings.delivery.webhook:
                _deliver(ctx, settings, store, _built_day(path))
    except (MonitorError, OSError) as exc:
        _fail(exc if isinstance(exc, MonitorError) else StorageError(f"cannot write: {exc}"))


def _dt(value: datetime | None) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_ctx
def status(ctx: Context, as_json: bool) -> None:
    """Feed health, the service's schedule and the delivery outbox."""
    from .schedule import next_digest_time, running_pid

    try:
        settings = ctx.settings()
        with ctx.store(settings) as store:
            store.sync_feeds(settings.feeds, ctx.clock())
            feeds = store.feeds([f.url for f in settings.feeds])
            counts = store.counts()
            state = store.state()
            outbox = store.deliveries()[:50]
    except MonitorError as exc:
        _fail(exc)
        return
    pid = running_pid(settings.database)
    cfg = settings.digest
    # The running service records its own next times; otherwise say when the next would be.
    computed = _dt(next_digest_time(ctx.clock(), cfg.at, cfg.tz))
    service = {
        "running": pid is not None,
        "pid": pid,
        "next_poll": state.get("next_poll") if pid else None,
        "next_digest": (state.get("next_digest") or computed) if pid else computed,
        "last_heartbeat": state.get("service_heartbeat"),
    }
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
            "paused": f.paused,
            "entries_rejected": f.entries_rejected,
            "last_rejected": f.last_rejected,
        }
        for f in feeds
    ]
    deliveries = [
        {
            "date": d.digest_date.isoformat(),
            "channel": d.channel,
            "recipient": d.recipient,
            "status": d.status,
            "attempts": d.attempts,
            "last_error": d.last_error,
            "next_attempt": _dt(d.next_attempt) if d.status == "pending" else None,
            "sent_at": _dt(d.sent_at),
        }
        for d in outbox
    ]
    if as_json:
        out = {"feeds": rows, "totals": counts, "service": service, "deliveries": deliveries}
        click.echo(json.dumps(out, indent=2))
        return

    def local(stamp: Any) -> str:  # a stored UTC time, shown in the digest's zone
        if not stamp:
            return "-"
        when = datetime.strptime(str(stamp), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        return f"{when.astimezone(cfg.tz):%Y-%m-%d %H:%M}"

    click.echo(f"{'feed':28} {'status':13} {'last success':17} {'errors':>6} {'entries':>7}")
    for r in rows:
        click.echo(
            f"{_cut(str(r['name']), 28):28} {r['status']!s:13} "
            f"{local(r['last_success']):17} {r['consecutive_errors']:>6} "
            f"{r['entries_seen']:>7}"
        )
        if r["last_error"] and r["status"] == "error":
            click.echo(f"    last error: {r['last_error']}")
        if r["paused"]:
            click.echo(f"    PAUSED: {r['paused']} (`monitor feeds resume` to poll it again)")
        elif r["next_poll_not_before"]:
            click.echo(f"    next poll not before {local(r['next_poll_not_before'])}")
        if r["entries_rejected"]:
            n = r["entries_rejected"]
            click.echo(
                f"    {n} entr{'y' if n == 1 else 'ies'} rejected, latest: {r['last_rejected']}"
            )
    click.echo(" · ".join(f"{k}: {v}" for k, v in counts.items()))
    if pid:
        click.echo(
            f"Service running (pid {pid}); next poll {local(service['next_poll'])}, "
            f"next digest {local(service['next_digest'])}."
        )
    else:
        click.echo(f"Service not running; the next digest time is {local(service['next_digest'])}.")
    for d in deliveries:
        if d["status"] != "sent":
            retry = f", next attempt {local(d['next_attempt'])}" if d["next_attempt"] else ""
            click.echo(
                f"Delivery {d['date']} {d['channel']} to {d['recipient']}: {d['status']} after "
                f"{d['attempts']} attempt(s){retry}; {d['last_error'] or ''}"
            )
    click.echo(f"Times are in {cfg.timezone}, the digest's time zone (--json gives UTC).")


def _cut(text: str, width: int) -> str:
    """`text` in at most `width` characters, an ellipsis marking a cut."""
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


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


@feeds.command("resume")
@click.argument("urls", nargs=-1)
@click.option("--all", "resume_all", is_flag=True, help="Resume every paused feed.")
@pass_ctx
def feeds_resume(ctx: Context, urls: tuple[str, ...], resume_all: bool) -> None:
    """Poll paused feeds again (paused after HTTP 410 or many failures in a row)."""
    if not urls and not resume_all:
        raise click.UsageError("name the feed URLs to resume, or use --all")
    try:
        settings = ctx.settings()
        with ctx.store(settings) as store:
            n = store.resume_feeds(None if resume_all else list(urls))
    except MonitorError as exc:
        _fail(exc)
        return
    click.echo(f"Resumed {n} feed{'s' * (n != 1)}.")


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
    help="Write into this folder (configuration, database, digests) and keep it.",
)
@pass_ctx
def demo(ctx: Context, folder: Path | None, keep: Path | None) -> None:
    """Run the whole pipeline on captured real feeds served from 127.0.0.1.

    Without --keep, everything is written to a temporary folder that is removed at the end.
    """
    from .demo import _shown, next_steps, run_demo

    try:
        result = run_demo(folder, keep)
    except (MonitorError, OSError) as exc:
        _fail(exc if isinstance(exc, MonitorError) else MonitorError(str(exc)))
        return
    if result.kept:
        click.echo(f"Digest written to {_shown(result.kept / result.digest)} (and .html, .json)\n")
    else:
        click.echo(f"The digest of {result.day.isoformat()}, first lines:\n")
    click.echo("\n".join(result.lines))
    click.echo("…\n")
    click.echo("\n".join(next_steps(result)))


@cli.group("eval")
def eval_group() -> None:
    """Measure quality against labelled data (see README, Quality).

    Needs the eval extra: pip install -e '.[eval]' in the checkout.
    """


def _eval_out(result: dict[str, Any], as_json: bool, title: str, keys: list[str]) -> None:
    if as_json:
        click.echo(json.dumps(result, indent=2))
        return
    click.echo(title)
    for key in keys:
        value = result[key]
        shown = f"{value:.4f}" if isinstance(value, float) else str(value)
        click.echo(f"  {key:28} {shown}")


_split_option = click.option(
    "--split",
    type=click.Choice(["all", "tune", "test"]),
    default="all",
    show_default=True,
    help="Half of the data: 'tune' to adjust settings on, 'test' to report on.",
)
_json_option = click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
_path_argument = click.argument("path", type=click.Path(exists=True, path_type=Path))


def _eval_command(
    name: str,
    doc: str,
    run: Callable[[Context, Path, str], dict[str, Any]],
    title: Callable[[dict[str, Any]], str],
    keys: list[str],
) -> None:
    """Register `monitor eval NAME PATH [--split] [--json]`."""

    @eval_group.command(name, help=doc)
    @_path_argument
    @_split_option
    @_json_option
    @pass_ctx
    def command(ctx: Context, path: Path, split: str, as_json: bool) -> None:
        try:
            result = run(ctx, path, split)
        except MonitorError as exc:
            _fail(exc)
            return
        _eval_out(result, as_json, title(result), keys)
        for miss in [] if as_json else result.get("errors", []):
            kind = "missed" if miss["label"] else "wrongly kept"
            click.echo(f"  {kind}: {miss['title']}")


def _run_extraction(ctx: Context, path: Path, split: str) -> dict[str, Any]:
    from .evaluate import eval_extraction

    return eval_extraction(path, split)


def _run_clustering(ctx: Context, path: Path, split: str) -> dict[str, Any]:
    from .evaluate import eval_clustering

    return eval_clustering(path, split)


def _run_relevance(ctx: Context, path: Path, split: str) -> dict[str, Any]:
    from .evaluate import eval_relevance

    return eval_relevance(path, ctx.settings(), split)


def _run_summaries(ctx: Context, path: Path, split: str) -> dict[str, Any]:
    from .evaluate import eval_summaries

    return eval_summaries(path, ctx.settings(), split)


_eval_command(
    "extraction",
    "Article extraction on a folder in the article-extraction-benchmark layout.",
    _run_extraction,
    lambda r: f"Extraction on {r['pages']} pages (4-word shingles):",
    [
        "f1",
        "precision",
        "recall",
        "pages_per_second",
        "baseline_f1",
        "baseline_pages_per_second",
        "speed_ratio",
    ],
)
_eval_command(
    "clustering",
    "Story clustering on a JSONL of {id, title, text, date?, cluster_id}.",
    _run_clustering,
    lambda r: (
        f"Clustering of {r['documents']} documents into {r['clusters']} stories "
        f"({r['gold_clusters']} in the labels):"
    ),
    [
        "b3_f1",
        "b3_precision",
        "b3_recall",
        "pair_f1",
        "pair_precision",
        "pair_recall",
        "docs_per_second",
        "baseline_b3_f1",
        "baseline_threshold",
        "b3_f1_interval",
        "b3_f1_gain_interval",
        "topic_alone_b3_f1",
        "topic_alone_b3_precision",
        "topic_alone_b3_recall",
    ],
)
_eval_command(
    "relevance",
    "The topic query on a JSONL of {id, title, summary, text?, label}.",
    _run_relevance,
    lambda r: f"Topic query on {r['items']} items ({r['positives']} on topic):",
    ["precision", "recall", "f1", "baseline_precision", "baseline_recall", "baseline_f1"],
)
_eval_command(
    "summaries",
    "Story summaries on a JSONL of {id, documents: [text...], summary}.",
    _run_summaries,
    lambda r: f"Summaries of {r['items']} stories (ROUGE F, cut to the reference's length):",
    ["rouge1", "rouge2", "rougeL", "lead_rouge1", "lead_rouge2", "lead_rougeL"],
)


@eval_group.command("fit-clustering")
@_path_argument
@click.option(
    "--split",
    type=click.Choice(["all", "tune", "test"]),
    default="tune",
    show_default=True,
    help="Half of the topics to fit on.",
)
def fit_clustering_command(path: Path, split: str) -> None:
    """Fit the story clustering's weights on a JSONL of {id, title, text, cluster_id}.

    Prints JSON: the weights and bias that cluster.py holds (refit after changing a feature).
    """
    from .evaluate import fit_clustering

    try:
        click.echo(json.dumps(fit_clustering(path, split), indent=2))
    except MonitorError as exc:
        _fail(exc)


# Further command groups register themselves on `cli` when imported.
from . import cli_archive, cli_feeds  # noqa: E402, F401


def main() -> None:
    cli(prog_name="monitor")
