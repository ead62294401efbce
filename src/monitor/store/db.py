"""The connection every part of the store shares: opening (WAL, busy timeout, foreign keys),
migrating, write transactions, query helpers, and the mapper from rows to dataclasses.

Times are stored as UTC ISO-8601 strings ending in 'Z'; dates as YYYY-MM-DD.
"""

from __future__ import annotations

import contextlib
import dataclasses
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar, Generic, Protocol, Self, TypeVar

from monitor.errors import StorageError
from monitor.store.migrations import MIGRATIONS, SCHEMA_VERSION


def iso(when: datetime) -> str:
    # isoformat, not strftime: strftime("%Y") does not pad years below 1000 on glibc
    return when.astimezone(UTC).replace(tzinfo=None, microsecond=0).isoformat() + "Z"


def parse_iso(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def parse_iso_or_none(text: str | None) -> datetime | None:
    return parse_iso(text) if text else None


class Dataclass(Protocol):
    __dataclass_fields__: ClassVar[dict[str, dataclasses.Field[Any]]]


T = TypeVar("T", bound=Dataclass)


class RowMapper(Generic[T]):
    """Builds a `cls` from a row by field name: each field takes the column of its name (or
    the one `columns` names), passed through its converter in `convert` if it has one.

    A field may instead be given when calling; any other field missing from the row is an
    error, never a silent default. Columns no field asks for are ignored.
    """

    def __init__(
        self,
        cls: type[T],
        *,
        columns: Mapping[str, str] | None = None,
        convert: Mapping[str, Callable[[Any], Any]] | None = None,
    ) -> None:
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = (set(columns or {}) | set(convert or {})) - names
        if unknown:
            raise TypeError(f"{cls.__name__} has no field {', '.join(sorted(unknown))}")
        self.cls = cls
        self.fields = [
            (f.name, (columns or {}).get(f.name, f.name), (convert or {}).get(f.name))
            for f in dataclasses.fields(cls)
        ]

    def __call__(self, row: sqlite3.Row, **given: Any) -> T:
        values = dict(given)
        for name, column, conv in self.fields:
            if name not in values:
                values[name] = row[column] if conv is None else conv(row[column])
        return self.cls(**values)


class Database:
    """One SQLite connection, opened and migrated; the domain parts of the store derive
    from it."""

    def __init__(self, db: sqlite3.Connection, path: Path) -> None:
        self.db = db
        self.path = path

    @classmethod
    def open(cls, path: Path) -> Self:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(
                str(path), isolation_level=None, timeout=10.0, check_same_thread=False
            )
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA busy_timeout = 10000")
            mode = db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise StorageError(f"{path}: cannot switch the database to WAL mode ({mode})")
            db.execute("PRAGMA synchronous = NORMAL")
            db.execute("PRAGMA foreign_keys = ON")
        except (sqlite3.Error, OSError) as exc:
            raise StorageError(f"cannot open database {path}: {exc}") from exc
        store = cls(db, path)
        store._migrate()
        return store

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _migrate(self) -> None:
        try:
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StorageError(
                    f"{self.path}: database schema version {version} is newer than this "
                    f"monitor understands ({SCHEMA_VERSION}); upgrade monitor"
                )
            if version == SCHEMA_VERSION:
                return
            with self.transaction():
                version = self.db.execute("PRAGMA user_version").fetchone()[0]
                for number in range(version, SCHEMA_VERSION):
                    MIGRATIONS[number](self.db)
                    self.db.execute(f"PRAGMA user_version = {number + 1}")
                problems = self.db.execute("PRAGMA foreign_key_check").fetchall()
                if problems:
                    raise StorageError(f"{self.path}: foreign key check failed after migration")
        except sqlite3.Error as exc:
            raise StorageError(f"cannot migrate database {self.path}: {exc}") from exc

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; rolled back whole on any error."""
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StorageError(f"database {self.path} is busy or locked: {exc}") from exc
        try:
            yield self.db
        except sqlite3.Error as exc:  # a corrupted file, a full disk: exit 3, not a traceback
            self._rollback()
            raise StorageError(f"database {self.path}: write failed: {exc}") from exc
        except BaseException:
            self._rollback()
            raise
        else:
            try:
                self.db.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback()
                raise StorageError(f"cannot commit to {self.path}: {exc}") from exc

    def _rollback(self) -> None:
        with contextlib.suppress(sqlite3.Error):  # the error being reported matters more
            self.db.execute("ROLLBACK")

    def _all(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        try:
            return self.db.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise StorageError(f"database query failed: {exc}") from exc

    def _in_chunks(self, sql: str, keys: Sequence[Any], extra: Sequence[Any] = ()) -> list[Any]:
        """Run `sql` (with one `{marks}` placeholder list) over keys, 500 at a time."""
        rows: list[Any] = []
        for i in range(0, len(keys), 500):
            chunk = list(keys[i : i + 500])
            rows += self._all(sql.format(marks=",".join("?" * len(chunk))), [*chunk, *extra])
        return rows
