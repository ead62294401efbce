"""Reading the archive from the command line: `digests`, `search`, `serve`, `topic test`."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .cli import Context, _fail, _parse_date, cli, pass_ctx
from .errors import MonitorError, StorageError

if TYPE_CHECKING:
    from .store import Store

# Feed text printed to a terminal: no escape sequences or other control characters.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def term(text: str) -> str:
    return _CONTROL.sub("", text)


def one_line(text: str) -> str:
    return term(" ".join(text.split()))


@cli.group()
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
        _fail(exc)
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
@click.argument("day", required=False, callback=_parse_date, metavar="[YYYY-MM-DD]")
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
        _fail(exc)
        return
    if fmt == "md":
        path = Path(record.path).with_suffix(".md")
        try:
            body = path.read_text(encoding="utf-8")
        except OSError as exc:
            _fail(StorageError(f"cannot read {path}: {exc.strerror or exc}"))
            return
    elif bodies is None:
        _fail(MonitorError(f"the digest of {record.date} was built before bodies were stored"))
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
    from .pipeline import build_site

    try:
        settings = ctx.settings()
        with ctx.store(settings) as store:
            changed = build_site(settings, store)
    except MonitorError as exc:
        _fail(exc)
        return
    except OSError as exc:
        _fail(StorageError(f"cannot write the site: {exc.strerror or exc} ({exc.filename})"))
        return
    click.echo(
        f"Archive site in {settings.digest.directory / 'index.html'} "
        f"({len(changed)} file{'s' * (len(changed) != 1)} updated)."
    )


@cli.command()
@click.argument("query", nargs=-1, required=True)
@click.option("--since", callback=_parse_date, metavar="YYYY-MM-DD", help="Nothing older.")
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
    from .store import MARK_END, MARK_START, fts_query

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
        _fail(exc)
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


@cli.command()
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
    from .pipeline import build_site
    from .serve import ArchiveServer

    try:
        settings = ctx.settings()
        with ctx.store(settings) as store:
            build_site(settings, store)
        server = ArchiveServer(settings.digest.directory, host, port, log=None)
    except MonitorError as exc:
        _fail(exc)
        return
    except OSError as exc:
        _fail(MonitorError(f"cannot serve on {host}:{port}: {exc.strerror or exc}"))
        return
    click.echo(f"Serving {settings.digest.directory} at {server.url} (Ctrl-C stops)", err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()


@cli.group()
def topic() -> None:
    """The topic query."""


@topic.command("test")
@click.option("--days", default=2, show_default=True, type=click.IntRange(1, 3650))
@click.option(
    "--query", "query", metavar="QUERY", help="Try this query instead of the configured one."
)
@click.option(
    "--show",
    type=click.Choice(["all", "kept", "dropped", "changed"]),
    default="all",
    show_default=True,
    help="changed: only entries the query decides differently from when they were polled.",
)
@pass_ctx
def topic_test(ctx: Context, days: int, query: str | None, show: str) -> None:
    """Which stored feed entries of the last DAYS days the topic query keeps and drops."""
    from . import topic as topic_mod
    from .errors import ConfigError, QueryError

    try:
        settings = ctx.settings()
        q = query if query is not None else settings.topic.query
        try:
            topic_mod.parse_query(q)
        except QueryError as exc:
            where = "--query" if query is not None else str(settings.path)
            raise ConfigError(where, [f"topic query: {exc}"]) from None
        with ctx.store(settings) as store:
            entries = store.entries_since(ctx.clock() - timedelta(days=days))
    except MonitorError as exc:
        _fail(exc)
        return
    kept = changed = 0
    for e in entries:
        keep = bool(e.link) and topic_mod.matches(
            q, topic_mod.entry_text(e.title, e.summary, e.content)
        )
        kept += keep
        differs = keep != e.on_topic
        changed += differs
        if (show == "kept" and not keep) or (show == "dropped" and keep):
            continue
        if show == "changed" and not differs:
            continue
        mark = "*" if differs else " "
        click.echo(
            f"{'KEEP' if keep else 'drop'}{mark} {e.first_seen:%Y-%m-%d} "
            f"{one_line(e.source)[:24]:24} {one_line(e.title)}"
        )
    click.echo(
        f"{kept} of {len(entries)} entries from the last {days} day{'s' * (days != 1)} kept, "
        f"{len(entries) - kept} dropped; {changed} decided differently when polled (marked *)."
    )
