"""The configuration: `config/monitor.toml` read into frozen settings.

    settings  the dataclasses, where each default is written (once), and the limits
    values    single values: durations, times of day, names and addresses
    load      reading and validating the file: every problem listed with its key path
    edit      changing the configured feeds in the file, OPML in and out

Callers import from `monitor.config`, except for the edits (`monitor.config.edit`).
"""

from monitor.config.load import config_path, load_settings
from monitor.config.settings import (
    CONFIG_ENV,
    DEFAULT_CONFIG,
    DEFAULT_QUERY,
    DEFAULT_USER_AGENT,
    FORMATS,
    MAX_RETRY_AFTER,
    MAX_URL_LENGTH,
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
from monitor.config.values import (
    clean_text,
    parse_clock,
    parse_duration,
    shorten,
    text_problem,
    url_problem,
)

__all__ = [
    "CONFIG_ENV",
    "DEFAULT_CONFIG",
    "DEFAULT_QUERY",
    "DEFAULT_USER_AGENT",
    "FORMATS",
    "MAX_RETRY_AFTER",
    "MAX_URL_LENGTH",
    "POLL_EVERY_MAX",
    "POLL_EVERY_MIN",
    "DeliveryConfig",
    "DigestConfig",
    "EmailConfig",
    "ExtractConfig",
    "FeedConfig",
    "HttpConfig",
    "ScheduleConfig",
    "Settings",
    "TopicConfig",
    "WebhookConfig",
    "clean_text",
    "config_path",
    "load_settings",
    "parse_clock",
    "parse_duration",
    "shorten",
    "text_problem",
    "url_problem",
]
