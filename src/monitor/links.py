"""Links from feeds and pages are untrusted: each is checked where it enters.

A link that could not be fetched, canonicalised or cited (a port out of range, a host that
is not a valid internationalised name, 70,000 characters, a space or a control character
inside) is rejected with a reason the user can read in `monitor status`, instead of
failing later in a stage that expects a sound URL.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

MAX_URL_LENGTH = 8192  # far above real article links; httpx refuses 65,536
_BAD_CHARS = re.compile(r"[\x00-\x20\x7f-\x9f]")
_LABEL = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")


def clean_link(value: str) -> tuple[str, str]:
    """The link as it will be stored, and why it is unusable ("" when it is usable).

    Surrounding white space is dropped and a space inside is percent-encoded, as browsers
    do; anything else wrong rejects the link.
    """
    url = value.strip().replace(" ", "%20")
    return url, link_problem(url)


def link_problem(url: str) -> str:
    """Why `url` is not a usable http(s) link, or "" when it is."""
    if len(url) > MAX_URL_LENGTH:
        return f"longer than {MAX_URL_LENGTH} characters ({len(url)})"
    bad = _BAD_CHARS.search(url)
    if bad:
        return f"must not contain spaces or control characters (found {bad.group(0)!r})"
    try:
        parts = urlsplit(url)
        port = parts.port  # raises for a port that is not a number in 0-65535
    except ValueError as exc:
        return f"not a valid URL ({exc})".replace("Port", "port")
    if parts.scheme.lower() not in ("http", "https"):
        return f"not an http(s) URL (scheme {parts.scheme!r})" if parts.scheme else "not a URL"
    host = parts.hostname or ""
    if not host:
        return "not an http(s) URL (no host)"
    if port == 0:
        return "not a valid URL (port 0)"
    return host_problem(host)


def host_problem(host: str) -> str:
    """Why `host` (as urlsplit gives it: lower case, no brackets) is not a valid host."""
    if ":" in host:  # an IPv6 literal
        import ipaddress

        try:
            ipaddress.IPv6Address(host.split("%")[0])
        except ValueError:
            return f"not a valid URL: invalid host {host!r}: not an IPv6 address"
        return ""
    try:
        ascii_host = host.encode("ascii").decode()
    except UnicodeEncodeError:
        import idna  # httpx's own dependency: the same rules it applies

        try:
            ascii_host = idna.encode(host, uts46=True).decode("ascii")
        except (idna.IDNAError, UnicodeError, ValueError) as exc:
            return f"not a valid URL: invalid host {host!r}: {exc}"
    name = ascii_host.rstrip(".")
    if not name or len(name) > 253:
        return f"not a valid URL: invalid host {host!r}: empty or longer than 253 characters"
    for label in name.split("."):
        if not _LABEL.match(label):
            return f"not a valid URL: invalid host {host!r}: bad label {label[:70]!r}"
        if label.startswith("xn--"):
            import idna

            try:
                idna.decode(label)
            except (idna.IDNAError, UnicodeError, ValueError) as exc:
                return f"not a valid URL: invalid host {host!r}: {exc}"
    return ""
