"""Writing a file whole: a crash or a full disk never leaves a torn or half-written file."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable
from pathlib import Path


def _create_temporary(folder: Path, name: str) -> tuple[int, Path]:
    """A new file beside `name`, created with 0666 so that the kernel applies the umask, as
    for any file the user writes (tempfile.mkstemp would make it 0600 whatever the umask)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    for _ in range(100):
        tmp = folder / f".{name}.{secrets.token_hex(6)}.tmp"
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name for {name} in {folder}")


def atomic_write(
    path: Path,
    data: str,
    *,
    keep_mode: bool = False,
    check: Callable[[Path], None] | None = None,
) -> None:
    """Write `data` as UTF-8 to a temporary file in the same folder, fsync it, rename it over
    `path` and fsync the folder.

    The file gets the umask's usual mode (0644 under umask 022); with `keep_mode`, a file
    that already exists keeps its own. `check`, when given, is called with the temporary
    file before the rename: if it raises, `path` is left as it was.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = _create_temporary(path.parent, path.name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            if keep_mode:
                with contextlib.suppress(FileNotFoundError):  # a new file: the umask's mode
                    os.fchmod(fh.fileno(), path.stat().st_mode & 0o7777)
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if check is not None:
            check(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
