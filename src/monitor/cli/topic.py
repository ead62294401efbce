"""`monitor topic test`: which stored entries a topic query keeps and drops."""

from __future__ import annotations

from datetime import timedelta

import click

from monitor.cli.base import Context, fail, one_line, pass_ctx
from monitor.errors import MonitorError


@click.group()
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
    from monitor.errors import ConfigError, QueryError
    from monitor.judge import topic as topic_mod
    from monitor.query import parse_query

    try:
        settings = ctx.settings()
        q = query if query is not None else settings.topic.query
        try:
            parse_query(q)
        except QueryError as exc:
            where = "--query" if query is not None else str(settings.path)
            raise ConfigError(where, [f"topic query: {exc}"]) from None
        with ctx.store(settings) as store:
            entries = store.entries_since(ctx.clock() - timedelta(days=days))
    except MonitorError as exc:
        fail(exc)
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
