"""Page HTML -> article text (trafilatura stays inside this module).

trafilatura runs with `include_comments=False, fast=True` (measured: the best F1 of its
settings on the article-extraction benchmark, and the fastest). Its output is then trimmed
of what it commonly keeps but is not the article: the headline repeated as the first line
(the digest takes titles from the feed) and newsletter/related-links boilerplate lines.
Title, date and outlet come from the feed entry: trafilatura's metadata extraction costs
about half again as much and the feed already has them.
"""

from __future__ import annotations

import contextlib
import html as html_lib
import logging
import re
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from .text import clean_block

if TYPE_CHECKING:
    from .feeds import ParsedFeed

MIN_WORDS = 40  # less than this is a teaser, a paywall stub or a video page

_TOKENS = re.compile(r"\w+")
_TAG = re.compile(r"<[^>]+>")
_TITLE = re.compile(
    rb"<meta[^>]+property=[\"']og:title[\"'][^>]*content=[\"']([^\"']*)|<title[^>]*>(.*?)</title>",
    re.IGNORECASE | re.DOTALL,
)
_H1 = re.compile(rb"<h1[^>]*>(.*?)</h1>", re.IGNORECASE | re.DOTALL)
_BOILERPLATE_LINE = re.compile(
    r"^(thanks for signing up|sign up for|subscribe to|you may also like|"
    r"related( stories| articles| coverage)?:?$|advertisement$|share this|read more:?$|"
    r"click here|follow us|keep an eye on your inbox|get the day's)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Extracted:
    text: str
    origin: str  # "page" or "feed"
    note: str = ""  # why the feed's text was used, when it was


def _norm(text: str) -> str:
    return " ".join(_TOKENS.findall(text.lower()))


def page_titles(page: bytes) -> list[str]:
    """The page's own headlines (og:title, <title>, <h1>), normalised; a cheap regex scan."""
    found: list[str] = []
    for m in _TITLE.finditer(page[:200_000]):
        raw = (m.group(1) or m.group(2) or b"").decode("utf-8", "replace")
        found.append(_norm(html_lib.unescape(_TAG.sub(" ", raw))))
    for m in _H1.finditer(page[:400_000]):
        found.append(_norm(html_lib.unescape(_TAG.sub(" ", m.group(1).decode("utf-8", "replace")))))
    return [t for t in found if len(t.split()) >= 3]


def _is_headline(line: str, titles: list[str]) -> bool:
    n = _norm(line)
    if not n:
        return False
    for t in titles:
        if n == t or (len(n.split()) >= 3 and n in t):
            return True
        if len(t.split()) >= 4 and t in n and len(n) <= len(t) * 1.3:
            return True
    return False


def trim(text: str, titles: list[str]) -> str:
    """Drop leading headline lines and boilerplate lines from extracted text."""
    lines = text.split("\n")
    while lines and _is_headline(lines[0], titles):
        lines.pop(0)
    return "\n".join(line for line in lines if not _BOILERPLATE_LINE.match(line.strip()))


def extract_text(html: bytes, url: str, title: str = "") -> str:
    """The main text of a page, paragraphs separated by blank lines ("" when none).

    `title` (the feed's headline for the page, when known) helps drop a repeated headline.
    """
    import trafilatura

    # trafilatura logs every page it finds nothing in at WARNING; that is data here, not news.
    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    try:
        result = trafilatura.extract(
            html,
            url=url,
            include_comments=False,
            fast=True,
            with_metadata=False,
            output_format="txt",
        )
    except (ValueError, TypeError, RecursionError):  # malformed markup inside lxml/trafilatura
        return ""
    if not result:
        return ""
    titles = page_titles(html)
    if title and len(_norm(title).split()) >= 3:
        titles.append(_norm(title))
    return clean_block(trim(result, titles))


def choose_text(page_text: str, feed_text: str, fetch_note: str) -> Extracted:
    """The page's text when it has some, else the feed's own content, marked as such."""
    if len(page_text.split()) >= MIN_WORDS or (page_text and len(page_text) >= len(feed_text)):
        return Extracted(page_text, "page")
    note = fetch_note or "no main text found on the page"
    return Extracted(feed_text, "feed", note)


def _worker_main(conn: Any) -> None:
    """A worker process: extract pages (and parse feeds) sent over the pipe until told to stop."""
    import signal

    from .errors import FeedError

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
                from .feeds import parse_feed

                data, url, content_type, now, max_items = args
                result: Any = parse_feed(
                    data, url=url, content_type=content_type, now=now, max_items=max_items
                )
            else:
                result = extract_text(*args)
            conn.send(result)
        except FeedError as exc:  # a bad feed: the caller records it for that feed
            conn.send(exc)
        except Exception as exc:  # report, never die silently: the parent records it
            conn.send(ExtractionFailed(f"{type(exc).__name__}: {exc}"))


class ExtractionFailed(Exception):
    pass


class ExtractorPool:
    """Extraction (and feed parsing) in worker processes: both cores, a time limit per job.

    A page that takes longer than `timeout` (a pathological DOM) has its worker killed and
    replaced; the caller gets an error and falls back to the feed's text. Thread-safe: fetch
    threads hand pages over as they arrive. Workers start on first use, so starting them
    while feeds are parsed has them warm when pages arrive. `workers=0` works in-process,
    unbounded.
    """

    def __init__(self, workers: int, timeout: float) -> None:
        import multiprocessing
        import queue

        self.timeout = timeout
        self.workers = workers
        self._ctx = multiprocessing.get_context("spawn")  # no fork of a threaded process
        self._idle: queue.Queue[tuple[Any, Any]] = queue.Queue()
        self._all: list[tuple[Any, Any]] = []
        self._lock = threading.Lock()
        self._started = 0

    def _spawn(self) -> tuple[Any, Any]:
        parent, child = self._ctx.Pipe()
        proc = self._ctx.Process(target=_worker_main, args=(child,), daemon=True)
        proc.start()
        child.close()
        with self._lock:
            self._all.append((proc, parent))
        return proc, parent

    def _take(self) -> tuple[Any, Any]:
        import queue

        with self._lock:
            can_start = self._started < self.workers
            if can_start:
                self._started += 1
        if can_start:
            return self._spawn()
        try:
            return self._idle.get(timeout=self.timeout * 4)
        except queue.Empty:
            raise ExtractionFailed("no extraction worker became free") from None

    def _run(self, job: tuple[str, tuple[Any, ...]]) -> Any:
        proc, conn = self._take()
        try:
            conn.send(job)
            if not conn.poll(self.timeout):
                raise TimeoutError
            result = conn.recv()
        except (TimeoutError, EOFError, OSError, BrokenPipeError) as exc:
            # Kill the stuck or dead worker and put a fresh one in its place.
            proc.kill()
            proc.join(5)
            conn.close()
            with self._lock:
                self._all.remove((proc, conn))
            self._idle.put(self._spawn())
            if isinstance(exc, TimeoutError):
                raise ExtractionFailed(
                    f"took longer than {self.timeout:g}s and was stopped"
                ) from None
            raise ExtractionFailed(f"worker died: {exc}") from exc
        self._idle.put((proc, conn))
        if isinstance(result, Exception):
            raise result
        return result

    def extract(self, html: bytes, url: str, title: str = "") -> str:
        if self.workers <= 0:
            return extract_text(html, url, title)
        try:
            return str(self._run(("page", (html, url, title))))
        except ExtractionFailed as exc:
            raise ExtractionFailed(f"extraction {exc}") from None

    def parse_feed(
        self, data: bytes, *, url: str, content_type: str, now: datetime, max_items: int
    ) -> ParsedFeed:
        """feeds.parse_feed in a worker: the parse of many feeds uses both cores, and a
        pathological feed is stopped at the time limit (a FeedError for that feed)."""
        from .errors import FeedError
        from .feeds import parse_feed

        if self.workers <= 0:
            return parse_feed(
                data, url=url, content_type=content_type, now=now, max_items=max_items
            )
        try:
            result = self._run(("feed", (data, url, content_type, now, max_items)))
        except ExtractionFailed as exc:
            raise FeedError(f"feed parsing {exc}") from None
        return cast("ParsedFeed", result)

    def close(self) -> None:
        with self._lock:
            workers = list(self._all)
            self._all.clear()
        for _proc, conn in workers:
            with contextlib.suppress(OSError):
                conn.send(None)
        for proc, conn in workers:
            proc.join(2)
            if proc.is_alive():
                proc.kill()
                proc.join(2)
            conn.close()

    def __enter__(self) -> ExtractorPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
