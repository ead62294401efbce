"""The `monitor` command line: one module per command group (see main.py)."""

from monitor.cli.main import cli, main

__all__ = ["cli", "main"]
