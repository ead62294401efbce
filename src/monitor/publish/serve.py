"""`monitor serve`: the archive site on 127.0.0.1, read-only, for local reading."""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from monitor.publish.render import SITE_CSP

HEADERS = {
    # The pages carry the same policy in a <meta> element; a header can also forbid framing.
    "Content-Security-Policy": SITE_CSP + "; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


class ArchiveHandler(SimpleHTTPRequestHandler):
    """Files of the archive folder only: no directory listings, no hidden files, GET/HEAD."""

    extensions_map = {  # noqa: RUF012 - the base class declares it so
        **SimpleHTTPRequestHandler.extensions_map,
        ".html": "text/html; charset=utf-8",
        ".md": "text/markdown; charset=utf-8",
        ".json": "application/json; charset=utf-8",
        ".js": "text/javascript; charset=utf-8",
        ".xml": "application/atom+xml; charset=utf-8",
    }

    def send_head(self) -> Any:
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        if any(part.startswith(".") for part in path.split("/") if part):
            self.send_error(404, "Not found")
            return None
        return super().send_head()

    def list_directory(self, path: Any) -> Any:
        self.send_error(404, "Not found")
        return None

    def end_headers(self) -> None:
        for name, value in HEADERS.items():
            self.send_header(name, value)
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        log = getattr(self.server, "log", None)
        if log is not None:
            log(format % args)


class ArchiveServer:
    """The site served from `directory` on `host`:`port` (0: any free port)."""

    def __init__(
        self,
        directory: Path,
        host: str = "127.0.0.1",
        port: int = 0,
        log: Callable[[str], None] | None = None,
    ) -> None:
        handler = partial(ArchiveHandler, directory=str(directory))
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self.httpd.log = log  # type: ignore[attr-defined]
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}/"

    def serve_forever(self) -> None:
        self.httpd.serve_forever()

    def start(self) -> ArchiveServer:
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> ArchiveServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()
