#!/usr/bin/env python3
"""The monitor's benchmark: a whole cycle on a reproducible corpus served on loopback.

    python benchmarks/run.py --feeds 200 --items 8 [--json] [--pages DIR] [--repeat K]

N feeds x M items whose links lead to real article pages (the article-extraction-benchmark
pages, reused under many URLs: about 60 % distinct articles, 25 % near copies, 15 % exact
copies), spread over several loopback addresses (127.0.0.2, 127.0.0.3, ...) so per-host
limits behave as with many publishers, with a match-all topic so that every stage works.

Measured in one run: wall seconds per stage of the cycle (poll, fetch, extract, dedupe,
cluster, summarize, render), the total, the peak memory of all processes, the reference
floors (trafilatura alone on the same pages with the project's options and worker count;
lxml's parse alone), and a re-poll of the unchanged feeds (conditional GET).

"Distinct" articles are made from the base pages by rotating the letters of every word of
their text (lengths and markup unchanged, so extraction costs the same while the text no
longer matches any other page); near copies add a paragraph and change a few words of one
of them; exact copies repeat one byte for byte under another URL.

With --repeat K the whole run (floors, then cycle) is made K times, one after the other, and
the figures reported are those of the run with the median ratio (every run's ratio is listed
under "runs"): on a shared machine one run's floor and cycle can see different loads.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import multiprocessing
import os
import random
import re
import resource
import shutil
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from monitor import timing  # noqa: E402
from monitor.config import load_settings  # noqa: E402
from monitor.ingest.fetch import HttpClient  # noqa: E402
from monitor.pipeline import build_digest, poll  # noqa: E402
from monitor.store import Store  # noqa: E402

DAY = date(2026, 2, 18)
WINDOW_END = datetime(2026, 2, 18, 5, 0, tzinfo=UTC)  # 07:00 in Kyiv
HOSTS = 8
_WORD = re.compile(r"(?<![&#\w])[a-z]{2,}")
_TEXT = re.compile(rb">([^<]+)<")


def default_pages() -> Path:
    shared = ROOT.parent / "shared" / "data" / "pages" / "aeb-dev" / "html"
    return shared if shared.is_dir() else ROOT / "benchmarks" / "data" / "aeb-sample" / "html"


def load_pages(folder: Path) -> list[bytes]:
    files = sorted(folder.glob("*.html.gz")) + sorted(folder.glob("*.html"))
    if not files:
        raise SystemExit(f"no pages in {folder}")
    return [gzip.decompress(f.read_bytes()) if f.suffix == ".gz" else f.read_bytes() for f in files]


def rotate(page: bytes, variant: int) -> bytes:
    """Variant `variant` (1, 2, ...) of a page: its lower-case words re-spelt, same lengths.

    Letters are rotated by 1-25 places; further variants also reverse the words, then
    double their last letter, so that every variant's text is its own.
    """
    shift = 1 + (variant - 1) % 25
    reverse = (variant - 1) // 25 % 2 == 1
    extra = (variant - 1) // 50

    def word(m: re.Match[str]) -> str:
        w = "".join(chr((ord(c) - 97 + shift) % 26 + 97) for c in m.group(0))
        w = w[::-1] if reverse else w
        return w + w[-1] * extra

    def text(m: re.Match[bytes]) -> bytes:
        return b">" + _WORD.sub(word, m.group(1).decode("utf-8", "replace")).encode() + b"<"

    return _TEXT.sub(text, page)


def near_copy(page: bytes, rng: random.Random) -> bytes:
    """The same article with a paragraph added and a few words changed."""
    out = page.replace(b"</p>", b" Officials confirmed the account on Tuesday.</p>", 1)
    extra = f"<p>Updated {rng.randint(1, 59)} minutes ago with additional reporting.</p>"
    return out.replace(b"</body>", extra.encode() + b"</body>", 1)


class Corpus:
    """Feeds and pages in memory, addressed by (host, path)."""

    def __init__(self, feeds: int, items: int, base: list[bytes], seed: int = 42) -> None:
        rng = random.Random(seed)
        self.docs: dict[tuple[str, str], bytes] = {}
        self.feed_urls: list[tuple[str, str]] = []  # (host, path)
        self.page_keys: list[tuple[str, str]] = []
        self._pending_feed: dict[tuple[str, str], tuple[int, list[object]]] = {}
        distinct: list[bytes] = []
        n = 0
        for f in range(feeds):
            host = f"127.0.0.{2 + f % HOSTS}"
            entries = []
            for _ in range(items):
                roll = rng.random()
                if roll < 0.60 or not distinct:
                    d = len(distinct)
                    body = base[d] if d < len(base) else rotate(base[d % len(base)], d // len(base))
                    distinct.append(body)
                elif roll < 0.85:
                    body = near_copy(rng.choice(distinct), rng)
                else:
                    body = rng.choice(distinct)
                page_host = f"127.0.0.{2 + (n * 7) % HOSTS}"
                path = f"/articles/{n}.html"
                self.docs[(page_host, path)] = body
                self.page_keys.append((page_host, path))
                when = WINDOW_END - timedelta(minutes=5 + 3 * n % 1300)
                entries.append((n, page_host, path, when))
                n += 1
            self.docs[(host, f"/feeds/{f}.xml")] = b""  # filled once ports are known
            self.feed_urls.append((host, f"/feeds/{f}.xml"))
            self._pending_feed[(host, f"/feeds/{f}.xml")] = (f, entries)  # type: ignore[assignment]

    def render_feeds(self, ports: dict[str, int]) -> None:
        for key, (f, entries) in self._pending_feed.items():
            items = "".join(
                f"<item><title>Report {n} from feed {f}</title>"
                f"<link>http://{h}:{ports[h]}{p}</link><guid>bench-{n}</guid>"
                f"<pubDate>{format_datetime(when)}</pubDate>"
                f"<description>{escape(f'Summary of report {n}.')}</description></item>"
                for n, h, p, when in entries
            )
            self.docs[key] = (
                f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
                f"<title>Feed {f}</title><link>http://{key[0]}/</link>{items}</channel></rss>"
            ).encode()


class Servers:
    """One HTTP server per loopback address, with ETag / If-None-Match support."""

    def __init__(self, corpus: Corpus, bodies: Any) -> None:
        self.corpus = corpus
        self.bodies = bodies  # a shared counter of responses that carried a body
        self.httpds: dict[str, ThreadingHTTPServer] = {}
        servers = self
        for i in range(HOSTS):
            host = f"127.0.0.{2 + i}"

            class Handler(BaseHTTPRequestHandler):
                protocol_version = "HTTP/1.1"

                def log_message(self, format: str, *args: object) -> None:
                    pass

                def do_GET(self) -> None:
                    key = (self.server.server_address[0], self.path)
                    body = servers.corpus.docs.get(key)  # type: ignore[arg-type]
                    if body is None:
                        self.send_response(404)
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
                    if self.headers.get("If-None-Match") == etag:
                        self.send_response(304)
                        self.send_header("ETag", etag)
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    with servers.bodies.get_lock():
                        servers.bodies.value += 1
                    ctype = "application/rss+xml" if self.path.endswith(".xml") else "text/html"
                    self.send_response(200)
                    self.send_header("Content-Type", ctype)
                    self.send_header("ETag", etag)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)

            httpd = ThreadingHTTPServer((host, 0), Handler)
            httpd.daemon_threads = True
            threading.Thread(target=httpd.serve_forever, daemon=True).start()
            self.httpds[host] = httpd
        self.ports = {h: s.server_address[1] for h, s in self.httpds.items()}

    def url(self, host: str, path: str) -> str:
        return f"http://{host}:{self.ports[host]}{path}"

    def close(self) -> None:
        for s in self.httpds.values():
            s.shutdown()
            s.server_close()


def serve(pages_dir: Path, feeds: int, items: int, conn: Any, bodies: Any) -> None:
    """The corpus server, in its own process so that its memory is not counted."""
    corpus = Corpus(feeds, items, load_pages(pages_dir))
    servers = Servers(corpus, bodies)
    corpus.render_feeds(servers.ports)
    conn.send(
        (
            [servers.url(h, p) for h, p in corpus.feed_urls],
            [servers.url(h, p) for h, p in corpus.page_keys],
        )
    )
    conn.recv()  # until told to stop
    servers.close()


def measure_floors(pages_dir: Path, feeds: int, items: int, workers: int, conn: Any) -> None:
    corpus = Corpus(feeds, items, load_pages(pages_dir))
    conn.send(floors([corpus.docs[k] for k in corpus.page_keys], workers))


class PeakRss:
    """Samples the resident memory of this process and its descendants (but `exclude`)."""

    def __init__(self, exclude: int) -> None:
        self.exclude = exclude
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _tree(self, pid: int) -> list[int]:
        if pid == self.exclude:
            return []
        out = [pid]
        try:
            for tid in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{tid}/children") as fh:
                    for child in fh.read().split():
                        out += self._tree(int(child))
        except OSError:
            pass
        return out

    @staticmethod
    def _rss(pid: int) -> int:
        try:
            with open(f"/proc/{pid}/statm") as fh:
                return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            return 0

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, sum(self._rss(p) for p in self._tree(os.getpid())))
            self._stop.wait(0.05)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _traf(page: bytes) -> int:
    import trafilatura

    return len(trafilatura.extract(page, include_comments=False, fast=True) or "")


def _lxml(page: bytes) -> int:
    import lxml.html

    try:
        return len(lxml.html.fromstring(page))
    except Exception:
        return 0


def floors(pages: list[bytes], workers: int) -> tuple[float, float]:
    """trafilatura alone (project options, same worker count) and lxml's parse alone."""
    with ProcessPoolExecutor(max_workers=max(1, workers)) as pool:
        list(pool.map(_traf, pages[:2]))  # start the workers before timing
        started = time.perf_counter()
        list(pool.map(_traf, pages, chunksize=4))
        traf = time.perf_counter() - started
        list(pool.map(_lxml, pages[:2]))
        started = time.perf_counter()
        list(pool.map(_lxml, pages, chunksize=4))
        lx = time.perf_counter() - started
    return traf, lx


