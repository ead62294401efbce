"""The settings, as frozen dataclasses, and the limits the loader checks them against.

Each default is written here, once: `monitor.config.load` takes a key's default from its
dataclass field when the key is missing from the file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from zoneinfo import ZoneInfo

from monitor import __version__

DEFAULT_CONFIG = Path("config/monitor.toml")
CONFIG_ENV = "MONITOR_CONFIG"
DEFAULT_USER_AGENT = f"monitor/{__version__} (+https://github.com/monitor-news/monitor)"
DEFAULT_QUERY = (
    "(ukrain* OR kyiv OR zelensk*) AND (peace OR talks OR negotiat* OR ceasefire OR envoy*)"
)
FORMATS = ("md", "html", "json")
# Feed, webhook and site addresses: real feed URLs are a few hundred characters at most, and
# 2,048 is what sitemaps, many servers and proxies accept; longer ones fail later (httpx
# refuses URLs over 65,536 characters).
MAX_URL_LENGTH = 2048
# Polling more often than once a minute hammers publishers; the digest is daily, so a week is
# already far more than needed (and an enormous interval overflows date arithmetic).
POLL_EVERY_MIN, POLL_EVERY_MAX = 60, 7 * 86400
MAX_RETRY_AFTER = 7 * 86400


@dataclass(frozen=True)
class FeedConfig:
    name: str
    url: str
    group: str = ""


@dataclass(frozen=True)
class HttpConfig:
    allow_private_networks: bool = False
    timeout_seconds: float = 20.0
    connect_timeout_seconds: float = 10.0
    max_bytes: int = 15_000_000
    max_redirects: int = 5
    user_agent: str = DEFAULT_USER_AGENT
    concurrency: int = 16
    per_host: int = 2
    max_retry_after_seconds: int = 6 * 3600
    # Replays only: every request for an internet address goes to this local replay server
    # (`python -m monitor.replay`), which answers from its captures; links keep their address.
    replay_server: str = ""


@dataclass(frozen=True)
class ExtractConfig:
    workers: int = 2  # processes; 0 extracts in-process without a time limit
    timeout_seconds: float = 20.0  # per page


@dataclass(frozen=True)
class TopicConfig:
    name: str = "Ukraine peace talks"
    query: str = DEFAULT_QUERY


@dataclass(frozen=True)
class ScheduleConfig:
    poll_every_seconds: int = 1800  # [schedule] poll_every, written as a duration ("30m")


@dataclass(frozen=True)
class DigestConfig:
    directory: Path = Path("digests")  # the loader resolves it against the working directory
    timezone: str = "Europe/Kyiv"
    at: time = time(7, 0)
    base_url: str = ""
    formats: tuple[str, ...] = FORMATS
    max_stories: int = 8
    points_per_story: int = 5
    site: bool = True  # the archive site (index, story timelines, search) beside the digests

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class EmailConfig:
    host: str
    port: int  # when not set, the loader takes the usual port of `security`
    sender: str  # the From header ([delivery.email] from)
    to: tuple[str, ...]
    security: str = "starttls"  # ssl | starttls | none
    username: str = ""
    password_env: str = ""
    timeout_seconds: float = 30.0

    def password(self) -> str | None:
        """Read from the environment at send time; never stored in the file."""
        return os.environ.get(self.password_env) if self.password_env else None


@dataclass(frozen=True)
class WebhookConfig:
    urls: tuple[str, ...]
    timeout_seconds: float = 15.0


@dataclass(frozen=True)
class DeliveryConfig:
    email: EmailConfig | None = None
    webhook: WebhookConfig | None = None
    max_attempts: int = 10


@dataclass(frozen=True)
class Settings:
    path: Path
    # [storage] database; resolved like digest.directory
    database: Path = Path("data/monitor.sqlite")
    http: HttpConfig = field(default_factory=HttpConfig)
    topic: TopicConfig = field(default_factory=TopicConfig)
    schedule: ScheduleConfig = field(default_factory=ScheduleConfig)
    digest: DigestConfig = field(default_factory=DigestConfig)
    feeds: tuple[FeedConfig, ...] = field(default_factory=tuple)
    max_items_per_feed: int = 500
    delivery: DeliveryConfig = field(default_factory=DeliveryConfig)
    extract: ExtractConfig = field(default_factory=ExtractConfig)
