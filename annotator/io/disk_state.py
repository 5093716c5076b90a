"""A project file's state on disk: its identity and the very bytes that were parsed.

Reading the bytes once and keeping their state with the parsed project closes a race: a
load followed by a second read for the state lets another writer's save fall between the
two, and the next save, "unchanged" against the newer state, replaces that save with a
project that never saw it.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field


@dataclass(frozen=True)
class DiskState:
    """A project file as read or written: its identity on disk and its bytes."""

    mtime_ns: int
    size: int
    sha256: str
    data: bytes = field(repr=False, compare=False, default=b"")


def read_state(path) -> DiskState | None:
    """The file's state now; None when there is no file."""
    try:
        with open(path, "rb") as f:
            data = f.read()
            st = os.fstat(f.fileno())
    except FileNotFoundError:
        return None
    return DiskState(st.st_mtime_ns, st.st_size, hashlib.sha256(data).hexdigest(), data)
