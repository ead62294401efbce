"""The guarded HTTP client against a real server on 127.0.0.1."""

from __future__ import annotations

import gzip
import ipaddress
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import ClassVar

import pytest

from monitor.config import HttpConfig
from monitor.errors import BlockedAddressError, FetchError
from monitor.ingest.fetch import HttpClient, parse_retry_after
from monitor.ingest.guard import is_public_address

from .conftest import http_server

BODY = b"<rss version='2.0'><channel><title>t</title></channel></rss>"
BOMB = gzip.compress(b"\0" * 5_000_000)


class Handler(BaseHTTPRequestHandler):
    seen: ClassVar[list[str]] = []

    def log_message(self, format: str, *args: object) -> None:
        pass

    def send(self, status: int, body: bytes = b"", **headers: str) -> None:
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k.replace("_", "-"), v)
        if "Content_Length" not in headers:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        Handler.seen.append(self.path)
        p = self.path
        if p == "/feed":
            if self.headers.get("If-None-Match") == '"v1"':
                return self.send(304)
            return self.send(200, BODY, ETag='"v1"', Content_Type="application/rss+xml")
        if p == "/gzip":
            return self.send(200, gzip.compress(BODY), Content_Encoding="gzip")
        if p == "/gzip2":
            return self.send(200, gzip.compress(gzip.compress(BODY)), Content_Encoding="gzip, gzip")
        if p == "/bomb":
            return self.send(200, BOMB, Content_Encoding="gzip")
        if p == "/big":
            return self.send(200, b"x" * 200_000)
        if p == "/liar":
            self.send_response(200)
            self.send_header("Content-Length", "10")
            self.end_headers()
            self.wfile.write(b"y" * 200_000)
            return None
        if p == "/no-length":
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"w" * 200_000)
            self.close_connection = True
            return None
        if p == "/loop":
            return self.send(302, Location="/loop2")
        if p == "/loop2":
            return self.send(302, Location="/loop")
        if p.startswith("/chain/"):
            n = int(p.rsplit("/", 1)[1])
            return self.send(302, Location=f"/chain/{n + 1}")
        if p == "/to-feed":
            return self.send(301, Location="/feed")
        if p == "/busy":
            return self.send(503, b"later", Retry_After="120")
        if p == "/gone":
            return self.send(410, b"gone")
        if p == "/page/news.example.org/moved?x=1":  # a replay server's answer: a redirect
            return self.send(301, Location="/2026/02/talks")
        if p.startswith("/page/"):
            return self.send(200, p.encode(), Content_Type="text/html")
        if p == "/drip":
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            try:
                for _ in range(100):
                    self.wfile.write(b"z")
                    self.wfile.flush()
                    time.sleep(0.1)
            except (BrokenPipeError, ConnectionResetError):
                pass
            return None
        return self.send(404, b"nope")


@pytest.fixture()
def server() -> Iterator[str]:
    with http_server(Handler) as base:
        yield base


def client(**overrides: object) -> HttpClient:
    cfg = HttpConfig(allow_private_networks=True, timeout_seconds=5, max_bytes=100_000)
    return HttpClient(HttpConfig(**{**cfg.__dict__, **overrides}))  # type: ignore[arg-type]


def test_conditional_get(server: str) -> None:
    with client() as c:
        first = c.get(f"{server}/feed")
        assert first.content == BODY and first.etag == '"v1"'
        again = c.get(f"{server}/feed", etag=first.etag)
        assert again.not_modified and again.content == b""


def test_gzip_and_double_gzip_are_decoded(server: str) -> None:
    with client() as c:
        assert c.get(f"{server}/gzip").content == BODY
        assert c.get(f"{server}/gzip2").content == BODY


@pytest.mark.parametrize("path", ["/bomb", "/big", "/no-length"])
def test_decoded_size_cap(server: str, path: str) -> None:
    with client() as c, pytest.raises(FetchError, match="too large"):
        c.get(f"{server}{path}")


def test_a_lying_content_length_reads_no_more_than_declared(server: str) -> None:
    with client() as c:
        assert c.get(f"{server}/liar").content == b"y" * 10


def test_redirects_followed_limited_and_loops_detected(server: str) -> None:
    with client() as c:
        assert c.get(f"{server}/to-feed").content == BODY
        with pytest.raises(FetchError, match="loop"):
            c.get(f"{server}/loop")
        with pytest.raises(FetchError, match="redirects"):
            c.get(f"{server}/chain/0")


