"""The one exception tree of the project.

MonitorError
├── ConfigError        bad or unknown settings (every problem listed with its key path)
├── StorageError       the database cannot be opened, is too new, or a write failed
├── FetchError         one HTTP request failed (expected: recorded, the run goes on)
│   └── BlockedAddressError   the target resolves to a non-public address
├── FeedError          feed bytes that cannot be parsed into entries
├── ExtractionFailed   a page (or feed) the extraction workers could not handle in time
├── QueryError         a topic query that does not parse
├── FeedAdminError     a feed that cannot be added, removed or imported
├── AlreadyRunning     another process holds the database (the service, or a writer)
└── EvalError          labelled data that `monitor eval` cannot use
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


class FeedAdminError(MonitorError):
    """A feed that cannot be added, removed or imported (the message says why)."""


class ExtractionFailed(MonitorError):
    """Extraction of one page (or parsing of one feed) failed or ran out of time."""


class AlreadyRunning(MonitorError):
    """The service holds the database, or another writer held it too long."""


class EvalError(MonitorError):
    """Labelled data that cannot be evaluated (missing fields, bad layout)."""


class EvalDataError(EvalError):
    """Evaluation input that cannot be read as its layout says (a missing file, bad JSON, a
    missing field, a bad date): exit code 2, as for a bad configuration."""
