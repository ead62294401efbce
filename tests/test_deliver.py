"""Delivery through the outbox: a real SMTP server and a real webhook server on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import ClassVar

import feedparser
import pytest

from monitor.config import Settings, load_settings
from monitor.pipeline import build_digest
from monitor.publish.deliver import deliver_pending, enqueue, header_safe, message_id
from monitor.store import Store

from .conftest import http_server, write_config
from .smtp_server import Behaviour, smtp_server

DAY = date(2026, 2, 18)
T0 = datetime(2026, 2, 18, 6, 0, tzinfo=UTC)
RCPTS = ["a@example.org", "b@example.org", "c@example.org"]


class Hook(BaseHTTPRequestHandler):
    bodies: ClassVar[list[bytes]] = []
    fail = False

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        status = 500 if Hook.fail else 204
        if not Hook.fail:
            Hook.bodies.append(body)
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture()
def hook() -> Iterator[str]:
    Hook.bodies = []
    Hook.fail = False
    with http_server(Hook) as base:
        yield base + "/hook"


def settings_for(tmp_path: Path, port: int, hook_url: str | None = None, **extra: str) -> Settings:
    webhook = f'[delivery.webhook]\nurls = ["{hook_url}"]\n' if hook_url else ""
    cfg = write_config(
        tmp_path,
        f"""
