"""Undoable edits of the project's image list and of a region's drawing order: images added
(files found in the image folders, File ▸ Add images…), removed from the project (the files
stay on disk), files the user chose not to add, and a shape brought to the front or sent to
the back. They change the image list, so they belong to the project's history."""

from __future__ import annotations

from dataclasses import dataclass, field

from polymask_common.text import plural

from .edits import PROJECT_WIDE, Edit, Scope
from .project import Project
from .records import ImageRecord


def _set_ignored(project: Project, names: list[str], ignored: bool) -> list[str]:
    """Add `names` to (or take them off) the ignored files; the names whose state changed."""
    current = project.polymask.ignored_images
    if ignored:
        changed = [n for n in dict.fromkeys(names) if n not in current]
        current.extend(changed)
    else:
        drop = set(names)
        changed = [n for n in current if n in drop]
        project.polymask.ignored_images = [n for n in current if n not in drop]
    return changed


@dataclass
class AddImages(Edit):
    """Append images to the project (in the order given); names ignored before are not any more."""

    images: list[ImageRecord]
    _unignored: list[str] = field(default_factory=list)

    @property
    def text(self):
        n = len(self.images)
        return f"Add {plural(n, 'image')}"

    def apply(self, project):
        known = {im.key for im in project.images}
        if any(im.key in known for im in self.images):
            raise ValueError(f"{next(im.filename for im in self.images if im.key in known)} is in the project already")
        project.images.extend(self.images)
        self._unignored = _set_ignored(project, [im.filename for im in self.images], ignored=False)

    def revert(self, project):
        added = {id(im) for im in self.images}
        project.images[:] = [im for im in project.images if id(im) not in added]
        _set_ignored(project, self._unignored, ignored=True)

    def scope(self):
        return PROJECT_WIDE


@dataclass
class RemoveImages(Edit):
    """Take images (with their regions) out of the project; their files are not touched.
    Their names are ignored from then on, so the folder watch does not offer them again."""

    keys: list[str]
    _removed: list[tuple[int, ImageRecord]] = field(default_factory=list)
    _ignored: list[str] = field(default_factory=list)

    @property
    def text(self):
        n = len(self.keys)
        return f"Remove {plural(n, 'image')} from the project"

    def apply(self, project):
        gone = set(self.keys)
        self._removed = [(i, im) for i, im in enumerate(project.images) if im.key in gone]
        if not self._removed:
            raise KeyError(f"no image {self.keys[0]!r} in the project")
        project.images[:] = [im for im in project.images if im.key not in gone]
        self._ignored = _set_ignored(project, [im.filename for _, im in self._removed], ignored=True)

    def revert(self, project):
        for index, image in self._removed:  # ascending indices restore the order
            project.images.insert(index, image)
        _set_ignored(project, self._ignored, ignored=False)

    def scope(self):
        return PROJECT_WIDE


@dataclass
class IgnoreImages(Edit):
    """Files in the image folders that the user chose not to add: not offered again."""

    names: list[str]
    _changed: list[str] = field(default_factory=list)

    @property
    def text(self):
        n = len(self.names)
        return f"Ignore {plural(n, 'new image')}"

    def apply(self, project):
        self._changed = _set_ignored(project, self.names, ignored=True)

    def revert(self, project):
        _set_ignored(project, self._changed, ignored=False)

    def scope(self):
        return PROJECT_WIDE


@dataclass
class RestackRegions(Edit):
    """Draw regions on top of the others (`to_front`) or below them: the order of the image's
    regions is the drawing order (and VIA's region order)."""

    image_key: str
    region_ids: list[int]
    to_front: bool = True
    _order: list[int] = field(default_factory=list)

    @property
    def text(self):
        return "Bring to front" if self.to_front else "Send to back"

    def apply(self, project):
        im = project.image(self.image_key)
        self._order = [r.id for r in im.regions]
        chosen = set(self.region_ids)
        moved = [r for r in im.regions if r.id in chosen]
        rest = [r for r in im.regions if r.id not in chosen]
        im.regions = rest + moved if self.to_front else moved + rest

    def revert(self, project):
        im = project.image(self.image_key)
        by_id = {r.id: r for r in im.regions}
        im.regions = [by_id[i] for i in self._order if i in by_id]

    def scope(self):
        return Scope.of_image(self.image_key)
