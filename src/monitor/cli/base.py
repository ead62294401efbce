"""What every command shares: the context (settings, store, clock), exit codes, errors."""

from __future__ import annotations

import contextlib
import logging
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import click

from monitor.errors import AlreadyRunning, ConfigError, EvalDataError, MonitorError, StorageError

if TYPE_CHECKING:
    from monitor.config import Settings
    from monitor.store import Store

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
        from monitor.config import config_path, load_settings

        return load_settings(config_path(self.config_option))

    @contextmanager
    def store(self, settings: Settings) -> Iterator[Store]:
        from monitor.store import Store

        store = Store.open(settings.database)
        try:
            yield store
        finally:
            store.close()

    @contextmanager
    def writing(self, settings: Settings, command: str) -> Iterator[Store]:
        """The store, for a command that writes it: one writer at a time (this waits for
        the one in progress); `run --once` and `deliver` are refused while the service runs."""
        from monitor.locks import service_lock, write_lock

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


def fail(exc: MonitorError) -> None:

    click.echo(f"monitor: {exc}", err=True)
    if isinstance(exc, AlreadyRunning):
        sys.exit(EXIT_RUNNING)
    code = (
        EXIT_CONFIG
        if isinstance(exc, ConfigError | EvalDataError)
        else EXIT_STORAGE
        if isinstance(exc, StorageError)
        else EXIT_ERROR
    )
    sys.exit(code)


def setup_logging(verbose: bool) -> None:
    level = logging.DEBUG if verbose else logging.INFO
    logging.basicConfig(
        level=level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(message)s"
    )
    for noisy in ("httpx", "httpcore", "trafilatura", "htmldate", "courlan", "apscheduler", "absl"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    if sys.stderr.isatty() and not verbose:
        # On a terminal the progress bar reports each feed; keep only problems in the log.
        logging.getLogger("monitor").setLevel(logging.WARNING)


pass_ctx = click.make_pass_decorator(Context)


def parse_date(_c: Any, _p: Any, value: str | None) -> date | None:
    if value is None:
        return None
    from monitor.windows import day_problem

    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"expected YYYY-MM-DD, got {value!r}") from None
    problem = day_problem(day)
    if problem:
        raise click.BadParameter(problem)
    return day


def cut(text: str, width: int) -> str:
    """`text` in at most `width` characters, an ellipsis marking a cut."""
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


# Feed text printed to a terminal: no escape sequences or other control characters.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def term(text: str) -> str:
    return _CONTROL.sub("", text)


def one_line(text: str) -> str:
    return term(" ".join(text.split()))
