"""Page extraction and feed parsing in worker processes: both cores, a time limit per job.

The pool hands each worker up to DEPTH jobs over a pipe and reads the answers in the order
the jobs were sent; a worker stuck on a job past the time limit is killed and replaced.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import deque
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from monitor.errors import ExtractionFailed
from monitor.ingest.extract import PageText, extract_page

if TYPE_CHECKING:
    from monitor.ingest.entries import ParsedFeed


def _worker_main(conn: Any) -> None:
    """A worker process: extract pages (and parse feeds) sent over the pipe until told to stop."""
    import signal

    from monitor.errors import FeedError

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when we stop
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        if job is None:
            return
        kind, args = job
        try:
            if kind == "feed":
                from monitor.ingest.feeds import parse_feed

                data, url, content_type, now, max_items = args
                result: Any = parse_feed(
                    data, url=url, content_type=content_type, now=now, max_items=max_items
                )
            else:
                result = extract_page(*args)
            conn.send(result)
        except FeedError as exc:  # a bad feed: the caller records it for that feed
            conn.send(exc)
        except Exception as exc:  # report, never die silently: the parent records it
            conn.send(ExtractionFailed(f"{type(exc).__name__}: {exc}"))


class _Worker:
    """One worker process and the jobs sent to it, answered in the order they were sent."""

    def __init__(self, proc: Any, conn: Any) -> None:
        self.proc = proc
        self.conn = conn
        self.send_lock = threading.Lock()
        self.turn = threading.Condition()
        self.queue: deque[int] = deque()  # tickets of sent jobs, oldest first
        self.tickets = 0
        self.dead = False


class _Retry(Exception):
    """The job's worker was replaced before it began the job: send it again."""


