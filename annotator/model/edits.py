"""Undoable edits on a Project, addressed by image key and region id.

Each edit is a plain object with `apply` and `revert`; the window wraps them in
QUndoCommands. Edits record the old state when they are made (Qt's Undo
Framework pattern: record on press, push on release) and drags of the same
thing merge into one step through `merge`. Each declares its `scope()` (which
images, which regions, or the whole project), by which the window picks the undo
history, refreshes the views and autosave marks what to save; nothing outside
asks an edit for its type.
"""

from __future__ import annotations

import copy
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any

from .attributes import DEFAULT_CLASS, AttributeDef
from .project import Project
from .records import ImageRecord, Region
from .shapes import MIN_RING_VERTICES, MultiPolygon, PathShape, Shape, min_vertices


@dataclass(frozen=True)
class Scope:
    """What an edit touches.

    images: the keys of the images whose data it changes (regions, attributes, done flag), in order;
    regions: when not None, it changes only these regions' shapes (a drag, a nudge) and nothing else
        of the images: lists, counts, classes and attributes stay;
    project: it changes project-wide data (classes) and belongs to the project's history."""

    images: tuple[str, ...] = ()
    regions: frozenset[int] | None = None
    project: bool = False

    @classmethod
    def of_image(cls, key: str, shapes_of: Iterable[int] | None = None) -> Scope:
        return cls((key,), frozenset(shapes_of) if shapes_of is not None else None)

    def union(self, other: Scope) -> Scope:
        regions = self.regions | other.regions if self.regions is not None and other.regions is not None else None
        return Scope(tuple(dict.fromkeys(self.images + other.images)), regions, self.project and other.project)


PROJECT_WIDE = Scope(project=True)


class Edit:
    @property
    def text(self) -> str:
        """What the Edit menu says ("Undo Move vertex"); edits name themselves by field or property."""
        return "edit"

    def apply(self, project: Project) -> None:
        raise NotImplementedError

    def revert(self, project: Project) -> None:
        raise NotImplementedError

    def merge_key(self) -> Hashable | None:
        """Edits with equal non-None keys, pushed one after the other, merge."""
        return None

    def merge(self, other: Edit) -> bool:
        return False

    def scope(self) -> Scope:
        """What the edit touches (read after `apply` for edits that learn it then)."""
        raise NotImplementedError


# ---- regions ---------------------------------------------------------------
@dataclass
class AddRegions(Edit):
    image_key: str
    regions: list[Region]
    text: str = "Add shape"

    def apply(self, project):
        project.image(self.image_key).regions.extend(self.regions)

    def revert(self, project):
        ids = {r.id for r in self.regions}
        im = project.image(self.image_key)
        im.regions = [r for r in im.regions if r.id not in ids]

    def scope(self):
        return Scope.of_image(self.image_key)


@dataclass
class RemoveRegions(Edit):
    image_key: str
    region_ids: list[int]
    text: str = "Delete shapes"
    _removed: list[tuple[int, Region]] = field(default_factory=list)

    def apply(self, project):
        im = project.image(self.image_key)
        ids = set(self.region_ids)
        self._removed = [(i, r) for i, r in enumerate(im.regions) if r.id in ids]
        im.regions = [r for r in im.regions if r.id not in ids]

    def revert(self, project):
        im = project.image(self.image_key)
        for index, region in self._removed:  # ascending indices restore the order
            im.regions.insert(index, region)

    def scope(self):
        return Scope.of_image(self.image_key)


@dataclass
class SetShape(Edit):
    """Replace a region's shape: moves, vertex drags, inserts and deletes."""

    image_key: str
    region_id: int
    old: Shape
    new: Shape
    text: str = "Edit shape"
    merge_tag: Hashable | None = None

    def apply(self, project):
        project.image(self.image_key).region(self.region_id).shape = self.new

    def revert(self, project):
        project.image(self.image_key).region(self.region_id).shape = self.old

    def merge_key(self):
        return None if self.merge_tag is None else (self.merge_tag, self.region_id)

    def merge(self, other):
        if not isinstance(other, SetShape) or other.merge_key() != self.merge_key() or self.merge_key() is None:
            return False
        self.new = other.new
        return True

    def scope(self):
        return Scope.of_image(self.image_key, shapes_of=[self.region_id])


