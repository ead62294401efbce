from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from monitor.tools.replay import ReplayServer

DATA = Path(__file__).parent / "data"
REPLAY = DATA / "replay"

# Everything the HTML digest template can emit: feed text must never add to these.
TEMPLATE_TAGS = {
    "html",
    "head",
    "meta",
    "title",
    "style",
    "body",
    "h1",
    "h2",
    "p",
    "ol",
    "li",
    "a",
    "table",
    "tr",
    "th",
    "td",
    "ul",
    "strong",
    "span",
    "blockquote",
}
# "title": an "Also covered by" link shows the article's headline on hover
TEMPLATE_ATTRS = set("lang charset http-equiv content name id href rel class title".split())


@pytest.fixture()
def replay() -> Iterator[ReplayServer]:
    with ReplayServer(REPLAY) as server:
        yield server


@contextmanager
def http_server(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 running `handler`; yields its base URL."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def write_config(tmp_path: Path, body: str) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "monitor.toml"
    path.write_text(body, encoding="utf-8")
    return path


def local_config(tmp_path: Path, feeds: str = "", *, digest: str = "", workers: int = 2) -> Path:
    """A configuration that polls servers on 127.0.0.1, its database and digests in
    `tmp_path`; `feeds` holds the [[feeds]] tables, `digest` more [digest] keys, `workers`
    the extraction worker processes (0: in the test's own process)."""
    return write_config(
        tmp_path,
        f"""
[storage]
database = "{tmp_path / "m.sqlite"}"
[http]
allow_private_networks = true
timeout_seconds = 5
[extract]
workers = {workers}
[digest]
directory = "{tmp_path / "digests"}"
{digest}
{feeds}""",
    )


@pytest.fixture(scope="session")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real archive: the replayed feeds polled once, digests built for 17 and 18 Feb 2026.

    Returns the config file; the digests are in `digests/` beside it. Shared by the archive
    and browser tests (read-only: tests that change it make their own copy).
    """
    from click.testing import CliRunner

    from monitor.cli import cli
    from monitor.tools.replay import write_replay_config

    folder = tmp_path_factory.mktemp("archive")
    with ReplayServer(REPLAY) as server:
        config = write_replay_config(REPLAY, server, folder)
        for args in (
            ["poll"],
            ["digest", "--date", "2026-02-17"],
            ["digest", "--date", "2026-02-18"],
        ):
            result = CliRunner().invoke(cli, ["--config", str(config), *args])
            assert result.exit_code == 0, result.output
    return config
