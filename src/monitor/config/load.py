"""Loading and validating `config/monitor.toml`.

Every problem is collected with its key path, so one run of the command shows all of them.
Unknown keys are errors: a typo must not silently fall back to a default.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import MISSING, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from monitor.config.settings import (
    CONFIG_ENV,
    DEFAULT_CONFIG,
    FORMATS,
    MAX_RETRY_AFTER,
    POLL_EVERY_MAX,
    POLL_EVERY_MIN,
    DeliveryConfig,
    DigestConfig,
    EmailConfig,
    ExtractConfig,
    FeedConfig,
    HttpConfig,
    ScheduleConfig,
    Settings,
    TopicConfig,
    WebhookConfig,
)
from monitor.config.values import parse_clock, parse_duration, shorten, text_problem, url_problem
from monitor.errors import ConfigError, QueryError
from monitor.query import parse_query

_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")  # used with fullmatch


def config_path(explicit: str | os.PathLike[str] | None) -> Path:
    """--config, else $MONITOR_CONFIG, else config/monitor.toml in the working directory."""
    if explicit:
        return Path(explicit)
    env = os.environ.get(CONFIG_ENV)
    if env:
        return Path(env)
    return DEFAULT_CONFIG


def _is_local_http(url: str) -> bool:
    import ipaddress

    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    return parts.scheme == "http" and loopback and parts.path in ("", "/")


_NUMBER = (int, float)  # for seconds: 20 is as good as 20.0
_FIELD: Any = object()  # the default of `_Reader.get`: the dataclass field's default


class _Reader:
    """Walks one TOML table, recording problems instead of stopping at the first.

    The table fills the dataclass `fills`: a key that is missing, or is of the wrong type,
    gets the default of the field of the same name, so each default is written once, there.
    """

    def __init__(self, problems: list[str], prefix: str, table: Any, fills: type[Any]) -> None:
        self.problems = problems
        self.prefix = prefix
        self.seen: set[str] = set()
        if not isinstance(table, dict):
            problems.append(f"{prefix}: expected a table")
            table = {}
        self.table: dict[str, Any] = table
        self.defaults = {f.name: f.default for f in fields(fills) if f.default is not MISSING}

    def key(self, name: str) -> str:
        return f"{self.prefix}.{name}" if self.prefix else name

    def get(self, name: str, kind: type | tuple[type, ...], default: Any = _FIELD) -> Any:
        """The value of key `name` if it is a `kind`, else `default`, which is the field's
        unless given (for keys that are not fields of their own, or are required)."""
        self.seen.add(name)
        if default is _FIELD:
            default = self.defaults[name]
        if name not in self.table:
            return default
        value = self.table[name]
        # bool is an int in Python; a bool where a number is wanted is a mistake.
        bad_bool = isinstance(value, bool) and kind in (int, float, (int, float))
        if not isinstance(value, kind) or bad_bool:
            want = kind.__name__ if isinstance(kind, type) else "number"
            self.problems.append(
                f"{self.key(name)}: expected {want}, got {type(value).__name__} {value!r}"
            )
            return default
        return value

    def check(self, name: str, ok: bool, message: str) -> None:
        if not ok:
            self.problems.append(f"{self.key(name)}: {message}")

    def finish(self) -> None:
        for extra in sorted(set(self.table) - self.seen):
            self.problems.append(f"{self.key(extra)}: unknown key")


def load_settings(path: Path, *, cwd: Path | None = None) -> Settings:
    """Read and validate the configuration; raise ConfigError listing every problem."""
    base = cwd or Path.cwd()
    try:
        # utf-8-sig: a byte-order mark (Windows editors write one) is not part of the TOML.
        raw = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise ConfigError(str(path), ["file not found (use --config or MONITOR_CONFIG)"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(str(path), [f"cannot read: {exc}"]) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), [f"not valid TOML: {exc}"]) from exc
    except RecursionError:  # tomllib recurses once per level of nested arrays and tables
        raise ConfigError(str(path), ["not valid TOML: nested too deeply"]) from None
    problems: list[str] = []
    top = _Reader(problems, "", raw, Settings)

    st = _Reader(problems, "storage", top.get("storage", dict, {}), Settings)
    database = str(st.get("database", str))
    st.check("database", bool(database.strip()), "must name a file")
    st.check("database", "\0" not in database, "must not contain a NUL character")
    st.finish()

    h = _Reader(problems, "http", top.get("http", dict, {}), HttpConfig)
    http = HttpConfig(
        allow_private_networks=h.get("allow_private_networks", bool),
        timeout_seconds=float(h.get("timeout_seconds", _NUMBER)),
        connect_timeout_seconds=float(h.get("connect_timeout_seconds", _NUMBER)),
        max_bytes=h.get("max_bytes", int),
        max_redirects=h.get("max_redirects", int),
        user_agent=h.get("user_agent", str),
        concurrency=h.get("concurrency", int),
        per_host=h.get("per_host", int),
        max_retry_after_seconds=h.get("max_retry_after_seconds", int),
        replay_server=h.get("replay_server", str).rstrip("/"),
    )
    h.check("timeout_seconds", 0 < http.timeout_seconds <= 600, "must be between 0 and 600")
    h.check(
        "connect_timeout_seconds",
        0 < http.connect_timeout_seconds <= 600,
        "must be between 0 and 600",
    )
    h.check(
        "max_bytes", 1024 <= http.max_bytes <= 1_000_000_000, "must be between 1024 and 1000000000"
    )
    h.check("max_redirects", 0 <= http.max_redirects <= 20, "must be between 0 and 20")
    h.check(
        "user_agent",  # an HTTP header: httpx encodes it as ASCII
        bool(http.user_agent.strip()) and all(" " <= c <= "~" for c in http.user_agent),
        "must be one line of printable ASCII",
    )
    h.check("concurrency", 1 <= http.concurrency <= 256, "must be between 1 and 256")
    h.check("per_host", 1 <= http.per_host <= 32, "must be between 1 and 32")
    h.check(
        "max_retry_after_seconds",
        0 <= http.max_retry_after_seconds <= MAX_RETRY_AFTER,
        f"must be between 0 and {MAX_RETRY_AFTER} (7 days)",
    )
    if http.replay_server:
        h.check(
            "replay_server",
            _is_local_http(http.replay_server),
            "must be an http:// address on this machine (127.0.0.1, ::1 or localhost)",
        )
        h.check(
            "replay_server",
            http.allow_private_networks,
            "needs http.allow_private_networks = true (the replay server is on loopback)",
        )
    h.finish()

    t = _Reader(problems, "topic", top.get("topic", dict, {}), TopicConfig)
    topic = TopicConfig(name=t.get("name", str), query=t.get("query", str))
    t.check("name", bool(topic.name.strip()), "must not be empty")
    bad_name = text_problem(topic.name)
    t.check("name", bad_name is None, bad_name or "")
    try:
        parse_query(topic.query)
    except QueryError as exc:
        problems.append(f"topic.query: {exc}")
    t.finish()

    sc = _Reader(problems, "schedule", top.get("schedule", dict, {}), ScheduleConfig)
    poll_every = ScheduleConfig.poll_every_seconds
    raw_every = sc.get("poll_every", str, None)  # a duration, read into poll_every_seconds
    if raw_every is not None:
        try:
            poll_every = parse_duration(raw_every)
        except ValueError as exc:
            problems.append(f"schedule.poll_every: {exc}")
        else:
            sc.check(
                "poll_every",
                POLL_EVERY_MIN <= poll_every <= POLL_EVERY_MAX,
                f"must be between 1m and 7d, got {shorten(raw_every)!r}",
            )
    sc.finish()

    d = _Reader(problems, "digest", top.get("digest", dict, {}), DigestConfig)
    directory = str(d.get("directory", str))
    d.check("directory", "\0" not in directory, "must not contain a NUL character")
    tzname = d.get("timezone", str)
    try:
        ZoneInfo(tzname)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "Europe" is a folder
        problems.append(f"digest.timezone: unknown time zone {shorten(tzname)!r}")
        tzname = "UTC"
    at = DigestConfig.at
    raw_at = d.get("at", str, None)  # "HH:MM", read into a time
    if raw_at is not None:
        try:
            at = parse_clock(raw_at)
        except ValueError as exc:
            problems.append(f"digest.at: {exc}")
    base_url = d.get("base_url", str)
    bad_base = url_problem(base_url) if base_url else None
    d.check(
        "base_url",
        bad_base is None,
        f"{bad_base}: {shorten(base_url)!r} (leave it empty for relative links)",
    )
    formats = d.get("formats", list)
    for f in formats:
        if f not in FORMATS:
            problems.append(f"digest.formats: unknown format {f!r} (known: {', '.join(FORMATS)})")
    d.check("formats", bool(formats), f"must list at least one format ({', '.join(FORMATS)})")
    digest = DigestConfig(
        directory=base / directory,
        timezone=tzname,
        at=at,
        base_url=base_url.rstrip("/") + "/" if base_url else "",
        formats=tuple(dict.fromkeys(f for f in formats if f in FORMATS)),  # once each
        max_stories=d.get("max_stories", int),
        points_per_story=d.get("points_per_story", int),
        site=d.get("site", bool),
    )
    d.check("max_stories", 1 <= digest.max_stories <= 100, "must be between 1 and 100")
    d.check("points_per_story", 1 <= digest.points_per_story <= 20, "must be between 1 and 20")
    d.finish()

    feeds_raw = top.get("feeds", list, [])
    feeds: list[FeedConfig] = []
    seen_urls: set[str] = set()
    for i, item in enumerate(feeds_raw):
        f = _Reader(problems, f"feeds[{i}]", item, FeedConfig)
        url = f.get("url", str, "")  # required: the empty URL is reported as such
        bad_url = url_problem(url)
        f.check("url", bad_url is None, f"{bad_url}: {shorten(url)!r}")
        f.check("url", url not in seen_urls, f"duplicate feed URL {shorten(url)!r}")
        name = f.get("name", str, "")  # required: the empty name is the URL's host name
        group = f.get("group", str)
        for key, value in (("name", name), ("group", group)):
            bad_text = text_problem(value)
            f.check(key, bad_text is None, bad_text or "")
        name = name or (urlsplit(url).hostname if bad_url is None else None) or url
        seen_urls.add(url)
        f.finish()
        feeds.append(FeedConfig(name=name, url=url, group=group))
    delivery = _load_delivery(problems, top.get("delivery", dict, {}))
    x = _Reader(problems, "extract", top.get("extract", dict, {}), ExtractConfig)
    extract = ExtractConfig(
        workers=x.get("workers", int), timeout_seconds=float(x.get("timeout_seconds", _NUMBER))
    )
    x.check("workers", 0 <= extract.workers <= 64, "must be between 0 and 64")
    x.check("timeout_seconds", 0 < extract.timeout_seconds <= 600, "must be between 0 and 600")
    x.finish()
    max_items = top.get("max_items_per_feed", int)
    top.check("max_items_per_feed", 1 <= max_items <= 100_000, "must be between 1 and 100000")
    top.finish()

    if problems:
        raise ConfigError(str(path), problems)
    return Settings(
        path=path,
        database=base / database,
        http=http,
        topic=topic,
        schedule=ScheduleConfig(poll_every_seconds=poll_every),
        digest=digest,
        feeds=tuple(feeds),
        max_items_per_feed=max_items,
        delivery=delivery,
        extract=extract,
    )


_ADDRESS = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")


def _valid_address(value: str) -> bool:
    from email.utils import parseaddr

    if text_problem(value) is not None:  # CR/LF would inject headers; NUL and the rest corrupt
        return False
    return bool(_ADDRESS.match(parseaddr(value)[1]))


def _load_delivery(problems: list[str], raw: Any) -> DeliveryConfig:
    d = _Reader(problems, "delivery", raw, DeliveryConfig)
    email: EmailConfig | None = None
    webhook: WebhookConfig | None = None
    max_attempts = d.get("max_attempts", int)
    d.check("max_attempts", 1 <= max_attempts <= 100, "must be between 1 and 100")
    if "email" in d.table:
        e = _Reader(problems, "delivery.email", d.get("email", dict, {}), EmailConfig)
        security = e.get("security", str)
        port_default = {"ssl": 465, "starttls": 587}.get(security, 25)
        email = EmailConfig(  # host, from and to are required: empty ones are reported
            host=e.get("host", str, ""),
            port=e.get("port", int, port_default),
            security=security,
            username=e.get("username", str),
            password_env=e.get("password_env", str),
            sender=e.get("from", str, ""),
            to=tuple(e.get("to", list, [])),
            timeout_seconds=float(e.get("timeout_seconds", _NUMBER)),
        )
        e.check("host", bool(email.host.strip()), "must name the SMTP server")
        e.check(
            "host",
            not any(c.isspace() for c in email.host) and text_problem(email.host) is None,
            f"must be a host name, got {shorten(email.host)!r}",
        )
        e.check(
            "username",  # smtplib sends the login as ASCII
            all(" " <= c <= "~" for c in email.username),
            "must be printable ASCII",
        )
        e.check("port", 0 < email.port < 65536, "must be a TCP port")
        e.check(
            "security",
            security in ("ssl", "starttls", "none"),
            'must be "ssl", "starttls" or "none"',
        )
        e.check("from", _valid_address(email.sender), f"not an e-mail address: {email.sender!r}")
        e.check("to", bool(email.to), "must list at least one recipient")
        for i, rcpt in enumerate(email.to):
            if not isinstance(rcpt, str) or not _valid_address(rcpt):
                problems.append(f"delivery.email.to[{i}]: not an e-mail address: {rcpt!r}")
        e.check(
            "password_env",
            not email.username or bool(email.password_env),
            "must name the environment variable holding the password when username is set",
        )
        e.check(
            "password_env",
            not email.password_env or bool(_ENV_NAME.fullmatch(email.password_env)),
            f"must be an environment variable name (letters, digits, _), "
            f"got {shorten(email.password_env)!r}",
        )
        e.check("timeout_seconds", 0 < email.timeout_seconds <= 600, "must be between 0 and 600")
        e.finish()
    if "webhook" in d.table:
        w = _Reader(problems, "delivery.webhook", d.get("webhook", dict, {}), WebhookConfig)
        urls = w.get("urls", list, [])  # required: an empty list is reported
        webhook = WebhookConfig(
            urls=tuple(u for u in urls if isinstance(u, str)),
            timeout_seconds=float(w.get("timeout_seconds", _NUMBER)),
        )
        for i, u in enumerate(urls):
            bad = url_problem(u) if isinstance(u, str) else "not an http(s) URL"
            if bad is not None:
                problems.append(f"delivery.webhook.urls[{i}]: {bad}: {shorten(str(u))!r}")
        w.check("urls", bool(urls), "must list at least one URL")
        w.check("timeout_seconds", 0 < webhook.timeout_seconds <= 600, "must be between 0 and 600")
        w.finish()
    d.finish()
    return DeliveryConfig(email=email, webhook=webhook, max_attempts=max_attempts)