def test_http_errors_carry_status_and_retry_after(server: str) -> None:
    with client() as c:
        with pytest.raises(FetchError) as err:
            c.get(f"{server}/busy")
        assert err.value.status == 503 and err.value.retry_after == 120
        with pytest.raises(FetchError) as gone:
            c.get(f"{server}/gone")
        assert gone.value.status == 410


def test_total_deadline_cuts_a_dripping_server(server: str) -> None:
    started = time.monotonic()
    with client(timeout_seconds=1.0) as c, pytest.raises(FetchError, match=r"deadline|timed out"):
        c.get(f"{server}/drip")
    assert time.monotonic() - started < 5


def test_private_addresses_refused_by_default(server: str) -> None:
    port = server.rsplit(":", 1)[1]
    with client(allow_private_networks=False) as c:
        for host in (
            "127.0.0.1",
            "127.1",
            "2130706433",
            "0x7f.1",
            "localhost",
            "[::1]",
            "[::ffff:127.0.0.1]",
            "0.0.0.0",
        ):
            with pytest.raises(BlockedAddressError):
                c.get(f"http://{host}:{port}/feed")
        with pytest.raises(FetchError, match="scheme"):
            c.get("file:///etc/passwd")


def test_public_address_classification() -> None:
    for private in (
        "10.0.0.1",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "224.0.0.1",
        "::1",
        "fe80::1",
        "64:ff9b::7f00:1",
        "2002:7f00:1::",
        "::ffff:10.0.0.1",
        "0.0.0.0",
    ):
        assert not is_public_address(ipaddress.ip_address(private)), private
    for public in ("8.8.8.8", "2606:4700:4700::1111", "64:ff9b::808:808"):
        assert is_public_address(ipaddress.ip_address(public)), public


def test_retry_after_forms() -> None:
    now = 1_000_000.0
    assert parse_retry_after("30", now, 3600) == 30
    assert parse_retry_after("999999", now, 3600) == 3600
    assert parse_retry_after("garbage", now, 3600) is None
    assert parse_retry_after("Mon, 12 Jan 1970 13:46:40 GMT", now, 3600) == 0.0  # in the past
    assert parse_retry_after("Mon, 12 Jan 1970 14:46:40 GMT", now, 7200) == 3600
    assert parse_retry_after(None, now, 3600) is None


def test_address_is_checked_where_the_connection_is_made(
    server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DNS rebinding: the name looks public when first checked, then resolves to loopback.

    Only the resolver is faked; the refusal happens in the connection layer, and the local
    server never sees a request.
    """
    import socket

    port = int(server.rsplit(":", 1)[1])
    real = socket.getaddrinfo
    calls = {"n": 0}

    def rebinding(host: str, *args: object, **kwargs: object) -> list:  # type: ignore[type-arg]
        if host == "rebind.example.org":
            calls["n"] += 1
            ip = "93.184.216.34" if calls["n"] == 1 else "127.0.0.1"
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port))]
        return real(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    before = len(Handler.seen)
    with client(allow_private_networks=False) as c, pytest.raises(BlockedAddressError):
        c.get(f"http://rebind.example.org:{port}/feed")
    assert calls["n"] >= 2
    assert len(Handler.seen) == before


def test_a_replay_server_answers_for_the_publishers_addresses(server: str) -> None:
    """With `replay_server`, requests for internet addresses go to it; the response keeps the
    publisher's address (redirects resolved against it), and loopback addresses are fetched
    as they are."""
    with client(replay_server=server) as c:
        page = c.get("https://news.example.org/2026/02/talks?id=7&at=rss")
        assert page.url == "https://news.example.org/2026/02/talks?id=7&at=rss"
        assert page.content == b"/page/news.example.org/2026/02/talks?id=7&at=rss"
        moved = c.get("http://news.example.org/moved?x=1")
        assert moved.url == "http://news.example.org/2026/02/talks"
        assert moved.content == b"/page/news.example.org/2026/02/talks"
        assert c.get(f"{server}/feed").content == BODY
    # the guards apply where the request really goes: loopback is still refused by default
    with (
        client(replay_server=server, allow_private_networks=False) as c,
        pytest.raises(BlockedAddressError),
    ):
        c.get("https://news.example.org/2026/02/talks")
