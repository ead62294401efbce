"""Where a request may go: the address checks of the HTTP client (fetch.py).

Only http(s) URLs, and unless the configuration allows private networks, only hosts whose
every address is public: checked before a request (`check_destination`) and again on the
address actually connected to (the guarded httpcore backend), so that DNS rebinding cannot
slip through. In a replay, requests for internet addresses go to the local replay server
(`replay_address`).
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any
from urllib.parse import urlsplit

from monitor.errors import BlockedAddressError, FetchError

_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_6TO4 = ipaddress.ip_network("2002::/16")
_CGNAT = ipaddress.ip_network("100.64.0.0/10")


def is_public_address(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """True for globally routable unicast addresses only."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded: ipaddress.IPv4Address | None = ip.ipv4_mapped
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is None and ip in _6TO4:
            embedded = ipaddress.IPv4Address((int(ip) >> 80) & 0xFFFFFFFF)
        if embedded is not None:
            return is_public_address(embedded)
    if ip.is_multicast or ip.is_unspecified or ip.is_loopback or ip.is_link_local:
        return False
    if isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT:
        return False
    return bool(ip.is_global)


def check_destination(url: str, allow_private: bool) -> None:
    """Refuse non-http(s) URLs and, unless allowed, hosts resolving to non-public addresses."""
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError when not a number or too big
    except ValueError as exc:
        raise FetchError(url, f"not a valid URL: {exc}") from None
    if parts.scheme not in ("http", "https"):
        raise FetchError(url, f"refused scheme {parts.scheme!r}: only http and https")
    host = parts.hostname
    if not host:
        raise FetchError(url, "URL has no host")
    if allow_private:
        return
    try:
        infos = socket.getaddrinfo(
            host, port or (443 if parts.scheme == "https" else 80), type=socket.SOCK_STREAM
        )
    except (socket.gaierror, UnicodeError, ValueError) as exc:
        raise FetchError(url, f"cannot resolve host {host!r}: {exc}") from exc
    for info in infos:
        addr = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if not is_public_address(addr):
            raise BlockedAddressError(
                url,
                f"refused: {host} resolves to non-public address {addr} "
                "(set http.allow_private_networks = true to allow)",
            )


def _is_loopback_host(host: str) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def replay_address(url: str, server: str) -> str:
    """Where a request for `url` goes in a replay: `<server>/page/<host><path>?<query>`, the
    replay server's route for captured addresses (replay.py). Loopback addresses, such as
    the server's own feeds, are fetched as they are."""
    parts = urlsplit(url)
    if _is_loopback_host(parts.hostname or ""):
        return url
    netloc = parts.netloc.rpartition("@")[2]  # never pass credentials along
    query = f"?{parts.query}" if parts.query else ""
    return f"{server}/page/{netloc}{parts.path or '/'}{query}"


# How the guarded backend's refusals begin: the client tells them from other connection
# errors by it (a BlockedAddressError, not a network error).
REFUSED = "refused:"


def guarded_backend(allow_private: bool) -> Any:
    """An httpcore network backend that checks the address it actually connects to.

    The host is resolved here, every address is vetted, and the connection is made to a
    vetted address, so a name that resolves differently a moment later (DNS rebinding)
    cannot slip through. TLS still verifies and sends the original host name.
    """
    import httpcore

    class GuardedBackend(httpcore.SyncBackend):
        def connect_tcp(
            self,
            host: str,
            port: int,
            timeout: float | None = None,
            local_address: str | None = None,
            socket_options: Any = None,
        ) -> Any:
            if allow_private:
                return super().connect_tcp(host, port, timeout, local_address, socket_options)
            try:
                infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            except (socket.gaierror, UnicodeError) as exc:
                raise httpcore.ConnectError(f"cannot resolve {host!r}: {exc}") from exc
            addresses = [str(info[4][0]).split("%")[0] for info in infos]
            for addr in addresses:
                if not is_public_address(ipaddress.ip_address(addr)):
                    raise httpcore.ConnectError(
                        f"{REFUSED} {host} resolves to non-public address {addr}"
                    )
            error: Exception | None = None
            for addr in dict.fromkeys(addresses):
                try:
                    return super().connect_tcp(addr, port, timeout, local_address, socket_options)
                except httpcore.ConnectError as exc:
                    error = exc
            raise error or httpcore.ConnectError(f"no address for {host!r}")

    return GuardedBackend()
