"""Reading JSON with errors a user can act on, and atomic writing with one backup."""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import orjson

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
    return parse_json(raw, path)


def parse_json(raw: bytes, path=None) -> Any:
    """orjson first (several times faster on 100,000-polygon files); the standard
    library as a fallback, since it also accepts the NaN that some tools write."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        pass
    try:
        text = raw.decode("utf-8")
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


def dumps_json(data: Any, indent: bool = False) -> bytes:
    """UTF-8 JSON, always valid: orjson writes a non-finite float as null (readers skip
    such coordinates, so the model holds none)."""
    return orjson.dumps(data, option=orjson.OPT_INDENT_2 if indent else 0)


def write_json(path, data: Any, backup: bool = True, indent: bool = False) -> None:
    atomic_write_bytes(path, dumps_json(data, indent), backup=backup)
