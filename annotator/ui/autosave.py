"""Autosave: atomic, debounced after edits, on image switch and on exit.

The UI thread only takes a snapshot of the project (a copy of the images edited
since the last save; copies of unchanged images are reused), then a worker
thread serialises and writes it with `annotator.io.save_project` (temp file +
fsync + os.replace, one .bak kept). So a 10,000-image project costs the UI
thread a few milliseconds per save, and a crash or kill -9 loses at most the
debounce delay of work.
"""
from __future__ import annotations

import copy
import gc
import time
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal

from ..model import ImageRecord, Project, Region


def _copy_region(r: Region) -> Region:
    new = object.__new__(Region)
    new.__dict__.update(r.__dict__)
    new.attributes = dict(r.attributes)  # values are replaced by edits, never mutated in place
    return new


def _copy_image(im: ImageRecord) -> ImageRecord:
    new = object.__new__(ImageRecord)
    new.__dict__.update(im.__dict__)
    new.regions = [_copy_region(r) for r in im.regions]
    new.file_attributes = dict(im.file_attributes)
    return new


class Snapshotter:
    """Copies of the project for a writer thread; unchanged images are copied once."""

    def __init__(self):
        self._copies: dict[int, tuple[ImageRecord, ImageRecord]] = {}
        self._dirty: set[str] | None = None  # None: everything

    def mark(self, keys=None) -> None:
        if keys is None:
            self._dirty = None
        elif self._dirty is not None:
            self._dirty.update(keys)

    def take(self, project: Project) -> Project:
        dirty, self._dirty = self._dirty, set()
        copies = {}
        images = []
        for im in project.images:
            cached = self._copies.get(id(im))
            if cached is None or cached[0] is not im or dirty is None or im.key in dirty:
                cached = (im, _copy_image(im))
            copies[id(im)] = cached
            images.append(cached[1])
        self._copies = copies
        snap = object.__new__(Project)
        snap.__dict__.update(project.__dict__)
        snap.images = images
        for name in ("region_attributes", "file_attributes", "settings", "extra", "polymask"):
            setattr(snap, name, copy.deepcopy(getattr(project, name)))
        return snap


def write_project(project: Project) -> Path:
    """Write a snapshot with `annotator.io.save_project`: orjson encodes a 10 MB project in
    a few tens of milliseconds, so the writer thread holds the GIL only briefly."""
    from ..io.native import save_project

    return save_project(project)


class _Emitter(QObject):
    done = Signal(int, str, str)  # version, path, error


class _SaveJob(QRunnable):
    def __init__(self, snapshot: Project, version: int, emitter: _Emitter):
        super().__init__()
        self.snapshot, self.version, self.emitter = snapshot, version, emitter

    def run(self):
        try:
            path = write_project(self.snapshot)
            self.emitter.done.emit(self.version, str(path), "")
        except Exception as exc:  # disk full, permissions...: reported, never raised in a thread
            self.emitter.done.emit(self.version, "", f"{type(exc).__name__}: {exc}")


class Autosaver(QObject):
    saved = Signal(str)
    failed = Signal(str)
    modified_changed = Signal(bool)

    def __init__(self, delay_ms: int = 1200, parent=None):
        super().__init__(parent)
        self.project: Project | None = None
        self.snapshots = Snapshotter()
        self.timer = QTimer(self, singleShot=True, interval=delay_ms)
        self.timer.timeout.connect(self.save)
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

    # ---- state ------------------------------------------------------------------
    def set_project(self, project: Project | None, modified: bool = False) -> None:
        self.flush()
        self.project = project
        self.snapshots = Snapshotter()
        self._version += 1
        self._saved_version = self._version if not modified else self._version - 1
        self.modified_changed.emit(self.is_modified())
        if modified:
            self.timer.start()

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

    def touch(self, keys) -> None:
        """Data learnt, not edited (image sizes): saved with the next save."""
        self.snapshots.mark(keys)

    # ---- saving -----------------------------------------------------------------
    def save(self) -> None:
        """Snapshot on this thread, write in the worker."""
        self.timer.stop()
        if self.project is None or self.project.path is None or not self.is_modified():
            return
        if self._inflight:
            self._again = True
            return
        t = time.perf_counter()
        snap = self.snapshots.take(self.project)
        # The copies live until the next save: keep the cyclic GC from walking them again and
        # again (a full collection over 10,000 images holds the GIL for ~200 ms). O(1).
        gc.freeze()
        self.last_ui_ms = (time.perf_counter() - t) * 1000
        self._inflight = True
        self._pool.start(_SaveJob(snap, self._version, self._emitter))

    def _done(self, version: int, path: str, error: str) -> None:
        self._inflight = False
        if error:
            self.snapshots.mark(None)  # copy everything again next time
            self.failed.emit(error)
        else:
            if version == self._version:
                self._saved_version = version
                self.modified_changed.emit(False)
            self.saved.emit(path)
        if self._again:
            self._again = False
            self.save()

    def flush(self) -> None:
        """Save now and wait for the write (on exit, before opening another project)."""
        self.timer.stop()
        self._pool.waitForDone()
        from PySide6.QtCore import QCoreApplication, QEvent

        QCoreApplication.sendPostedEvents(self, QEvent.Type.MetaCall)  # deliver a finished job's result
        self._again = False
        if self.project is None or self.project.path is None or not self.is_modified():
            return
        try:
            write_project(self.snapshots.take(self.project))
        except Exception as exc:
            self.failed.emit(f"{type(exc).__name__}: {exc}")
            return
        self._saved_version = self._version
        self.modified_changed.emit(False)
        self.saved.emit(str(self.project.path))

    def close(self) -> None:
        self.flush()
        self._pool.waitForDone()
