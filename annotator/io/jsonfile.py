"""Reading JSON with errors a user can act on, and atomic writing with one backup.

Whatever was read can be written back unchanged: integers stay exact at any
size, lone surrogates and deep nesting (up to what the reader accepts) survive.
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
import time
from json.encoder import encode_basestring_ascii
from pathlib import Path
from typing import Any

import orjson

from polymask_common import atomic

from .disk_state import DiskState, read_state
from .errors import FormatError

# Deeper files are refused on read (orjson's own limit, far beyond any real annotation file).
MAX_DEPTH = 1024
# orjson reads integers beyond 64 bits as floats (rounded); a run of 19+ digits sends the
# file to the standard library, which keeps them exact. Digits map to NUL (NUL to 1) so one
# fast substring search finds such a run.
_DIGITS_TO_NUL = bytes(0 if 48 <= i <= 57 else 1 if i == 0 else i for i in range(256))
_LONG_NUMBER = b"\x00" * 19


def read_json(path) -> Any:
    return read_json_with_state(path)[0]


def read_json_with_state(path) -> tuple[Any, DiskState]:
    """The parsed file and the state of the very bytes parsed (one read, see disk_state)."""
    path = Path(path)
    try:
        state = read_state(path)
    except IsADirectoryError:
        raise FormatError(path, "is a folder, not a JSON file") from None
    except OSError as exc:
        raise FormatError(path, f"cannot be read ({exc.strerror})") from None
    except ValueError as exc:  # e.g. a NUL in the path
        raise FormatError(path, f"cannot be read ({exc})") from None
    if state is None:
        raise FormatError(path, "file not found")
    return parse_json(state.data, path), state


def parse_json(raw: bytes, path=None) -> Any:
    """orjson first (several times faster on 100,000-polygon files); the standard
    library for what orjson rounds or refuses: integers beyond 64 bits, NaN, lone
    surrogates."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if not raw.strip():
        raise FormatError(path, "is empty (no JSON in it)")
    if _LONG_NUMBER not in raw.translate(_DIGITS_TO_NUL):
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            if "depth limit" in str(exc) or "recursion" in str(exc).lower():
                raise FormatError(
                    path, f"is nested more than {MAX_DEPTH} levels deep; no annotation file needs that"
                ) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FormatError(path, f"is not UTF-8 text (byte {exc.start})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise FormatError(path, f"is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    except RecursionError:
        raise FormatError(path, "is nested too deeply to read (hundreds of levels of [ or {)") from None
    except ValueError as exc:  # a number with more digits than Python converts
        raise FormatError(path, f"has a number Polymask cannot read ({exc})") from None


# ---- writing ----------------------------------------------------------------------
def atomic_write_bytes(path, data: bytes, backup: bool = True) -> None:
    """Write `data` to `path` so that a crash leaves either the old or the new file, keeping
    the previous version as `<name>.bak` when `backup` (polymask_common.atomic, shared with the
    trainer)."""
    atomic.atomic_write_bytes(path, data, backup)


def _stale_temp_pattern(name: str) -> re.Pattern:
    # The writer's pid (older saves had none), then mkstemp's 8 characters of [a-z0-9_]; nothing else is ours.
    return re.compile(rf"\.{re.escape(name)}\.(?:bak\.)?(?:\d+\.)?[a-z0-9_]{{8}}\.tmp")


def clean_stale_temps(path, older_than_s: float = 60.0) -> list[Path]:
    """Remove temp files of our own naming beside `path` left by killed saves.

    Only names `.<file>.XXXXXXXX.tmp` / `.<file>.bak.XXXXXXXX.tmp`, and only when
    older than `older_than_s`, so another window's save in progress is left alone."""
    path = Path(path)
    pattern = _stale_temp_pattern(path.name)
    removed: list[Path] = []
    try:
        entries = list(os.scandir(path.parent))
    except (OSError, ValueError):
        return removed
    now = time.time()
    for entry in entries:
        if not pattern.fullmatch(entry.name):
            continue
        try:
            st = entry.stat(follow_symlinks=False)
            if stat.S_ISREG(st.st_mode) and now - st.st_mtime > older_than_s:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            pass
    return removed


def dumps_json(data: Any, indent: bool = False) -> bytes:
    """UTF-8 JSON, always valid: a non-finite float is written as null (readers skip
    such coordinates, so the model holds none).

    orjson refuses integers beyond 64 bits, lone surrogates and nesting deeper than
    255; such data (all of which the reader accepts) goes to `_dumps_any`."""
    try:
        return orjson.dumps(data, option=orjson.OPT_INDENT_2 if indent else 0)
    except TypeError:  # orjson.JSONEncodeError
        return _dumps_any(data)


def _dumps_any(data: Any) -> bytes:
    """Slow but total: exact integers of any size, strings as ASCII escapes (so a
    lone surrogate is kept as \\udXXXX), any depth (no recursion), NaN/inf as null."""
    out: list[str] = []
    stack: list[Any] = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, _Token):
            out.append(item.text)
        elif isinstance(item, str):
            out.append(encode_basestring_ascii(item))
        elif item is None or item is True or item is False:
            out.append("null" if item is None else "true" if item else "false")
        elif isinstance(item, int):
            out.append(int.__repr__(item))
        elif isinstance(item, float):
            out.append(float.__repr__(item) if math.isfinite(item) else "null")
        elif isinstance(item, dict):
            parts: list[Any] = [_Token("}")]
            for i, (k, v) in enumerate(reversed(list(item.items()))):
                parts.append(v)
                parts.append(_Token(encode_basestring_ascii(_key(k)) + ":"))
                if i < len(item) - 1:
                    parts.append(_Token(","))
            parts.append(_Token("{"))
            stack.extend(parts)
        elif isinstance(item, (list, tuple)):
            parts = [_Token("]")]
            for i, v in enumerate(reversed(item)):
                parts.append(v)
                if i < len(item) - 1:
                    parts.append(_Token(","))
            parts.append(_Token("["))
            stack.extend(parts)
        else:
            raise TypeError(f"cannot write a {type(item).__name__} as JSON")
    return "".join(out).encode("ascii")


class _Token:
    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text


def _key(k) -> str:
    if isinstance(k, str):
        return k
    if isinstance(k, bool) or k is None:
        return "null" if k is None else "true" if k else "false"
    return str(k)


def copy_json(data: Any) -> Any:
    """A deep copy of parsed JSON at any depth (copy.deepcopy recurses, so a
    deeply nested unknown key would stop an export)."""
    if not isinstance(data, (dict, list)):
        return data
    root: list[Any] = [None]
    stack: list[tuple[Any, Any, Any]] = [(root, 0, data)]
    while stack:
        parent, key, item = stack.pop()
        if isinstance(item, dict):
            new_dict = dict(item)
            parent[key] = new_dict
            stack.extend((new_dict, k, v) for k, v in item.items() if isinstance(v, (dict, list)))
        elif isinstance(item, list):
            new_list = list(item)
            parent[key] = new_list
            stack.extend((new_list, i, v) for i, v in enumerate(item) if isinstance(v, (dict, list)))
        else:
            parent[key] = item
    return root[0]


def write_json(path, data: Any, backup: bool = True, indent: bool = False) -> None:
    atomic_write_bytes(path, dumps_json(data, indent), backup=backup)
