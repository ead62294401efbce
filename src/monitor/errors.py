"""The one exception tree of the project.

MonitorError
├── ConfigError        bad or unknown settings (every problem listed with its key path)
├── StorageError       the database cannot be opened, is too new, or a write failed
├── FetchError         one HTTP request failed (expected: recorded, the run goes on)
│   └── BlockedAddressError   the target resolves to a non-public address
├── FeedError          feed bytes that cannot be parsed into entries
└── QueryError         a topic query that does not parse
"""

from __future__ import annotations


class MonitorError(Exception):
    """Base of every error the project raises on purpose."""


class ConfigError(MonitorError):
    def __init__(self, path: str, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{path}: {len(problems)} problem(s) in the configuration:\n{lines}")


class StorageError(MonitorError):
    pass


class FetchError(MonitorError):
    def __init__(
        self, url: str, reason: str, *, status: int | None = None, retry_after: float | None = None
    ) -> None:
        self.url = url
        self.reason = reason
        self.status = status
        self.retry_after = retry_after
        super().__init__(f"{reason} ({url})")


class BlockedAddressError(FetchError):
    pass


class FeedError(MonitorError):
    pass


class QueryError(MonitorError):
    pass