def delete_vertex(image: ImageRecord, region_id: int, index: int) -> SetShape:
    """Delete vertex `index`; raises ValueError saying why it cannot be. On an object of several
    rings, deleting a vertex of a triangle removes that ring (a hole, or one of several parts)."""
    old = image.region(region_id).shape
    if isinstance(old, MultiPolygon):
        ring, _at = old.ring_of(index)
        if len(old.rings()[ring].xs) > MIN_RING_VERTICES:
            return SetShape(image.key, region_id, old, old.without_vertex(index), "Delete vertex")
        is_part = ring in old.outer_rings()
        if is_part and len(old.parts) == 1:
            raise ValueError(f"a part needs at least {MIN_RING_VERTICES} vertices; delete the shape instead")
        return SetShape(image.key, region_id, old, old.without_ring(ring), "Delete part" if is_part else "Delete hole")
    if not isinstance(old, PathShape):
        raise ValueError(f"a {old.name} has no vertex to delete")
    minimum = min_vertices(old)
    if len(old.xs) <= minimum:
        raise ValueError(f"a {old.name} needs at least {minimum} vertices; delete the shape instead")
    return SetShape(image.key, region_id, old, old.without_vertex(index), "Delete vertex")


# ---- new regions ------------------------------------------------------------
def default_attributes(project: Project) -> dict:
    """Attribute values a new region starts with (VIA's defaults), the class excepted."""
    out: dict[str, Any] = {}
    for name, attr in project.region_attributes.items():
        if name == project.class_attribute:
            continue
        if attr.type == "checkbox":
            ticked = {k: True for k, v in attr.default_options.items() if v}
            if ticked:
                out[name] = ticked
        elif attr.has_options:
            chosen = [k for k, v in attr.default_options.items() if v]
            if chosen:
                out[name] = chosen[0]
        elif attr.default_value:
            out[name] = attr.default_value
    return out


def new_region_edit(project: Project, image_key: str, shape: Shape, class_name: str | None) -> tuple[Edit, int]:
    """The edit that adds `shape` with class `class_name`, and the new region's id."""
    region = Region(shape=shape, attributes=default_attributes(project))
    text = f"Add {shape.name}"
    attr = project.class_def
    if class_name is None or (attr is None and not project.region_attributes and class_name == DEFAULT_CLASS):
        return AddRegions(image_key, [region], text), region.id
    if attr is not None and (class_name in attr.options or not attr.has_options):
        region.attributes[attr.name] = attr.class_value(class_name)
        return AddRegions(image_key, [region], text), region.id
    # the class (or the class attribute) does not exist yet: SetClass creates it
    return EditGroup(
        [AddRegions(image_key, [region], text), SetClass(image_key, [region.id], class_name)], text
    ), region.id


# Edits that change what an object is made of (parts, holes, brush strokes, merge, split) are in
# object_edits.py: def add_part, def cut_hole, def paint, def merge_regions, def split_part.


# ---- attributes --------------------------------------------------------------
@dataclass
class SetRegionAttribute(Edit):
    image_key: str
    region_ids: list[int]
    name: str
    value: Any
    text: str = "Set attribute"
    _old: dict[int, Any] = field(default_factory=dict)

    _MISSING = object()

    def apply(self, project):
        im = project.image(self.image_key)
        for rid in self.region_ids:
            attrs = im.region(rid).attributes
            self._old[rid] = attrs.get(self.name, self._MISSING)
            attrs[self.name] = copy.deepcopy(self.value)

    def revert(self, project):
        im = project.image(self.image_key)
        for rid, old in self._old.items():
            attrs = im.region(rid).attributes
            if old is self._MISSING:
                attrs.pop(self.name, None)
            else:
                attrs[self.name] = old

    def scope(self):
        return Scope.of_image(self.image_key)


@dataclass
class SetFileAttribute(Edit):
    image_key: str
    name: str
    value: Any
    text: str = "Set file attribute"
    _old: Any = None
    _had: bool = False

    def apply(self, project):
        attrs = project.image(self.image_key).file_attributes
        self._had = self.name in attrs
        self._old = attrs.get(self.name)
        attrs[self.name] = copy.deepcopy(self.value)

    def revert(self, project):
        attrs = project.image(self.image_key).file_attributes
        if self._had:
            attrs[self.name] = self._old
        else:
            attrs.pop(self.name, None)

    def scope(self):
        return Scope.of_image(self.image_key)


