"""Saving a project file that another window or program may be writing too.

Check and write are one step: an advisory lock on a lock file beside the project
(`.<name>.lock`) is held across the check that the file is still what this writer last
read or wrote, the write and the rename, so two writers never both pass the check and
then replace each other's file. Under the lock the caller either learns of the conflict
(the window asks) or, with `merge`, the two versions are merged three-way when they
touched different images (the terminal's run record, which has no one to ask).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..io import native
from ..io.disk_state import DiskState, read_state
from ..io.file_lock import FileLockTimeout, locked
from ..model import Project
from .conflicts import merge_projects, project_from, unchanged


@dataclass
class SaveOutcome:
    path: str = ""
    error: str = ""  # "ExceptionName: message" when the write failed
    conflict: bool = False  # the file on disk was not ours (and could not be merged): nothing written
    state: DiskState | None = None  # the file as written
    merged: Project | None = None  # with `merge`: what was written, the other writer's changes included


def save_checked(snapshot: Project, expected: DiskState | None, merge: bool = False) -> SaveOutcome:
    """Write `snapshot` to its file unless someone else wrote the file since `expected`;
    with `merge`, merge their version in when the two touched different images. Never raises."""
    path = Path(snapshot.path or "")
    try:
        with locked(path):
            merged = None
            if not unchanged(expected, path):
                merged = _merge_with_disk(snapshot, expected, path) if merge else None
                if merged is None:
                    return SaveOutcome(str(path), conflict=True)
                snapshot = merged
            written = native.save_project(snapshot)  # looked up now: tests stand in a failing disk
            # What we wrote, read back for the next check (and as the base of a merge).
            return SaveOutcome(str(written), state=read_state(written), merged=merged)
    except FileLockTimeout as exc:
        return SaveOutcome(str(path), error=str(exc))
    except Exception as exc:  # disk full, permissions, unencodable data...: reported, not raised
        return SaveOutcome(str(path), error=f"{type(exc).__name__}: {exc}")


def _merge_with_disk(mine: Project, expected: DiskState | None, path: Path) -> Project | None:
    theirs = read_state(path)
    if theirs is None or expected is None or not expected.data:
        return None  # nothing to merge against: the caller decides
    try:
        result = merge_projects(expected.data, theirs.data, mine)
    except Exception:  # noqa: BLE001 - their file may be anything: a conflict, not a crash
        return None
    return project_from(result.data, mine) if result.data is not None else None
