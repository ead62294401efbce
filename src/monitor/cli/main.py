"""The `monitor` command group: global options, and every command registered on it."""

from __future__ import annotations

import click

from monitor import __version__
from monitor.cli import archive, demo, evaluate, feeds, run, status, topic
from monitor.cli.base import Context, setup_logging


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
    setup_logging(verbose)


for command in (
    run.poll,
    run.digest,
    run.run,
    run.deliver,
    status.status,
    feeds.feeds,
    archive.digests,
    archive.search,
    archive.serve,
    topic.topic,
    demo.demo,
    evaluate.eval_group,
):
    cli.add_command(command)


def main() -> None:
    cli(prog_name="monitor")