def run(feeds: int, items: int, pages_dir: Path, keep: Path | None = None) -> dict[str, float]:
    ctx = multiprocessing.get_context("fork")
    bodies = ctx.Value("l", 0)
    parent, child = ctx.Pipe()
    server = ctx.Process(target=serve, args=(pages_dir, feeds, items, child, bodies), daemon=True)
    server.start()
    feed_urls, page_urls = parent.recv()
    if keep is not None:  # the database and digests stay there, to rebuild or compare
        keep.mkdir(parents=True, exist_ok=True)
        if any(keep.iterdir()):
            raise SystemExit(f"--keep {keep}: the folder must be empty")
    tmp = keep.resolve() if keep is not None else Path(tempfile.mkdtemp(prefix="monitor-bench-"))
    feed_lines = "".join(
        f'[[feeds]]\nname = "Feed {i}"\nurl = "{u}"\n\n' for i, u in enumerate(feed_urls)
    )
    config = tmp / "monitor.toml"
    config.write_text(
        f"max_items_per_feed = {max(items, 1)}\n"
        f'[storage]\ndatabase = "{tmp / "m.sqlite"}"\n'
        "[http]\nallow_private_networks = true\n"
        '[topic]\nquery = "NOT zzzqqqxxx"   # match everything\n'
        f'[digest]\ndirectory = "{tmp / "digests"}"\n\n' + feed_lines,
        encoding="utf-8",
    )
    settings = load_settings(config, cwd=tmp)
    result: dict[str, float] = {"feeds": feeds, "items": items, "pages": len(page_urls)}
    try:
        # fetch alone: every page once, with the project's client and concurrency
        with HttpClient(settings.http) as client:
            started = time.perf_counter()
            for _ in client.each(lambda u: len(client.get(u).content), page_urls):
                pass
            result["fetch_s"] = time.perf_counter() - started
        fparent, fchild = ctx.Pipe()
        worker = ctx.Process(
            target=measure_floors,
            args=(pages_dir, feeds, items, settings.extract.workers, fchild),
        )
        worker.start()
        result["trafilatura_floor_s"], result["lxml_floor_s"] = fparent.recv()
        worker.join()
        cpu0 = resource.getrusage(resource.RUSAGE_SELF)
        with (
            PeakRss(exclude=server.pid or -1) as rss,
            timing.collect() as t,
            Store.open(settings.database) as store,
        ):
            clock = lambda: WINDOW_END + timedelta(hours=3)  # noqa: E731
            started = time.perf_counter()
            with HttpClient(settings.http) as client:
                report = poll(settings, store, client, clock)
            build_digest(settings, store, DAY, clock)
            result["total_s"] = time.perf_counter() - started
            bodies_before = bodies.value
            started = time.perf_counter()
            with HttpClient(settings.http) as client:
                poll(settings, store, client, clock)
            result["repoll_s"] = time.perf_counter() - started
            result["repoll_bodies"] = bodies.value - bodies_before
        cpu1 = resource.getrusage(resource.RUSAGE_SELF)
        result.update(
            {
                "poll_s": t.get("poll", 0.0),
                "extract_s": t.get("extract", 0.0),
                "dedupe_s": t.get("dedupe", 0.0),
                "cluster_s": t.get("cluster", 0.0),
                "store_s": t.get("store", 0.0),
                "summarize_s": t.get("summarize", 0.0),
                "compose_s": t.get("compose", 0.0) - t.get("summarize", 0.0),
                "render_s": t.get("render", 0.0),
                "site_s": t.get("site", 0.0),
                "peak_rss_mb": rss.peak / 2**20,
                "cpu_main_s": cpu1.ru_utime + cpu1.ru_stime - cpu0.ru_utime - cpu0.ru_stime,
                "articles": report.new_articles,
                "duplicates": report.duplicates,
                "stories": len(report.stories),
            }
        )
    finally:
        parent.send("stop")
        server.join(10)
        if keep is None:
            shutil.rmtree(tmp, ignore_errors=True)  # the run's database and digests
    return result