# ---- classes: whole-project edits, undone from a snapshot -------------------------
class _ProjectSnapshotEdit(Edit):
    """Class edits touch many regions; they snapshot the project, change it, then
    keep only what changed, so an undo restores exactly that and leaves later
    edits elsewhere (other images' histories) alone."""

    def apply(self, project):
        self._defs = copy.deepcopy(project.region_attributes)
        self._class_attribute = project.class_attribute
        self._colours = dict(project.class_colours())
        attrs = {r.id: copy.deepcopy(r.attributes) for _, r in project.iter_regions()}
        lists = {im.key: list(im.regions) for im in project.images}
        self._change(project)
        self._regions = {
            im.key: lists[im.key]
            for im in project.images
            if im.key in lists and not _same_items(lists[im.key], im.regions)
        }
        self._attrs = {
            r.id: attrs[r.id] for _, r in project.iter_regions() if r.id in attrs and r.attributes != attrs[r.id]
        }

    def revert(self, project):
        project.region_attributes = self._defs
        project.class_attribute = self._class_attribute
        project.polymask.class_colours = self._colours
        for im in project.images:
            if im.key in self._regions:
                im.regions = self._regions[im.key]
            for r in im.regions:
                if r.id in self._attrs:
                    r.attributes = self._attrs[r.id]

    def _change(self, project: Project) -> None:
        raise NotImplementedError

    def scope(self):
        return PROJECT_WIDE  # class edits: the project's history; every image may have changed


def _same_items(a: list, b: list) -> bool:
    return len(a) == len(b) and all(x is y for x, y in zip(a, b))


def _class_def(project: Project) -> AttributeDef:
    """The class attribute, created as a dropdown named "class" if the project has none."""
    if project.class_def is None:
        name = "class"
        while name in project.region_attributes:
            name += "_"
        project.region_attributes[name] = AttributeDef(name=name, type="dropdown")
        project.class_attribute = name
    assert project.class_def is not None  # the attribute just made, or the project's own
    return project.class_def


@dataclass
class AddClass(_ProjectSnapshotEdit):
    name: str
    colour: str | None = None

    @property
    def text(self):
        return f"Add class {self.name}"

    def _change(self, project):
        attr = _class_def(project)
        if self.name in attr.options:
            raise ValueError(f"class {self.name!r} already exists")
        attr.options[self.name] = ""
        if self.colour:
            project.class_colours()[self.name] = self.colour


@dataclass
class SetClass(_ProjectSnapshotEdit):
    """Give regions a class (adding the class to the options if it is new)."""

    image_key: str
    region_ids: list[int]
    class_name: str | None

    @property
    def text(self):
        return f"Set class {self.class_name}"

    def _change(self, project):
        attr = _class_def(project)
        if self.class_name is not None and self.class_name not in attr.options and attr.has_options:
            attr.options[self.class_name] = ""
        im = project.image(self.image_key)
        for rid in self.region_ids:
            im.region(rid).attributes[attr.name] = attr.class_value(self.class_name)

    def scope(self):
        # the regions' image (its history); the class it adds, if new, is saved with the project's data
        return Scope.of_image(self.image_key)


@dataclass
class RenameClass(_ProjectSnapshotEdit):
    """Rename a class everywhere; renaming onto an existing class merges the two."""

    old: str
    new: str

    @property
    def text(self):
        return f"Rename class {self.old} to {self.new}"

    def _change(self, project):
        attr = _class_def(project)
        if attr.options:
            options: dict[str, Any] = {}
            for k, v in attr.options.items():
                key = self.new if k == self.old else k
                options.setdefault(key, v)
            attr.options = options
        if self.old in attr.default_options:
            attr.default_options[self.new] = attr.default_options.pop(self.old)
        colours = project.class_colours()
        if self.old in colours:
            colours.setdefault(self.new, colours.pop(self.old))
        for _, r in project.iter_regions():
            if attr.name in r.attributes:
                r.attributes[attr.name] = attr.renamed_value(r.attributes[attr.name], self.old, self.new)


def merge_classes(sources: list[str], target: str) -> list[Edit]:
    """Merging is renaming each source onto the target."""
    return [RenameClass(s, target) for s in sources if s != target]


