"""Single configuration values: durations, times of day, names and addresses.

Used by the loader, and by feed administration for what it writes into the file.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import time

from monitor.config.settings import MAX_URL_LENGTH
from monitor.links import link_problem

_DURATION = re.compile(r"^\s*(\d{1,9})\s*([smhd])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> int:
    """'30m' -> 1800. Units: s, m, h, d."""
    m = _DURATION.match(text)
    if not m or int(m.group(1)) <= 0:
        raise ValueError(
            f"expected a positive duration such as '30m' or '2h', got {shorten(text)!r}"
        )
    return int(m.group(1)) * _UNITS[m.group(2)]


def parse_clock(text: str) -> time:
    m = re.fullmatch(r"(\d{1,2}):(\d{2})(?::(\d{2}))?", text.strip())
    if not m:
        raise ValueError(f"expected HH:MM or HH:MM:SS, got {text!r}")
    h, mi, s = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
    if h > 23 or mi > 59 or s > 59:
        raise ValueError(f"not a time of day: {text!r}")
    return time(h, mi, s)


def _bad_char(c: str) -> bool:
    """A control character (C0, DEL, C1), or a character XML cannot carry (U+FFFE, U+FFFF):
    either would corrupt the HTML, Markdown, e-mail or OPML a name ends up in."""
    return unicodedata.category(c) == "Cc" or c in "\ufffe\uffff"


def text_problem(value: str) -> str | None:
    """Why `value` cannot be a name shown in digests, mails and OPML, or None."""
    for i, c in enumerate(value):
        if _bad_char(c):
            return f"must not contain control characters (U+{ord(c):04X} at position {i + 1})"
    return None


def clean_text(value: str) -> str:
    """`value` with control characters replaced and runs of white space made one space."""
    return " ".join("".join(" " if _bad_char(c) else c for c in value).split())


def shorten(value: str, limit: int = 80) -> str:
    """`value` cut to `limit` characters for a message."""
    return value if len(value) <= limit else value[:limit] + "…"


def url_problem(url: str) -> str | None:
    """Why `url` cannot be fetched or linked to, or None (the checks applied to feed links,
    with a tighter length limit)."""
    if len(url) > MAX_URL_LENGTH:
        return f"longer than {MAX_URL_LENGTH} characters ({len(url)})"
    return link_problem(url) or None
