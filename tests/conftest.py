from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from monitor.replay import ReplayServer

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
TEMPLATE_ATTRS = {"lang", "charset", "http-equiv", "content", "name", "id", "href", "rel", "class"}


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
