"""`monitor feeds add|remove|check|import|export`: the feeds of the configuration file."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import click

from monitor.cli.base import Context, fail, one_line, pass_ctx
from monitor.errors import MonitorError, StorageError

if TYPE_CHECKING:
    from monitor.config import Settings
    from monitor.ingest.fetch import HttpClient


@click.group()
def feeds() -> None:
    """The configured feeds."""


@feeds.command("list")
@pass_ctx
def feeds_list(ctx: Context) -> None:
    """List the feeds in the configuration."""
    try:
        settings = ctx.settings()
    except MonitorError as exc:
        fail(exc)
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
        fail(exc)
        return
    click.echo(f"Resumed {n} feed{'s' * (n != 1)}.")


def _client(settings: Settings) -> HttpClient:
    from monitor.ingest.fetch import HttpClient

    return HttpClient(settings.http)


@feeds.command("add")
@click.argument("url")
@click.option("--name", help="Display name (default: the feed's own title).")
@click.option("--group", default="", help="Feed group, shown in the digest (e.g. world, ukraine).")
@click.option(
    "--no-check",
    is_flag=True,
    help="Add the URL as given, without fetching it (e.g. while offline).",
)
@pass_ctx
def feeds_add(ctx: Context, url: str, name: str | None, group: str, no_check: bool) -> None:
    """Add a feed. URL may be the feed itself or a web page that announces its feed."""
    from monitor.config import FeedConfig, shorten, url_problem
    from monitor.config.edit import add_feeds, same_url
    from monitor.ingest.discover import discover

    problem = url_problem(url)
    if problem is not None:
        raise click.BadParameter(f"{problem}: {shorten(url)!r}", param_hint="URL")
    try:
        settings = ctx.settings()
        if any(same_url(url, f.url) for f in settings.feeds):
            raise MonitorError(f"{url} is already in {settings.path}")
        feed_url, title, detail = url, "", "not checked"
        if not no_check:
            with _client(settings) as client:
                found = discover(client, url, ctx.clock())
            feed_url, title = found.url, found.title
            newest = f", newest {found.newest:%Y-%m-%d %H:%M} UTC" if found.newest else ""
            detail = f"{found.format}, {found.entries} entries{newest}"
            if found.url != url:
                detail += f"; discovered from {url}"
        label = name or title or urlsplit(feed_url).hostname or feed_url
        added, present = add_feeds(settings.path, [FeedConfig(label, feed_url, group)])
    except MonitorError as exc:
        fail(exc)
        return
    if present:
        fail(MonitorError(f"{feed_url} is already in {settings.path}"))
        return
    f = added[0]
    click.echo(f"Added {one_line(f.name)} <{f.url}> to {settings.path} ({one_line(detail)}).")


@feeds.command("remove")
@click.argument("which", metavar="URL_OR_NAME")
@pass_ctx
def feeds_remove(ctx: Context, which: str) -> None:
    """Remove a feed from the configuration (its stored articles stay in the archive)."""
    from monitor.config.edit import remove_feeds

    try:
        settings = ctx.settings()
        removed = remove_feeds(settings.path, which)
    except MonitorError as exc:
        fail(exc)
        return
    for f in removed:
        click.echo(f"Removed {one_line(f.name)} <{f.url}> from {settings.path}.")


@feeds.command("check")
@click.argument("urls", nargs=-1)
@pass_ctx
def feeds_check(ctx: Context, urls: tuple[str, ...]) -> None:
    """Fetch and parse feeds now: format, entries, newest date, or the error.

    Without URLs, every configured feed. Exits 1 when any of them fails.
    """
    from monitor.ingest.discover import checks

    try:
        settings = ctx.settings()
        targets = list(urls) or [f.url for f in settings.feeds]
        names = {f.url: f.name for f in settings.feeds}
        if not targets:
            raise MonitorError(f"no feeds in {settings.path}")
        with _client(settings) as client:
            results = checks(client, targets, ctx.clock())
    except MonitorError as exc:
        fail(exc)
        return
    for r in results:
        label = one_line(names.get(r.url, r.title or r.url))
        if r.ok:
            newest = f"{r.newest:%Y-%m-%d %H:%M}" if r.newest else "no dates"
            warning = f"; warning: {one_line(r.warning)}" if r.warning else ""
            click.echo(f"ok    {label}\n      {r.url}")
            click.echo(f"      {r.format}, {r.entries} entries, newest {newest}{warning}")
            if r.final_url and r.final_url != r.url:
                click.echo(f"      redirected to {r.final_url}")
        else:
            click.echo(f"FAIL  {label}\n      {r.url}\n      {one_line(r.error)}")
    failed = sum(1 for r in results if not r.ok)
    click.echo(f"{len(results) - failed} of {len(results)} feeds OK.")
    if failed:
        sys.exit(1)


@feeds.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_ctx
def feeds_import(ctx: Context, file: Path) -> None:
    """Add the feeds of an OPML file (from any feed reader); ones already there are kept."""
    from monitor.config.edit import import_opml

    try:
        settings = ctx.settings()
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise MonitorError(f"cannot read {file}: {exc.strerror or exc}") from None
        result = import_opml(settings.path, data)
    except MonitorError as exc:
        fail(exc)
        return
    for f in result.added:
        group = f" [{one_line(f.group)}]" if f.group else ""
        click.echo(f"added    {one_line(f.name)}{group} <{f.url}>")
    for what, why in result.skipped:
        click.echo(f"skipped  {one_line(what)}: {why}")
    click.echo(
        f"{len(result.added)} feed{'s' * (len(result.added) != 1)} added to {settings.path}, "
        f"{len(result.skipped)} skipped."
    )


@feeds.command("export")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file (default: standard output).",
)
@pass_ctx
def feeds_export(ctx: Context, output: Path | None) -> None:
    """The configured feeds as OPML 2.0, for any feed reader."""
    from monitor.config.edit import to_opml
    from monitor.files import atomic_write

    try:
        settings = ctx.settings()
    except MonitorError as exc:
        fail(exc)
        return
    text = to_opml(f"monitor feeds: {settings.topic.name}", settings.feeds)
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        atomic_write(output, text)
    except OSError as exc:
        fail(StorageError(f"cannot write {output}: {exc.strerror or exc}"))
        return
    click.echo(f"Wrote {len(settings.feeds)} feeds to {output}.", err=True)
