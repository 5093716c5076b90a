"""Autosave: atomic, debounced after edits, at least every few seconds while edits
go on, on image switch and on exit.

The UI thread only takes a snapshot of the project (`Project.snapshot`: a copy of the
images edited since the last save; copies of unchanged images are reused), then a worker
thread serialises and writes it with `annotator.io.save_project` (temp file +
fsync + os.replace, one .bak kept). So a 10,000-image project costs the UI
thread a few milliseconds per save. The debounce restarts with every edit, so a
maximum wait bounds what a crash or kill -9 can lose while someone keeps editing.

Before writing, the worker checks (under the file's lock, so no other writer slips in) that the file on disk is still what this window
last read or wrote (annotator.app.conflicts); if another window or program wrote
it, nothing is written, autosave pauses and `conflict` is emitted for the window
to ask. A failed save is kept in `error` until a save succeeds.
"""

from __future__ import annotations

import gc
import time
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal

from ..app.checked_save import SaveOutcome, save_checked
from ..io.disk_state import DiskState, read_state
from ..model import Project, Scope, SnapshotCache

MAX_WAIT_MS = 2500  # while edits keep coming: at most this (+ one write) of work is ever unsaved


def write_project(project: Project) -> Path:
    """Write a snapshot with `annotator.io.save_project`: orjson encodes a 10 MB project in
    a few tens of milliseconds, so the writer thread holds the GIL only briefly."""
    from ..io.native import save_project

    return save_project(project)


def write_checked(snapshot: Project, expected: DiskState | None) -> SaveOutcome:
    """Write unless someone else wrote the file since `expected` (checked and written under
    the file's lock, annotator.app.checked_save); never raises."""
    return save_checked(snapshot, expected)


class _Emitter(QObject):
    done = Signal(int, object)  # version, SaveOutcome


class _SaveJob(QRunnable):
    def __init__(self, snapshot: Project, version: int, expected: DiskState | None, emitter: _Emitter):
        super().__init__()
        self.snapshot, self.version, self.expected, self.emitter = snapshot, version, expected, emitter

    def run(self):
        self.emitter.done.emit(self.version, write_checked(self.snapshot, self.expected))


