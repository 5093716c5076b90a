"""The one atomic writer of the app and the trainer: temp file beside the target + fsync +
``os.replace`` (+ fsync of the folder), so a crash or a full disk leaves the previous file
intact, never a half-written one. Optionally the previous version is kept as ``<name>.bak``
(itself replaced atomically). An existing file keeps its permission mode; a new one gets the
umask's default (mkstemp alone would give 600).

Temp files are named ``.<name>.[bak.]<pid>.<8 random>.tmp`` (the pid says whose they are, so
the cleaners of stale temps can tell a killed save from one in progress). Callers turn
``OSError`` into their own message.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def temp_file(path: Path, kind: str = "") -> tuple[int, str]:
    """A new temp file beside `path` (fd, name); `kind` is "" or "bak."."""
    return tempfile.mkstemp(prefix=f".{path.name}.{kind}{os.getpid()}.", suffix=".tmp", dir=path.parent)


def atomic_write(path: str | os.PathLike, write: Callable[[BinaryIO], object], backup: bool = False) -> Path:
    """Call ``write(f)`` on a temp file beside ``path``, then rename it over ``path`` (keeping
    the previous file as ``<name>.bak`` when `backup`). Raises OSError; leaves no temp behind."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
        exists = True
    except FileNotFoundError:
        mode, exists = _default_mode(), False
    fd, tmp = temp_file(path)
    os.close(fd)
    try:
        with open(tmp, "wb") as f:
            write(f)
            f.flush()
            if hasattr(os, "fchmod"):
                os.fchmod(f.fileno(), mode)
            os.fsync(f.fileno())
        if backup and exists:
            _backup(path)
        os.replace(tmp, path)
    except BaseException:
        _unlink(tmp)
        raise
    sync_folder(path.parent)
    return path


def atomic_write_bytes(path: str | os.PathLike, data: bytes, backup: bool = False) -> Path:
    return atomic_write(path, lambda f: f.write(data), backup)


def atomic_write_text(path: str | os.PathLike, text: str, backup: bool = False) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"), backup)


def _backup(path: Path) -> None:
    """Make `<name>.bak` atomically: a hard link (or a synced copy) under a temp
    name, then os.replace, so a kill leaves the old backup or the new one."""
    bak = path.with_name(path.name + ".bak")
    fd, tmp = temp_file(path, "bak.")
    os.close(fd)
    try:
        try:
            os.unlink(tmp)
            os.link(path, tmp)
        except OSError:  # no hard links here (some network or FAT drives)
            with open(path, "rb") as src, open(tmp, "wb") as dst:
                while chunk := src.read(1 << 20):
                    dst.write(chunk)
                dst.flush()
                os.fsync(dst.fileno())
            os.chmod(tmp, stat.S_IMODE(os.stat(path).st_mode))
        os.replace(tmp, bak)
        # Renaming one link of a file onto another link of it does nothing (POSIX), and
        # the temp name stays: the backup already is this version, so drop the temp.
        _unlink(tmp)
    except BaseException:
        _unlink(tmp)
        raise


def _unlink(name: str) -> None:
    try:
        os.unlink(name)
    except OSError:
        pass


def _default_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def sync_folder(folder: Path) -> None:
    """Make a rename itself durable (where the OS lets a folder be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
