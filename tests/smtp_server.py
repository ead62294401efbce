"""A real SMTP server on 127.0.0.1 (aiosmtpd) whose behaviour a test can choose."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import Message
from typing import Any


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Behaviour:
    refuse: set[str] = field(default_factory=set)  # recipients answered with 550
    drop_after: int | None = None  # close the connection after this many messages
    delay: float = 0.0  # seconds before accepting each message (a slow server)
    logins: dict[str, str] | None = None  # user -> password: offer AUTH and check them
    received: list[tuple[list[str], Message]] = field(default_factory=list)


class Handler:
    def __init__(self, behaviour: Behaviour) -> None:
        self.b = behaviour

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if address in self.b.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.b.delay:
            import asyncio

            await asyncio.sleep(self.b.delay)
        if self.b.drop_after is not None and len(self.b.received) >= self.b.drop_after:
            server.transport.close()
            return "421 closing"
        msg = message_from_bytes(envelope.content, policy=policy.default)
        self.b.received.append((list(envelope.rcpt_tos), msg))
        return "250 Message accepted"


@contextmanager
def smtp_server(behaviour: Behaviour) -> Iterator[int]:
    from aiosmtpd.controller import Controller

    port = free_port()
    extra: dict[str, Any] = {}
    if behaviour.logins is not None:
        from aiosmtpd.smtp import AuthResult, LoginPassword

        logins = behaviour.logins

        def authenticate(
            server: Any, session: Any, envelope: Any, mechanism: str, data: Any
        ) -> AuthResult:
            ok = isinstance(data, LoginPassword) and logins.get(
                data.login.decode("utf-8", "replace")
            ) == data.password.decode("utf-8", "replace")
            return AuthResult(success=ok)

        # Plain-text AUTH on loopback: the test server has no certificate.
        extra = {"authenticator": authenticate, "auth_require_tls": False}
    controller = Controller(Handler(behaviour), hostname="127.0.0.1", port=port, **extra)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()