ORDER = [
    "poll_s",
    "fetch_s",
    "extract_s",
    "dedupe_s",
    "cluster_s",
    "store_s",
    "summarize_s",
    "compose_s",
    "render_s",
    "site_s",
    "total_s",
    "trafilatura_floor_s",
    "lxml_floor_s",
    "repoll_s",
    "repoll_bodies",
    "peak_rss_mb",
    "cpu_main_s",
    "pages",
    "articles",
    "duplicates",
    "stories",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--items", type=int, default=8, help="items per feed")
    parser.add_argument("--pages", type=Path, default=None, help="folder of *.html[.gz] pages")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs to make; the median run is reported"
    )
    parser.add_argument(
        "--keep",
        type=Path,
        default=None,
        help="an empty folder to keep the run's configuration, database and digests in",
    )
    args = parser.parse_args()
    if args.keep is not None and args.repeat > 1:
        parser.error("--keep keeps one run: use it without --repeat")
    runs = []
    for _ in range(max(1, args.repeat)):
        one = run(args.feeds, args.items, args.pages or default_pages(), args.keep)
        one["ratio"] = one["total_s"] / (one["trafilatura_floor_s"] + one["fetch_s"])
        runs.append(one)
    result = median_of(runs)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"monitor benchmark: {args.feeds} feeds x {args.items} items")
    for key in ORDER:
        value = result.get(key)
        if value is not None:
            print(
                f"  {key:22} {value:10.3f}"
                if isinstance(value, float)
                else f"  {key:22} {value:>10}"
            )
    print(f"  total / (trafilatura floor + fetch) = {result['ratio']:.2f}", end="")
    if len(runs) > 1:
        each = ", ".join(f"{r['ratio']:.2f}" for r in runs)
        print(f" (median of {len(runs)}: {each})")
    else:
        print()


def median_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the median ratio (all its figures, so they add up), and every run's
    key figures under "runs"."""
    if len(runs) == 1:
        return runs[0]
    ordered = sorted(runs, key=lambda r: r["ratio"])
    out = dict(ordered[(len(ordered) - 1) // 2])
    out["runs"] = [
        {k: r[k] for k in ("total_s", "trafilatura_floor_s", "fetch_s", "ratio")} for r in runs
    ]
    return out


if __name__ == "__main__":
    main()