class Autosaver(QObject):
    saved = Signal(str)
    failed = Signal(str)  # every failed save, with the reason
    conflict = Signal(str)  # the project file was written by someone else; autosave paused
    rescued = Signal(str)  # changes that could not be saved were written to this copy
    modified_changed = Signal(bool)

    def __init__(self, delay_ms: int = 1200, parent=None, max_wait_ms: int | None = MAX_WAIT_MS):
        super().__init__(parent)
        self.project: Project | None = None
        self.snapshots = SnapshotCache()
        self.timer = QTimer(self, singleShot=True, interval=delay_ms)
        self.timer.timeout.connect(self.save)
        self.deadline = QTimer(self, singleShot=True)  # not restarted by edits: the maximum wait
        self.deadline.timeout.connect(self.save)
        self.max_wait_ms = max_wait_ms
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._pool.setExpiryTimeout(2000)
        self._emitter = _Emitter()
        self._emitter.done.connect(self._done)
        self._version = 0  # bumped by every change
        self._saved_version = 0
        self._inflight = False
        self._again = False
        self.last_ui_ms = 0.0
        self.enabled = True
        self.disk: DiskState | None = None  # the project file as we last read or wrote it
        self.error = ""  # the last save's failure; "" once a save succeeds
        self.in_conflict = False  # paused until the window resolves the conflict
        self.closed = False  # close() ran: the window made its last save attempt

    # ---- state ------------------------------------------------------------------
    def set_project(self, project: Project | None, modified: bool = False, disk: DiskState | None = None) -> None:
        if not self.flush():
            self._rescue()
        self.project = project
        self.closed = False
        self.snapshots = SnapshotCache()
        # The bytes the project was parsed from, when the opener has them: a second read
        # here could see another writer's newer save that this project never contained.
        self.disk = disk if disk is not None else self._read_disk()
        self.error, self.in_conflict = "", False
        self._version += 1
        self._saved_version = self._version if not modified else self._version - 1
        self.modified_changed.emit(self.is_modified())
        if modified:
            self.timer.start()

    def _rescue(self) -> None:
        """The open project is being replaced while its changes cannot be saved to its file:
        write them to a copy beside it (else in the temp folder) and say where."""
        import tempfile

        from ..app.conflicts import copy_path

        if self.project is None or self.project.path is None:
            return  # nothing to lose: no project, or one never saved (Save as… asks first)
        snap = SnapshotCache().take(self.project)
        original = Path(self.project.path)
        for folder in (original.parent, Path(tempfile.gettempdir())):
            snap.path = copy_path(folder / original.name, "unsaved")
            try:
                write_project(snap)
            except Exception:  # noqa: BLE001 - try the next place
                continue
            self.rescued.emit(str(snap.path))
            return
        self.failed.emit(f"the unsaved changes of {original} could not be written anywhere")

    def _read_disk(self) -> DiskState | None:
        if self.project is None or self.project.path is None:
            return None
        try:
            return read_state(self.project.path)
        except OSError:
            return None

    def is_modified(self) -> bool:
        return self._version != self._saved_version

    def mark_dirty(self, keys=None, schedule: bool = True) -> None:
        """The images `keys` (None: the whole project) changed; save soon."""
        was = self.is_modified()
        self.snapshots.mark(keys)
        self._version += 1
        if not was:
            self.modified_changed.emit(True)
        if schedule and self.enabled:
            self.timer.start()
            if self.max_wait_ms is not None and not self.deadline.isActive():
                self.deadline.start(self.max_wait_ms)

    def edited(self, scope: Scope) -> None:
        """An edit was done, undone or redone: save what its scope says it touched."""
        self.mark_dirty(None if scope.project else scope.images)

    def touch(self, keys) -> None:
        """Data learnt, not edited (image sizes): saved with the next save."""
        self.snapshots.mark(keys)

    # ---- saving -----------------------------------------------------------------
    def save(self) -> None:
        """Snapshot on this thread, write in the worker."""
        self.timer.stop()
        self.deadline.stop()
        if self.project is None or self.project.path is None or not self.is_modified() or self.in_conflict:
            return
        if self._inflight:
            self._again = True
            return
        t = time.perf_counter()
        snap = self.project.snapshot(self.snapshots)
        # The copies live until the next save: keep the cyclic GC from walking them again and
        # again (a full collection over 10,000 images holds the GIL for ~200 ms). O(1).
        gc.freeze()
        self.last_ui_ms = (time.perf_counter() - t) * 1000
        self._inflight = True
        self._pool.start(_SaveJob(snap, self._version, self.disk, self._emitter))

    def _done(self, version: int, outcome: SaveOutcome) -> None:
        self._inflight = False
        self._finish(version, outcome)
        if self._again:
            self._again = False
            self.save()

    def _finish(self, version: int, outcome: SaveOutcome) -> bool:
        if outcome.conflict or outcome.error:
            self.snapshots.mark(None)  # copy everything again next time
            if outcome.conflict:
                self._again = False
                if not self.in_conflict:
                    self.in_conflict = True
                    self.conflict.emit(outcome.path)
            else:
                self.error = outcome.error
                self.failed.emit(outcome.error)
            return False
        self.disk, self.error = outcome.state, ""
        if version == self._version:
            self._saved_version = version
            self.modified_changed.emit(False)
        self.saved.emit(outcome.path)
        return True

    def flush(self) -> bool:
        """Save now and wait for the write (on exit, before opening another project).
        False when changes are left unsaved (the save failed, or a conflict waits)."""
        self._settle()
        self._again = False
        if self.project is None or self.project.path is None or not self.is_modified():
            return True
        if self.in_conflict:
            return False
        return self._finish(self._version, write_checked(self.project.snapshot(self.snapshots), self.disk))

    def _settle(self) -> None:
        """Stop the timers and let a write in progress finish (its result delivered)."""
        self.timer.stop()
        self.deadline.stop()
        self._pool.waitForDone()
        from PySide6.QtCore import QCoreApplication, QEvent

        QCoreApplication.sendPostedEvents(self, QEvent.Type.MetaCall)

    # ---- the window's answers -------------------------------------------------------
    def discard(self) -> None:
        """Forget the unsaved changes (the user said so): nothing more is written."""
        self._settle()
        self._saved_version = self._version
        self.modified_changed.emit(False)

    def overwrite(self, theirs: DiskState | None) -> bool:
        """Resume after a conflict, writing over `theirs` (the file the user saw and chose
        to replace): only that version is overwritten, not a newer one."""
        self.disk, self.in_conflict = theirs, False
        self.snapshots.mark(None)
        return self.flush()

    def save_as(self, path) -> bool:
        """Write the project to `path` from now on (the file dialog confirmed any overwrite).
        On failure the project keeps its old file (and state) and False is returned."""
        self._settle()
        if self.project is None:
            return False
        before = (self.project.path, self.disk, self.in_conflict)
        self.project.path = Path(path)
        self.disk, self.in_conflict = self._read_disk(), False
        self.mark_dirty(None, schedule=False)
        if self.flush():
            return True
        self.project.path, self.disk, self.in_conflict = before
        return False

    def close(self) -> None:
        self.flush()
        self._pool.waitForDone()
        self.closed = True
