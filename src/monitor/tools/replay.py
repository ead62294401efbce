"""A small HTTP server on 127.0.0.1 that replays captured feeds and pages.

Used by `monitor demo` and by the tests so that the real HTTP path runs without the
internet. A replay folder holds `feeds/*.xml` (real captures, served unchanged at
`/feeds/<file>`), optionally `feeds.json` naming each feed (and giving the publisher's feed
address as `url`), and optionally `pages/` with `index.json` mapping an article URL to an
HTML file. A configuration with `[http] replay_server` sends every request for an internet
address here as `/page/<host><path>` (guard.replay_address), so links keep the publishers'
addresses; an address with no capture answers 404, and the pipeline falls back to the
feed's own text, as it does when a publisher is unreachable.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote


class ReplayServer:
    def __init__(
        self, folder: Path, host: str = "127.0.0.1", port: int = 0, delay: float = 0.0
    ) -> None:
        self.folder = folder
        self.delay = delay  # seconds before each answer (slow publishers, crash tests)
        index = folder / "pages" / "index.json"
        self.pages: dict[str, str] = (
            json.loads(index.read_text(encoding="utf-8")) if index.exists() else {}
        )
        names = folder / "feeds.json"
        self.meta: dict[str, dict[str, str]] = (
            json.loads(names.read_text(encoding="utf-8")) if names.exists() else {}
        )
        # The feeds' own addresses, where feeds.json gives them: polled like the real thing.
        self.feeds_by_url = {m["url"]: f for f, m in self.meta.items() if m.get("url")}
        self.requests: list[str] = []
        handler = self._handler()
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self.base = f"http://{host}:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def feed_url(self, name: str) -> str:
        """The address to poll the capture `name` at: the publisher's, else this server's."""
        return self.meta.get(name, {}).get("url") or f"{self.base}/feeds/{name}"

    def feed_names(self) -> list[str]:
        return sorted(
            p.name for p in (self.folder / "feeds").iterdir() if p.is_file() and p.suffix == ".xml"
        )

    def __enter__(self) -> ReplayServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:  # quiet
                pass

            def _send(self, status: int, body: bytes, ctype: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                server.requests.append(self.path)
                if server.delay:
                    time.sleep(server.delay)
                if self.path.startswith("/feeds/"):
                    name = unquote(self.path[len("/feeds/") :])
                    path = server.folder / "feeds" / name
                    if "/" in name or not path.is_file():
                        return self._send(404, b"no such feed", "text/plain")
                    return self._send(200, path.read_bytes(), "application/xml")
                if self.path.startswith("/page/"):
                    original = "https://" + self.path[len("/page/") :]
                    for candidate in (original, original.replace("https://", "http://", 1)):
                        page_name = server.pages.get(candidate)
                        if page_name:
                            page = server.folder / "pages" / page_name
                            return self._send(200, page.read_bytes(), "text/html; charset=utf-8")
                        feed_name = server.feeds_by_url.get(candidate)
                        if feed_name:
                            feed = server.folder / "feeds" / feed_name
                            return self._send(200, feed.read_bytes(), "application/xml")
                    return self._send(404, b"page not captured", "text/plain")
                return self._send(404, b"not found", "text/plain")

        return Handler


def write_replay_config(
    folder: Path, server: ReplayServer, out: Path, topic_query: str | None = None
) -> Path:
    """A configuration that polls every feed of the replay folder through `server`.

    Every request goes to the replay server, which answers for the publishers' addresses,
    so the stored links and the digest's are the publishers' own."""
    names = server.meta
    lines = [
        "[storage]",
        f'database = "{(out / "monitor.sqlite").as_posix()}"',
        "",
        "[http]",
        "allow_private_networks = true   # the replay server is on 127.0.0.1",
        f'replay_server = "{server.base}"   # answers for the publishers\' addresses',
        "timeout_seconds = 10",
        "",
        "[digest]",
        f'directory = "{(out / "digests").as_posix()}"',
        "",
    ]
    if topic_query:
        lines += ["[topic]", f"query = {json.dumps(topic_query)}", ""]
    for name in server.feed_names():
        meta = names.get(name, {})
        lines += [
            "[[feeds]]",
            f"name = {json.dumps(meta.get('name', name))}",
            f"url = {json.dumps(server.feed_url(name))}",
        ]
        if meta.get("group"):
            lines.append(f"group = {json.dumps(meta['group'])}")
        lines.append("")
    path = out / "monitor.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> None:
    """`python -m monitor.replay FOLDER [--port N] [--config OUT.toml]`: serve until Ctrl-C."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m monitor.replay", description=main.__doc__)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--delay", type=float, default=0.0, help="seconds before each answer")
    parser.add_argument("--config", type=Path, help="also write a config polling every feed")
    parser.add_argument(
        "--workdir", type=Path, default=Path("."), help="database and digests for --config go here"
    )
    args = parser.parse_args(argv)
    with ReplayServer(args.folder, port=args.port, delay=args.delay) as server:
        if args.config:
            written = write_replay_config(args.folder, server, args.workdir.resolve())
            args.config.write_text(written.read_text(encoding="utf-8"), encoding="utf-8")
        print(f"serving {args.folder} at {server.base}", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
