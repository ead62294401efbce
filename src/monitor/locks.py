"""The lock files beside the database: one service per database, one writer at a time.

`monitor run` holds the service's lock for as long as it runs; a command or a service job
that writes the database holds the writers' lock while it does. Each is an exclusive flock,
released by the kernel if its holder dies, and names its holder (pid and command).
"""

from __future__ import annotations

import errno
import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from monitor.errors import AlreadyRunning, MonitorError


def lock_path(database: Path) -> Path:
    """The service's lock: held by `monitor run` for as long as it runs."""
    return database.with_name(database.name + ".lock")


def write_lock_path(database: Path) -> Path:
    """The writers' lock: held while one command or one service job writes the database."""
    return database.with_name(database.name + ".write-lock")


SERVICE = "run"
WAIT_FOR_WRITER_SECONDS = 20 * 60  # a poll of hundreds of feeds and pages fits easily


def _holder(fd: int) -> tuple[int, str]:
    """The pid and command written in a lock file by its holder ((-1, "") if not yet)."""
    text = os.pread(fd, 200, 0).decode("ascii", "replace").split(maxsplit=1)
    pid = int(text[0]) if text and text[0].isascii() and text[0].isdigit() else -1
    return pid, text[1].strip() if len(text) > 1 else ""


@contextmanager
def _flock(
    path: Path,
    command: str,
    *,
    refuse: Callable[[int, str], MonitorError | None],
    wait: float = 0.0,
    on_wait: Callable[[str], None] = lambda message: None,
    should_stop: Callable[[], bool] = lambda: False,
) -> Iterator[None]:
    """An exclusive lock file, released by the kernel if the process dies, naming its holder.

    While another process holds it, `refuse(pid, its command)` says whether to give up at
    once; otherwise this waits up to `wait` seconds.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + wait
    told = False
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    raise
            pid, held_by = _holder(fd)
            error = refuse(pid, held_by)
            if error is None and (time.monotonic() >= deadline or should_stop()):
                error = AlreadyRunning(
                    f"`monitor {held_by or '…'}` (pid {pid}) still holds {path.name}; "
                    "try again when it has finished"
                )
            if error is not None:
                raise error
            if not told and held_by:  # a holder that has not written its name yet: look again
                on_wait(f"waiting for `monitor {held_by}` (pid {pid}) to finish")
                told = True
            time.sleep(0.2)
    except BaseException:
        os.close(fd)
        raise
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()} {command}\n".encode("ascii", "replace"), 0)
        yield
    finally:
        os.ftruncate(fd, 0)
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def service_lock(database: Path, command: str = SERVICE) -> AbstractContextManager[None]:
    """One service per database: `monitor run` holds this for as long as it runs, and
    `run --once` and `deliver` (the service's own duties) are refused meanwhile."""
    path = lock_path(database)

    def refuse(pid: int, held_by: str) -> MonitorError:
        if held_by in (SERVICE, ""):
            return AlreadyRunning(
                f"another monitor service (pid {pid if pid >= 0 else 'unknown'}) is already "
                f"running on {database}; stop it first (lock file {path})"
            )
        return AlreadyRunning(
            f"`monitor {held_by}` (pid {pid}) is running on {database}; try again when it "
            f"has finished (lock file {path})"
        )

    return _flock(path, command, refuse=refuse)


def write_lock(
    database: Path,
    command: str,
    *,
    wait: float = WAIT_FOR_WRITER_SECONDS,
    on_wait: Callable[[str], None] = lambda message: None,
    should_stop: Callable[[], bool] = lambda: False,
) -> AbstractContextManager[None]:
    """One writer at a time (two polls at once stored the same article twice): a command
    or a service job waits for the one in progress to finish."""
    return _flock(
        write_lock_path(database),
        command,
        refuse=lambda pid, held_by: None,
        wait=wait,
        on_wait=on_wait,
        should_stop=should_stop,
    )


def running_pid(database: Path) -> int | None:
    """The pid of the service holding the lock of this database, or None."""
    path = lock_path(database)
    if not path.exists():
        return None
    fd = os.open(path, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            pid, held_by = _holder(fd)
            return pid if held_by in (SERVICE, "") else None
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)