@dataclass
class DeleteClass(_ProjectSnapshotEdit):
    """Remove a class; its regions lose their class, or are deleted with `delete_regions`."""

    name: str
    delete_regions: bool = False

    @property
    def text(self):
        return f"Delete class {self.name}"

    def _change(self, project):
        attr = _class_def(project)
        attr.options.pop(self.name, None)
        attr.default_options.pop(self.name, None)
        project.class_colours().pop(self.name, None)
        for im in project.images:
            if self.delete_regions:
                im.regions = [r for r in im.regions if _safe_class(attr, r) != self.name]
            for r in im.regions:
                if attr.name in r.attributes:
                    r.attributes[attr.name] = attr.without_value(r.attributes[attr.name], self.name)


def _safe_class(attr: AttributeDef, region: Region) -> str | None:
    try:
        return attr.class_of(region.attributes)
    except ValueError:
        return None


@dataclass
class SetDone(Edit):
    """Mark an image done / to do (undoable like every other change)."""

    image_key: str
    done: bool
    _old: bool = False

    @property
    def text(self):
        return "Mark done" if self.done else "Mark to do"

    def apply(self, project):
        im = project.image(self.image_key)
        self._old, im.done = im.done, self.done

    def revert(self, project):
        project.image(self.image_key).done = self._old

    def scope(self):
        return Scope.of_image(self.image_key)


@dataclass
class EditGroup(Edit):
    """Several edits as one undo step (e.g. accepting all predictions)."""

    edits: list[Edit]
    text: str = "Edit"

    def apply(self, project):
        for e in self.edits:
            e.apply(project)

    def revert(self, project):
        for e in reversed(self.edits):
            e.revert(project)

    def scope(self):
        if not self.edits:
            return Scope()
        scope = self.edits[0].scope()
        for e in self.edits[1:]:
            scope = scope.union(e.scope())
        return scope


# ---- edits the canvas builds from its gestures -------------------------------------
def delete_vertex_edit(image: ImageRecord, region_id: int, index: int) -> SetShape | str:
    """The edit that deletes vertex `index`, or why it cannot be deleted (said to the user)."""
    try:
        return delete_vertex(image, region_id, index)
    except ValueError as exc:
        reason = str(exc)
        return reason[:1].upper() + reason[1:]


def union_bbox(shapes: list[Shape]) -> tuple[float, float, float, float]:
    """The box (x, y, w, h) around all of the shapes."""
    boxes = [s.bbox() for s in shapes]
    x0 = min(b[0] for b in boxes)
    y0 = min(b[1] for b in boxes)
    x1 = max(b[0] + b[2] for b in boxes)
    y1 = max(b[1] + b[3] for b in boxes)
    return x0, y0, x1 - x0, y1 - y0


def paste_edit(
    clipboard: list[tuple[Shape, dict]], image_key: str, dx: float, dy: float, width: float | None, height: float | None
) -> tuple[AddRegions, list[int]]:
    """Copies of the clipboard's regions moved by (dx, dy), kept inside a width x height image,
    and their new ids."""
    shapes = [s for s, _ in clipboard]
    bx, by, bw, bh = union_bbox(shapes)
    # keep the pasted group inside the target image when it fits
    if width is not None:
        dx = min(max(dx, -bx), width - (bx + bw)) if bw <= width else -bx
    if height is not None:
        dy = min(max(dy, -by), height - (by + bh)) if bh <= height else -by
    regions = [
        Region(shape=s.translated(dx, dy) if (dx or dy) else s, attributes=copy.deepcopy(a)) for s, a in clipboard
    ]
    n = len(regions)
    return AddRegions(image_key, regions, "Paste shape" if n == 1 else f"Paste {n} shapes"), [r.id for r in regions]


def set_shapes_edit(
    image_key: str, changes: list[tuple[int, Shape, Shape]], text: str, merge_tag: Hashable | None = None
) -> Edit | None:
    """One SetShape (mergeable by tag) or a group of them; None when nothing changes."""
    edits: list[Edit] = [SetShape(image_key, rid, old, new, text, merge_tag) for rid, old, new in changes if old != new]
    if not edits:
        return None
    if len(edits) == 1:
        return edits[0]
    return EditGroup(edits, text)