class ExtractorPool:
    """Extraction (and feed parsing) in worker processes: both cores, a time limit per job.

    A page that takes longer than `timeout` (a pathological DOM) has its worker killed and
    replaced; the caller gets an error and falls back to the feed's text. Thread-safe: fetch
    threads hand pages over as they arrive. Each worker is sent up to DEPTH jobs at once, so
    it starts the next page as soon as it has answered one instead of waiting for the busy
    parent process to hand one over (that hand-over left each worker idle for about 6 % of
    the 200x8 benchmark). Workers start on first use, so starting them while feeds are
    parsed has them warm when pages arrive. `workers=0` works in-process, unbounded.
    """

    DEPTH = 2

    def __init__(self, workers: int, timeout: float) -> None:
        import multiprocessing
        import queue

        self.timeout = timeout
        self.workers = workers
        self._ctx = multiprocessing.get_context("spawn")  # no fork of a threaded process
        self._slots: queue.Queue[_Worker] = queue.Queue()  # a worker once per free place
        self._all: list[_Worker] = []
        self._lock = threading.Lock()
        self._started = 0

    def _spawn(self) -> _Worker:
        parent, child = self._ctx.Pipe()
        proc = self._ctx.Process(target=_worker_main, args=(child,), daemon=True)
        proc.start()
        child.close()
        worker = _Worker(proc, parent)
        with self._lock:
            self._all.append(worker)
        return worker

    def _take(self) -> _Worker:
        import queue

        with self._lock:
            can_start = self._started < self.workers
            if can_start:
                self._started += 1
        if can_start:
            worker = self._spawn()
            for _ in range(self.DEPTH - 1):
                self._slots.put(worker)
            return worker
        deadline = time.monotonic() + self.timeout * 4
        while True:
            try:
                worker = self._slots.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise ExtractionFailed("no extraction worker became free") from None
            if not worker.dead:  # places of a replaced worker are dropped
                return worker

    def _replace(self, worker: _Worker) -> None:
        """Kill a stuck or dead worker; a fresh one takes its places."""
        with worker.turn:
            if worker.dead:
                return
            worker.dead = True
            worker.turn.notify_all()
        worker.proc.kill()
        worker.proc.join(5)
        worker.conn.close()
        with self._lock:
            self._all.remove(worker)
        fresh = self._spawn()
        for _ in range(self.DEPTH):
            self._slots.put(fresh)

    def _run(self, job: tuple[str, tuple[Any, ...]]) -> Any:
        for _attempt in range(3):
            try:
                return self._run_once(job)
            except _Retry:
                continue
        raise ExtractionFailed("worker died: replaced before it could start the job")

    def _run_once(self, job: tuple[str, tuple[Any, ...]]) -> Any:
        worker = self._take()
        with worker.send_lock:
            with worker.turn:
                if worker.dead:
                    raise _Retry
                ticket = worker.tickets
                worker.tickets += 1
                worker.queue.append(ticket)
            try:
                worker.conn.send(job)
            except (OSError, ValueError):  # a broken pipe, or a connection closed meanwhile
                # Killed while we sent: our job is lost with it.
                if not worker.dead:
                    self._replace(worker)
                raise _Retry from None
        with worker.turn:  # answers come in the order jobs were sent: wait for our turn
            while not worker.dead and worker.queue[0] != ticket:
                worker.turn.wait()
            if worker.dead:
                raise _Retry
        try:
            # The worker begins our job about when it answers the one before: time it now.
            if not worker.conn.poll(self.timeout):
                raise TimeoutError
            result = worker.conn.recv()
        except (TimeoutError, EOFError, OSError, BrokenPipeError) as exc:
            self._replace(worker)
            if isinstance(exc, TimeoutError):
                raise ExtractionFailed(
                    f"took longer than {self.timeout:g}s and was stopped"
                ) from None
            raise ExtractionFailed(f"worker died: {exc}") from exc
        with worker.turn:
            worker.queue.popleft()
            worker.turn.notify_all()
        self._slots.put(worker)
        if isinstance(result, Exception):
            raise result
        return result

    def extract(self, html: bytes, url: str, title: str = "") -> str:
        return self.extract_page(html, url, title).text

    def extract_page(self, html: bytes, url: str, title: str = "") -> PageText:
        """The page's text and fingerprint (hashing in the workers keeps the parent process,
        which fetches for them, free for that)."""
        if self.workers <= 0:
            try:
                return extract_page(html, url, title)
            except Exception as exc:  # as a worker reports it: one page never stops the run
                raise ExtractionFailed(f"extraction failed: {type(exc).__name__}: {exc}") from exc
        try:
            return cast(PageText, self._run(("page", (html, url, title))))
        except ExtractionFailed as exc:
            raise ExtractionFailed(f"extraction {exc}") from None

    def parse_feed(
        self, data: bytes, *, url: str, content_type: str, now: datetime, max_items: int
    ) -> ParsedFeed:
        """feeds.parse_feed in a worker: the parse of many feeds uses both cores, and a
        pathological feed is stopped at the time limit (a FeedError for that feed)."""
        from monitor.errors import FeedError
        from monitor.ingest.feeds import parse_feed

        if self.workers <= 0:
            try:
                return parse_feed(
                    data, url=url, content_type=content_type, now=now, max_items=max_items
                )
            except FeedError:
                raise
            except Exception as exc:  # as a worker reports it: one feed never stops the run
                raise FeedError(f"feed parsing failed: {type(exc).__name__}: {exc}") from exc
        try:
            result = self._run(("feed", (data, url, content_type, now, max_items)))
        except ExtractionFailed as exc:
            raise FeedError(f"feed parsing {exc}") from None
        return cast("ParsedFeed", result)

    def close(self) -> None:
        with self._lock:
            workers = list(self._all)
            self._all.clear()
        for w in workers:
            with contextlib.suppress(OSError), w.send_lock:
                w.conn.send(None)
        for w in workers:
            w.proc.join(2)
            if w.proc.is_alive():
                w.proc.kill()
                w.proc.join(2)
            w.conn.close()

    def __enter__(self) -> ExtractorPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
