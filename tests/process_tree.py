"""Child processes of a process, read from /proc (psutil is not a dependency): for tests that a
training run leaves no DataLoader worker behind."""

from __future__ import annotations

import os
from pathlib import Path


def children(pid: int) -> set[int]:
    out: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out |= {int(c) for c in (task / "children").read_text().split()}
        except OSError:
            continue
    return out


def descendants(pid: int | None = None) -> set[int]:
    """Every living process below `pid` (default: this process), grandchildren included."""
    todo, seen = [os.getpid() if pid is None else pid], set()
    while todo:
        for c in children(todo.pop()):
            if c not in seen and _alive(c):
                seen.add(c)
                todo.append(c)
    return seen


def _alive(pid: int) -> bool:
    """Running or sleeping, not a zombie waiting to be reaped."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def in_group(pgid: int) -> set[int]:
    """Living processes whose process group is `pgid` (workers outlive their reaped parent here)."""
    out = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            out.add(int(stat.parent.name))
    return out


HAS_PROC = Path("/proc/self/task").is_dir()
