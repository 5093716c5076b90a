"""Copies of a project for a writer thread (autosave): everything an edit may change is copied,
so the copy can be serialised while editing goes on. An image's copy is reused by the next
snapshot unless the image was marked changed since (``SnapshotCache.mark``) or its size was
learnt (``Project.learn_size``), so a snapshot of 10,000 images costs milliseconds."""

from __future__ import annotations

import copy
from typing import Protocol, TypeVar

from .records import ImageRecord, Region


class Snapshottable(Protocol):
    """What a snapshot reads of a project (annotator.model.project.Project)."""

    images: list[ImageRecord]

    def take_learnt(self) -> set[str]: ...


P = TypeVar("P", bound=Snapshottable)


def _copy_region(r: Region) -> Region:
    new = object.__new__(type(r))
    new.__dict__.update(r.__dict__)
    new.attributes = dict(r.attributes)  # values are replaced by edits, never mutated in place
    return new


def _copy_image(im: ImageRecord) -> ImageRecord:
    new = object.__new__(type(im))
    new.__dict__.update(im.__dict__)
    new.regions = [_copy_region(r) for r in im.regions]
    new.file_attributes = dict(im.file_attributes)
    return new


class SnapshotCache:
    """The image copies of one project's last snapshot, and which images changed since."""

    def __init__(self) -> None:
        self._copies: dict[int, tuple[ImageRecord, ImageRecord]] = {}
        self._dirty: set[str] | None = None  # None: everything

    def mark(self, keys=None) -> None:
        """The images `keys` changed (None: any of them may have)."""
        if keys is None:
            self._dirty = None
        elif self._dirty is not None:
            self._dirty.update(keys)

    def take(self, project: P) -> P:
        dirty, self._dirty = self._dirty, set()
        learnt = project.take_learnt()
        copies = {}
        images = []
        for im in project.images:
            cached = self._copies.get(id(im))
            if cached is None or cached[0] is not im or dirty is None or im.key in dirty or im.key in learnt:
                cached = (im, _copy_image(im))
            copies[id(im)] = cached
            images.append(cached[1])
        self._copies = copies
        snap = object.__new__(type(project))
        snap.__dict__.update(project.__dict__)
        snap.__dict__.pop("_index", None)
        snap.__dict__["_learnt"] = set()
        snap.images = images
        for name in ("region_attributes", "file_attributes", "settings", "extra", "polymask"):
            setattr(snap, name, copy.deepcopy(getattr(project, name)))
        return snap