[storage]
database = "{tmp_path / "m.sqlite"}"
[digest]
directory = "{tmp_path / "digests"}"
base_url = "{extra.get("base_url", "")}"
[delivery]
max_attempts = 3
[delivery.email]
host = "127.0.0.1"
port = {port}
security = "none"
from = "Ukraine talks digest <digest@monitor.example.org>"
to = {json.dumps(RCPTS)}
{webhook}""",
    )
    settings = load_settings(cfg, cwd=tmp_path)
    # The configuration refuses control characters in the topic's name; the mail must stay
    # safe all the same.
    injected = "Ukraine peace talks\r\nBcc: victim@example.org"
    return replace(settings, topic=replace(settings.topic, name=injected))


def built(settings: Settings, day: date = DAY) -> Store:
    store = Store.open(settings.database)
    build_digest(settings, store, day, lambda: T0)
    enqueue(settings, store, day, T0)
    return store


def test_one_multipart_message_per_recipient_with_stable_ids(tmp_path: Path) -> None:
    b = Behaviour()
    with smtp_server(b) as port:
        settings = settings_for(tmp_path, port)
        with built(settings) as store:
            report = deliver_pending(settings, store, lambda: T0)
            assert (report.sent, report.failed, report.waiting) == (3, 0, 0)
            # a second run, a rebuild and a re-enqueue send nothing more
            build_digest(settings, store, DAY, lambda: T0)
            enqueue(settings, store, DAY, T0)
            assert deliver_pending(settings, store, lambda: T0).sent == 0
    assert sorted(r[0][0] for r in b.received) == RCPTS
    for rcpts, msg in b.received:
        assert msg["Message-ID"] == message_id(DAY, rcpts[0], "digest@monitor.example.org")
        assert "\r" not in msg["Subject"] and "\n" not in msg["Subject"]
        assert msg["Bcc"] is None and "Bcc" in msg["Subject"]  # the injection stayed text
        assert msg.get_content_type() == "multipart/alternative"
        parts = list(msg.iter_parts())  # type: ignore[attr-defined]
        assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
        assert "SOURCES AND FEED HEALTH" in parts[0].get_content()
        html = parts[1].get_content()
        assert "Content-Security-Policy" in html and "Sources and feed health" in html


def test_refused_recipient_is_retried_with_back_off_then_given_up(tmp_path: Path) -> None:
    b = Behaviour(refuse={"b@example.org"})
    with smtp_server(b) as port:
        settings = settings_for(tmp_path, port)
        with built(settings) as store:
            first = deliver_pending(settings, store, lambda: T0)
            assert (first.sent, first.failed) == (2, 1)
            (pending,) = [d for d in store.deliveries(DAY) if d.status == "pending"]
            assert pending.recipient == "b@example.org" and "550" in (pending.last_error or "")
            assert pending.next_attempt == T0 + timedelta(minutes=5)
            assert deliver_pending(settings, store, lambda: T0).failed == 0  # not due yet
            later = T0 + timedelta(hours=1)
            deliver_pending(settings, store, lambda: later)
            deliver_pending(settings, store, lambda: later + timedelta(hours=7))
            (given_up,) = [d for d in store.deliveries(DAY) if d.recipient == "b@example.org"]
            assert given_up.status == "failed" and given_up.attempts == 3
    assert len(b.received) == 2


def test_connection_dropped_mid_batch_loses_nothing(tmp_path: Path) -> None:
    b = Behaviour(drop_after=1)
    with smtp_server(b) as port:
        settings = settings_for(tmp_path, port)
        with built(settings) as store:
            report = deliver_pending(settings, store, lambda: T0)
            assert report.sent == 1 and report.waiting == 2
            b.drop_after = None
            retry = deliver_pending(settings, store, lambda: T0 + timedelta(minutes=6))
            assert retry.sent == 2 and retry.waiting == 0
    assert sorted(r[0][0] for r in b.received) == RCPTS  # each exactly once


def test_server_down_then_up(tmp_path: Path) -> None:
    from .smtp_server import free_port

    port = free_port()
    settings = settings_for(tmp_path, port)
    with built(settings) as store:
        down = deliver_pending(settings, store, lambda: T0)
        assert down.sent == 0 and down.waiting == 3
        assert all("cannot reach" in (d.last_error or "") for d in store.deliveries(DAY))
        b = Behaviour()
        from aiosmtpd.controller import Controller

        from .smtp_server import Handler

        controller = Controller(Handler(b), hostname="127.0.0.1", port=port)
        controller.start()
        try:
            up = deliver_pending(settings, store, lambda: T0 + timedelta(minutes=6))
        finally:
            controller.stop()
        assert up.sent == 3 and len(b.received) == 3


def test_crash_between_send_and_mark_resends_with_the_same_message_id(tmp_path: Path) -> None:
    b = Behaviour()
    with smtp_server(b) as port:
        settings = settings_for(tmp_path, port)
        with built(settings) as store:
            deliver_pending(settings, store, lambda: T0)
            # As if the process died after the server accepted a@ but before the mark committed.
            store.db.execute(
                "UPDATE deliveries SET status = 'pending', sent_at = NULL "
                "WHERE recipient = 'a@example.org'"
            )
            assert deliver_pending(settings, store, lambda: T0).sent == 1
    ids = [m["Message-ID"] for r, m in b.received if r == ["a@example.org"]]
    assert len(ids) == 2 and ids[0] == ids[1]


def test_webhook_gets_the_digest_json_and_is_retried(tmp_path: Path, hook: str) -> None:
    from .smtp_server import free_port

    settings = settings_for(tmp_path, free_port(), hook)
    Hook.fail = True
    with built(settings) as store:
        deliver_pending(settings, store, lambda: T0)
        (h,) = [d for d in store.deliveries(DAY) if d.channel == "webhook"]
        assert h.status == "pending" and "HTTP 500" in (h.last_error or "")
        Hook.fail = False
        deliver_pending(settings, store, lambda: T0 + timedelta(minutes=6))
        (h,) = [d for d in store.deliveries(DAY) if d.channel == "webhook"]
        assert h.status == "sent"
    (body,) = Hook.bodies
    assert json.loads(body)["date"] == "2026-02-18"


def test_atom_feed_of_digests(tmp_path: Path) -> None:
    from .smtp_server import free_port

    settings = settings_for(tmp_path, free_port())
    with Store.open(settings.database) as store:
        for day in (date(2026, 2, 16), date(2026, 2, 18), date(2026, 2, 17)):
            build_digest(settings, store, day, lambda: T0)
    feed = feedparser.parse((tmp_path / "digests" / "feed.xml").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert [e.link for e in feed.entries] == [
        "2026/02/2026-02-18.html",
        "2026/02/2026-02-17.html",
        "2026/02/2026-02-16.html",
    ]
    ids = [e.id for e in feed.entries]
    with Store.open(settings.database) as store:
        build_digest(settings, store, date(2026, 2, 17), lambda: T0 + timedelta(hours=3))
    again = feedparser.parse((tmp_path / "digests" / "feed.xml").read_bytes())
    assert [e.id for e in again.entries] == ids

    absolute = settings_for(
        tmp_path / "abs", free_port(), base_url="https://digests.example.org/ua"
    )
    with Store.open(absolute.database) as store:
        build_digest(absolute, store, DAY, lambda: T0)
    feed = feedparser.parse((tmp_path / "abs" / "digests" / "feed.xml").read_bytes())
    assert not feed.bozo
    assert feed.entries[0].link == "https://digests.example.org/ua/2026/02/2026-02-18.html"


def test_header_safe() -> None:
    assert header_safe("a\r\nBcc: x@example.org\n b") == "a Bcc: x@example.org b"


@pytest.mark.parametrize(
    ("password", "sent"), [("s3cret", 3), ("pässwörd", 0)], ids=["ascii", "non-ascii"]
)
def test_smtp_login_and_a_password_smtp_cannot_send(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, password: str, sent: int
) -> None:
    b = Behaviour(logins={"digest": password})
    with smtp_server(b) as port:
        settings = settings_for(tmp_path, port)
        assert settings.delivery.email is not None
        email = replace(settings.delivery.email, username="digest", password_env="TEST_SMTP_PW")
        settings = replace(settings, delivery=replace(settings.delivery, email=email))
        monkeypatch.setenv("TEST_SMTP_PW", password)
        with built(settings) as store:
            report = deliver_pending(settings, store, lambda: T0)
            assert report.sent == sent
            if not sent:  # recorded as a failure to retry, not a crash of the run
                assert report.failed == 3
                errors = {d.last_error for d in store.deliveries(DAY)}
                assert all(e and "ASCII" in e for e in errors), errors
    assert len(b.received) == sent
