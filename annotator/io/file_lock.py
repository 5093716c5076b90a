"""An advisory lock beside a file, held while it is checked and replaced.

The file itself cannot carry the lock: an atomic save replaces it (a new inode), so a
lock on the old one would protect nothing. `.<name>.lock` beside it stays put. fcntl.flock
on POSIX, msvcrt.locking on Windows; both are released by the system if the process dies.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]
    import msvcrt

WAIT_S = 30.0  # a save holds the lock for milliseconds; this long means a stuck process


class FileLockTimeout(OSError):
    pass


def lock_path(path) -> Path:
    path = Path(path)
    return path.with_name(f".{path.name}.lock")


@contextmanager
def locked(path, wait_s: float = WAIT_S) -> Iterator[None]:
    """Hold the lock of `path` (waiting at most `wait_s`) for the `with` block."""
    lock = lock_path(path)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        _acquire(fd, lock, wait_s)
        try:
            yield
        finally:
            _release(fd)
    finally:
        os.close(fd)


def _try_lock(fd: int) -> bool:
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        else:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        return True
    except (BlockingIOError, PermissionError):
        return False
    except OSError as exc:
        if fcntl is None and exc.errno in (13, 36):  # Windows: EACCES / EDEADLOCK while held
            return False
        raise


def _acquire(fd: int, lock: Path, wait_s: float) -> None:
    deadline = time.monotonic() + wait_s
    delay = 0.001
    while not _try_lock(fd):
        if time.monotonic() > deadline:
            raise FileLockTimeout(f"{lock} has been locked by another program for more than {wait_s:.0f} s")
        time.sleep(delay)
        delay = min(delay * 2, 0.05)


def _release(fd: int) -> None:
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_UN)
    else:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
