"""Reading JSON with errors a user can act on, and atomic writing with one backup."""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from .errors import FormatError


def read_json(path) -> Any:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise FormatError(path, "file not found") from None
    except IsADirectoryError:
        raise FormatError(path, "is a folder, not a JSON file") from None
    except OSError as exc:
        raise FormatError(path, f"cannot be read ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FormatError(path, f"is not UTF-8 text (byte {exc.start})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise FormatError(path, f"is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None


def atomic_write_bytes(path, data: bytes, backup: bool = True) -> None:
    """Write `data` to `path` so that a crash leaves either the old or the new file.

    Temp file in the same folder, fsync, `os.replace`; the previous version is
    kept as `<name>.bak` when `backup` is set.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if backup and path.exists():
            shutil.copy2(path, path.with_name(path.name + ".bak"))
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # not possible on every platform (Windows)
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_json(path, data: Any, backup: bool = True, indent: int | None = None) -> None:
    text = json.dumps(data, ensure_ascii=False, indent=indent, allow_nan=False)
    atomic_write_bytes(path, text.encode("utf-8"), backup=backup)
