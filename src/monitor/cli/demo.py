"""`monitor demo`: the whole pipeline on captured feeds."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from monitor.cli.base import Context, fail, pass_ctx
from monitor.errors import MonitorError

if TYPE_CHECKING:
    pass


@click.command()
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
    from monitor.tools.demo import next_steps, run_demo, shown

    try:
        result = run_demo(folder, keep)
    except (MonitorError, OSError) as exc:
        fail(exc if isinstance(exc, MonitorError) else MonitorError(str(exc)))
        return
    if result.kept:
        click.echo(f"Digest written to {shown(result.kept / result.digest)} (and .html, .json)\n")
    else:
        click.echo(f"The digest of {result.day.isoformat()}, first lines:\n")
    click.echo("\n".join(result.lines))
    click.echo("…\n")
    click.echo("\n".join(next_steps(result)))
