"""Delivering digests: e-mail over SMTP and webhooks, through an outbox in the database.

    build digest ──► enqueue (one row per digest × channel × recipient; never twice)
                 ──► deliver due rows ──► sent (marked only after the server accepted it)
                                      └─► failed attempt: retried later with back-off,
                                          given up after `max_attempts` (shown in status)

A crash between a send and its mark means that one message is sent again on restart; it
carries the same Message-ID, so mail systems and clients recognise the repeat.
"""

from __future__ import annotations

import hashlib
import logging
import smtplib
import ssl
from collections.abc import Callable
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from monitor.config import EmailConfig, Settings
from monitor.errors import FetchError, MonitorError
from monitor.ingest.fetch import post_json
from monitor.models import Delivery, DeliveryReport, RenderedBodies
from monitor.store import Store

log = logging.getLogger("monitor")

BACKOFF_START = timedelta(minutes=5)
BACKOFF_CAP = timedelta(hours=6)


def message_id(day: date, recipient: str, sender: str) -> str:
    """Stable per (digest, recipient): a resend after a crash is recognisably the same."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "monitor.invalid"
    token = hashlib.sha256(f"{day.isoformat()}\n{recipient}".encode()).hexdigest()[:20]
    return f"<digest-{day.isoformat()}-{token}@{domain}>"


def enqueue(settings: Settings, store: Store, day: date, now: datetime) -> int:
    """Outbox rows for every configured channel and recipient of the digest of `day`."""
    items: list[tuple[str, str, str]] = []
    email = settings.delivery.email
    if email:
        items += [("email", rcpt, message_id(day, rcpt, email.sender)) for rcpt in email.to]
    hook = settings.delivery.webhook
    if hook:
        items += [("webhook", url, f"{day.isoformat()}:{url}") for url in hook.urls]
    return store.enqueue_deliveries(day, items, now) if items else 0


def header_safe(text: str) -> str:
    """No CR/LF (header injection) and no runs of whitespace in a header value."""
    return " ".join(text.replace("\r", " ").replace("\n", " ").split())


def build_email(
    config: EmailConfig, bodies: RenderedBodies, recipient: str, msgid: str, now: datetime
) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = header_safe(bodies.title)
    msg["From"] = header_safe(config.sender)
    msg["To"] = header_safe(recipient)
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = msgid
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(bodies.text)
    msg.add_alternative(bodies.html, subtype="html")
    return msg


def _backoff(attempts: int) -> timedelta:
    return min(BACKOFF_START * (1 << min(max(0, attempts - 1), 16)), BACKOFF_CAP)


def _connect(config: EmailConfig) -> smtplib.SMTP:
    timeout = config.timeout_seconds
    server: smtplib.SMTP
    if config.security == "ssl":
        server = smtplib.SMTP_SSL(
            config.host, config.port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        server = smtplib.SMTP(config.host, config.port, timeout=timeout)
        if config.security == "starttls":
            server.starttls(context=ssl.create_default_context())
    if config.username:
        password = config.password()
        if password is None:
            server.close()
            raise MonitorError(
                f"the SMTP password environment variable {config.password_env} is not set"
            )
        try:
            server.login(config.username, password)
        except UnicodeError:  # smtplib sends the credentials as ASCII only
            server.close()
            raise MonitorError(
                f"the SMTP password in {config.password_env} has characters other than ASCII, "
                "which SMTP login cannot send"
            ) from None
    return server


def deliver_pending(
    settings: Settings, store: Store, clock: Callable[[], datetime], day: date | None = None
) -> DeliveryReport:
    """Send every due outbox row; record each outcome as it happens."""
    due = store.due_deliveries(clock(), day)
    sent = failed = 0
    bodies: dict[date, RenderedBodies | None] = {}

    def body(d: date) -> RenderedBodies | None:
        if d not in bodies:
            bodies[d] = store.digest_bodies(d)
        return bodies[d]

    def fail(item: Delivery, error: str) -> None:
        nonlocal failed
        failed += 1
        give_up = item.attempts + 1 >= settings.delivery.max_attempts
        store.mark_delivery_failed(item.id, error, clock() + _backoff(item.attempts + 1), give_up)
        log.warning(
            "delivery of %s to %s failed (attempt %d%s): %s",
            item.digest_date,
            item.recipient,
            item.attempts + 1,
            ", giving up" if give_up else "",
            error,
        )

    emails = [d for d in due if d.channel == "email"]
    hooks = [d for d in due if d.channel == "webhook"]
    email_cfg = settings.delivery.email
    if emails and email_cfg is None:
        for item in emails:
            fail(item, "e-mail delivery is no longer configured")
        emails = []
    if emails and email_cfg is not None:
        server: smtplib.SMTP | None = None
        try:
            server = _connect(email_cfg)
        except (OSError, smtplib.SMTPException, MonitorError) as exc:
            for item in emails:
                fail(item, f"cannot reach SMTP server {email_cfg.host}:{email_cfg.port}: {exc}")
            emails = []
        for n, item in enumerate(emails):
            content = body(item.digest_date)
            if content is None or server is None:
                fail(item, "the digest has no stored body (rebuild it)")
                continue
            msg = build_email(email_cfg, content, item.recipient, item.message_id, clock())
            try:
                refused = server.send_message(
                    msg, from_addr=parseaddr(email_cfg.sender)[1], to_addrs=[item.recipient]
                )
            except smtplib.SMTPRecipientsRefused as exc:
                fail(item, f"recipient refused: {exc.recipients}")
                continue
            except smtplib.SMTPResponseException as exc:
                fail(item, f"SMTP {exc.smtp_code}: {exc.smtp_error!r}")
                continue
            except (OSError, smtplib.SMTPException) as exc:
                # the connection is gone: this and every later message wait for the next cycle
                for rest in emails[n:]:
                    fail(rest, f"SMTP connection lost: {exc}")
                server = None
                break
            if refused:
                fail(item, f"recipient refused: {refused}")
                continue
            store.mark_delivered(item.id, clock())
            sent += 1
        if server is not None:
            try:
                server.quit()
            except (OSError, smtplib.SMTPException):
                server.close()
    for item in hooks:
        content = body(item.digest_date)
        hook_cfg = settings.delivery.webhook
        if content is None or hook_cfg is None:
            fail(item, "no stored body or webhook no longer configured")
            continue
        try:
            post_json(
                item.recipient,
                content.json.encode("utf-8"),
                hook_cfg.timeout_seconds,
                settings.http.user_agent,
            )
        except FetchError as exc:
            fail(item, str(exc))
            continue
        store.mark_delivered(item.id, clock())
        sent += 1
    waiting = sum(1 for d in store.deliveries(day) if d.status == "pending")
    if due:
        log.info("delivery: %d sent, %d failed attempts, %d waiting", sent, failed, waiting)
    return DeliveryReport(sent=sent, failed=failed, waiting=waiting)
