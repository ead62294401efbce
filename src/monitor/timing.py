"""Optional per-stage wall-clock accounting, for the benchmark (no cost when not collecting)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_current: ContextVar[dict[str, float] | None] = ContextVar("monitor_timings", default=None)


@contextmanager
def collect() -> Iterator[dict[str, float]]:
    """Collect stage times (seconds) into the dict yielded, for the code run inside."""
    sink: dict[str, float] = {}
    token = _current.set(sink)
    try:
        yield sink
    finally:
        _current.reset(token)


@contextmanager
def stage(name: str) -> Iterator[None]:
    sink = _current.get()
    if sink is None:
        yield
        return
    started = time.perf_counter()
    try:
        yield
    finally:
        sink[name] = sink.get(name, 0.0) + time.perf_counter() - started
