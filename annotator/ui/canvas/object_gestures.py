"""Gestures that change what an object is made of: a part added, a hole cut, an
area painted or erased, objects merged, a part split out.

The canvas calls these with the tool's result and the selected object; the edits
and their geometry are the model's (annotator.model.object_edits). Each answers the
edit (or None), the regions to select afterwards, and a line for the status bar.
"""

from __future__ import annotations

from dataclasses import dataclass

import shapely

from ...model import (
    Edit,
    ImageRecord,
    MultiPolygon,
    Project,
    add_part,
    area_geometry,
    cut_hole,
    merge_regions,
    new_region_edit,
    paint,
    shape_from_geometry,
    split_part,
)
from .brush import SIMPLIFY_PX


@dataclass
class Outcome:
    edit: Edit | None
    select: list[int]
    hint: str = ""


def tool_outcome(
    project: Project, image: ImageRecord, mode: str, result, target: int | None, class_name: str | None
) -> Outcome:
    """What a finished drawing does in `mode` ("new", "part", "hole", "paint", "erase") to `target`,
    the one selected object (None: none)."""
    if mode == "new" or (target is None and mode in ("part", "paint")):
        shape = result if mode != "paint" else shape_from_geometry(result, SIMPLIFY_PX)
        if shape is None:
            return Outcome(None, [])
        edit, rid = new_region_edit(project, image.key, shape, class_name)
        return Outcome(edit, [rid], "" if mode == "new" else "New object (select one first to add to it)")
    if target is None:
        return Outcome(None, [], f"Select the object to {'cut a hole in' if mode == 'hole' else 'erase from'} first")
    try:
        if mode == "part":
            return Outcome(add_part(image, target, result), [target])
        if mode == "hole":
            return Outcome(cut_hole(image, target, result), [target])
        return Outcome(paint(image, target, result, erase=mode == "erase"), [target])
    except ValueError as exc:  # a point or a line has no area; nothing would be left of the object
        return Outcome(None, [target], _sentence(str(exc)))


def merge_outcome(image: ImageRecord, region_ids: list[int]) -> Outcome:
    if len(region_ids) < 2:
        return Outcome(None, region_ids, "Select two or more objects to merge (Shift+click adds to the selection)")
    try:
        edit = merge_regions(image, region_ids)
    except ValueError as exc:
        return Outcome(None, region_ids, _sentence(str(exc)))
    return Outcome(edit, [region_ids[0]], f"Merged {len(region_ids)} objects into one")


def split_outcome(image: ImageRecord, region_ids: list[int], at: tuple[float, float] | None, tol: float) -> Outcome:
    """Split the part under `at` (else the smallest part) out of the one selected object."""
    if len(region_ids) != 1:
        return Outcome(None, region_ids, "Select one object of several parts to split a part out of it")
    (rid,) = region_ids
    shape = image.region(rid).shape
    if not isinstance(shape, MultiPolygon) or len(shape.parts) < 2:
        return Outcome(None, region_ids, "This object has one part: nothing to split out")
    index = part_at(shape, at, tol)
    before = {r.id for r in image.regions}
    edit = split_part(image, rid, index)
    new_ids = [r.id for r in _regions_after(edit, image) if r.id not in before]
    return Outcome(edit, new_ids or [rid], f"Part {index + 1} of {len(shape.parts)} is now an object of its own")


def part_at(shape: MultiPolygon, at: tuple[float, float] | None, tol: float) -> int:
    """The index of the part under (or within `tol` of) `at`; the smallest part when none is."""
    parts = [area_geometry(MultiPolygon((part,))) for part in shape.parts]
    if at is not None:
        point = shapely.Point(at)
        distances = [p.distance(point) for p in parts]
        nearest = min(range(len(parts)), key=distances.__getitem__)
        if distances[nearest] <= tol:
            return nearest
    return min(range(len(parts)), key=lambda i: parts[i].area)


def _regions_after(edit: Edit, image: ImageRecord):
    """The regions the edit adds (read from the edit: it is not applied yet)."""
    for e in getattr(edit, "edits", [edit]):
        yield from getattr(e, "regions", [])


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]
