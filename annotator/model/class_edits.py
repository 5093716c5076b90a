"""Class edits beyond add / rename / merge / delete (edits.py): recolour a class and move it in
the class order, which is the order of the class attribute's options, so it decides the 1-9
keys, the Classes menu, VIA's option order and COCO's category order. Undone from the same
project snapshot as the other class edits."""

from __future__ import annotations

from dataclasses import dataclass

from .attributes import AmbiguousClass
from .edits import _class_def, _ProjectSnapshotEdit
from .project import Project


def _checked_colour(colour: str) -> str:
    text = colour.strip().lower()
    if len(text) != 7 or text[0] != "#" or any(c not in "0123456789abcdef" for c in text[1:]):
        raise ValueError(f"a class colour is written #rrggbb, not {colour!r}")
    return text


@dataclass
class SetClassColour(_ProjectSnapshotEdit):
    """Give class `name` the colour `colour` (#rrggbb), kept in the project file."""

    name: str
    colour: str

    @property
    def text(self):
        return f"Colour of {self.name}"

    def _change(self, project: Project) -> None:
        if self.name not in project.class_names():
            raise ValueError(f"there is no class {self.name!r}")
        project.class_colours()[self.name] = _checked_colour(self.colour)


@dataclass
class MoveClass(_ProjectSnapshotEdit):
    """Move class `name` to position `index` (0-based) of the class order."""

    name: str
    index: int

    @property
    def text(self):
        return f"Move class {self.name}"

    def _change(self, project: Project) -> None:
        names = project.class_names()  # options first, then names seen only on regions
        if self.name not in names:
            raise ValueError(f"there is no class {self.name!r}")
        names.remove(self.name)
        names.insert(max(0, min(self.index, len(names))), self.name)
        attr = _class_def(project)
        # every class becomes an option, so the order is the file's own (VIA lists options in order)
        attr.options = {name: attr.options.get(name, "") for name in names}


def move_class(project: Project, name: str, step: int) -> MoveClass | None:
    """The edit that moves `name` `step` places up (-1) or down (+1); None at the ends."""
    names = project.class_names()
    attr = project.class_def
    if name not in names or (attr is not None and not attr.has_options):
        return None  # a text attribute's order cannot be kept in a VIA file
    index = names.index(name) + step
    return MoveClass(name, index) if 0 <= index < len(names) else None


def class_or_none(project: Project, region) -> str | None:
    """The region's class, None when it has none or several (for filters: never guessed)."""
    try:
        return project.class_of(region)
    except AmbiguousClass:
        return None


def ticked_classes(project: Project, region) -> list[str]:
    """The classes a region's checkbox class value ticks, in class order ([] for other types)."""
    attr = project.class_def
    value = region.attributes.get(attr.name) if attr is not None else None
    if isinstance(value, dict):
        ticked = {str(k) for k, v in value.items() if v}
    elif isinstance(value, list):
        ticked = {str(v) for v in value}
    else:
        return []
    order = project.class_names()
    return sorted(ticked, key=lambda n: (order.index(n) if n in order else len(order), n))


def several_classes(project: Project) -> list[tuple[str, int, list[str]]]:
    """(image key, region id, classes ticked) of every region with two or more classes ticked:
    such a region has no class (none is guessed) until one is chosen."""
    out = []
    for image, region in project.iter_regions():
        ticked = ticked_classes(project, region)
        if len(ticked) > 1:
            out.append((image.key, region.id, ticked))
    return out


@dataclass
class KeepFirstClass(_ProjectSnapshotEdit):
    """Every region with several classes ticked keeps the first of them (in class order)."""

    @property
    def text(self):
        return "Keep the first class ticked"

    def _change(self, project: Project) -> None:
        attr = _class_def(project)
        for image_key, region_id, ticked in several_classes(project):
            project.image(image_key).region(region_id).attributes[attr.name] = attr.class_value(ticked[0])
