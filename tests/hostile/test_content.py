"""Pages that are not HTML (a PDF, an image) are not extracted: the feed's text is used."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from monitor.config import load_settings
from monitor.ingest.fetch import HttpClient
from monitor.pipeline import poll
from monitor.store import Store

from ..conftest import http_server, write_config


class Server(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        base = f"http://127.0.0.1:{self.server.server_address[1]}"
        if self.path == "/feed.xml":
            body = (
                '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
                f"<item><title>Ukraine peace talks: the full draft</title><link>{base}/draft.pdf"
                "</link><description>Negotiators in Geneva published the draft of the peace "
                "plan discussed by Ukraine and Russia.</description>"
                "<pubDate>Tue, 17 Feb 2026 10:00:00 GMT</pubDate></item></channel></rss>"
            ).encode()
            ctype = "application/rss+xml"
        else:
            body = b"%PDF-1.7\n" + b"0" * 50_000
            ctype = "application/pdf"
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture()
def server() -> Iterator[str]:
    with http_server(Server) as base:
        yield base + ""


def test_pdf_linked_from_a_feed_is_not_extracted(tmp_path: Path, server: str) -> None:
    cfg = write_config(
        tmp_path,
        f'[storage]\ndatabase = "{tmp_path / "m.sqlite"}"\n[http]\nallow_private_networks = true\n'
        f'[[feeds]]\nname = "PDFs"\nurl = "{server}/feed.xml"\n',
    )
    settings = load_settings(cfg, cwd=tmp_path)
    now = datetime(2026, 2, 18, 6, tzinfo=UTC)
    with Store.open(settings.database) as store, HttpClient(settings.http) as client:
        report = poll(settings, store, client, lambda: now)
        assert report.new_articles == 1 and report.feed_fallbacks == 1
        (article,) = store.articles_between(now - timedelta(days=2), now)
        assert article.text_origin == "feed" and article.text.startswith("Negotiators in Geneva")
        row = store.db.execute("SELECT fetch_note FROM articles").fetchone()
        assert "not an HTML page (application/pdf)" in row[0]
