"""Reading the archive from the command line: `digests`, `search`, `serve`, `topic test`."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from monitor.cli.base import Context, fail, one_line, parse_date, pass_ctx, term
from monitor.errors import MonitorError, StorageError

if TYPE_CHECKING:
    from monitor.store import Store


@click.group()
def digests() -> None:
    """The built digests: list them, show one, rebuild the archive site."""


@digests.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_ctx
def digests_list(ctx: Context, as_json: bool) -> None:
    """Every built digest, newest first: date, stories, articles."""
    try:
        settings = ctx.settings()
        with ctx.store(settings) as store:
            records = store.digests(limit=1_000_000, bodies=False)
    except MonitorError as exc:
        fail(exc)
        return
    if as_json:
        rows = [
            {"date": r.date.isoformat(), "stories": r.stories, "articles": r.articles,
             "title": r.title, "path": r.path}
            for r in records
        ]  # fmt: skip
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not records:
        click.echo("No digest has been built yet (`monitor digest`).")
        return
    click.echo(f"{'date':10}  {'stories':>7}  {'articles':>8}  path")
    for r in records:
        click.echo(f"{r.date.isoformat():10}  {r.stories:>7}  {r.articles:>8}  {r.path}")


@digests.command("show")
@click.argument("day", required=False, callback=parse_date, metavar="[YYYY-MM-DD]")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "md", "html", "json"]),
    default="text",
    show_default=True,
    help="text reads well in a terminal; the others print the archived file.",
)
@pass_ctx
def digests_show(ctx: Context, day: date | None, fmt: str) -> None:
    """Print a digest (default: the newest)."""
    try:
        settings = ctx.settings()
        with ctx.store(settings) as store:
            records = store.digests(limit=1, day=day, bodies=False)
            record = records[0] if records else None
            if record is None:
                raise MonitorError(_missing(store, day))
            bodies = store.digest_bodies(record.date)
    except MonitorError as exc:
        fail(exc)
        return
    if fmt == "md":
        path = Path(record.path).with_suffix(".md")
        try:
            body = path.read_text(encoding="utf-8")
        except OSError as exc:
            fail(StorageError(f"cannot read {path}: {exc.strerror or exc}"))
            return
    elif bodies is None:
        fail(MonitorError(f"the digest of {record.date} was built before bodies were stored"))
        return
    else:
        body = {"text": bodies.text, "html": bodies.html, "json": bodies.json}[fmt]
    body = term(body)  # feed text must not drive the terminal, whatever the format
    if fmt == "text":
        click.echo_via_pager(body)
    else:
        click.echo(body, nl=not body.endswith("\n"))


def _missing(store: Store, day: date | None) -> str:
    """Why no digest is shown, naming the nearest dates that have one."""
    if day is None:
        return "no digest has been built yet"
    built = sorted(store.built_dates())
    before = [d for d in built if d < day][-1:]
    after = [d for d in built if d > day][:1]
    near = [d.isoformat() for d in before + after]
    if not near:
        return f"no digest for {day.isoformat()}; none has been built yet"
    return (
        f"no digest for {day.isoformat()}; the nearest: {' and '.join(near)} "
        "(`monitor digests list` shows every one)"
    )


@digests.command("site")
@pass_ctx
def digests_site(ctx: Context) -> None:
    """Rebuild the archive site (index, story timelines, search index) from every digest."""
    from monitor.pipeline import build_site

    try:
        settings = ctx.settings()
        with ctx.store(settings) as store:
            changed = build_site(settings, store)
    except MonitorError as exc:
        fail(exc)
        return
    except OSError as exc:
        fail(StorageError(f"cannot write the site: {exc.strerror or exc} ({exc.filename})"))
        return
    click.echo(
        f"Archive site in {settings.digest.directory / 'index.html'} "
        f"({len(changed)} file{'s' * (len(changed) != 1)} updated)."
    )


@click.command()
@click.argument("query", nargs=-1, required=True)
@click.option("--since", callback=parse_date, metavar="YYYY-MM-DD", help="Nothing older.")
@click.option("--source", metavar="NAME", help="Only sources whose name contains NAME.")
@click.option(
    "--limit",
    default=20,
    show_default=True,
    type=click.IntRange(1, 1000),
    help="At most this many digest points, and as many stored articles.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_ctx
def search(
    ctx: Context,
    query: tuple[str, ...],
    since: date | None,
    source: str | None,
    limit: int,
    as_json: bool,
) -> None:
    """Search stored articles and the points of every digest.

    Every word must occur; "quoted words" match as a phrase, word* as a prefix, and OR
    between two words accepts either.
    """
    from monitor.store import MARK_END, MARK_START, fts_query

    text = " ".join(query)
    try:
        fts = fts_query(text)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    try:
        settings = ctx.settings()
        with ctx.store(settings) as store:
            points, articles = store.search(fts, since=since, source=source, limit=limit)
    except MonitorError as exc:
        fail(exc)
        return
    if as_json:

        def row(h: Any) -> dict[str, str]:
            plain = h.text.replace(MARK_START, "").replace(MARK_END, "")
            return {
                "date": h.date.isoformat(),
                "source": h.source,
                "title": h.title,
                "text": plain,
                "url": h.url,
            }

        out = {"query": text, "points": [row(h) for h in points],
               "articles": [row(h) for h in articles]}  # fmt: skip
        click.echo(json.dumps(out, indent=2, ensure_ascii=False))
        return
    if not points and not articles:
        click.echo(f"Nothing found for {one_line(text)}.")
        return
    bold = click.style("", bold=True, reset=False)
    reset = click.style("", reset=True)
    for label, hits in (("In the digests", points), ("In stored articles", articles)):
        if not hits:
            continue
        click.secho(f"{label} ({len(hits)}{'+' * (len(hits) == limit)}):", bold=True)
        for h in hits:
            click.echo(f"  {h.date.isoformat()}  {one_line(h.source)} — {one_line(h.title)}")
            excerpt = one_line(h.text).replace(MARK_START, bold).replace(MARK_END, reset)
            click.echo(f"    {excerpt}")
            click.echo(f"    {term(h.url)}")
        click.echo("")


@click.command()
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; anything but loopback shows the archive to the network.",
)
@pass_ctx
def serve(ctx: Context, port: int, host: str) -> None:
    """Serve the archive site for local reading (Ctrl-C stops)."""
    from monitor.pipeline import build_site
    from monitor.publish.serve import ArchiveServer

    try:
        settings = ctx.settings()
        with ctx.store(settings) as store:
            build_site(settings, store)
        server = ArchiveServer(settings.digest.directory, host, port, log=None)
    except MonitorError as exc:
        fail(exc)
        return
    except OSError as exc:
        fail(MonitorError(f"cannot serve on {host}:{port}: {exc.strerror or exc}"))
        return
    click.echo(f"Serving {settings.digest.directory} at {server.url} (Ctrl-C stops)", err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()
