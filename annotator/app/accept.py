"""Accepting predictions: each of a model's instances on one image becomes ONE object of its class
(a Polygon, or a MultiPolygon when its mask came out in several parts), clipped to the image, all
in ONE undoable edit, built with the model's `new_region_edit` as the canvas builds a drawn region.
An instance without a ring of 3+ vertices adds nothing and is counted, so "accepted" is always the
number of objects added. Qt-free: the window's Accept and any other front end call the same function."""

from __future__ import annotations

from polymask_common.text import plural

from ..model import EditGroup, MultiPolygon, Polygon, Project, Shape, new_region_edit
from .prediction_counts import MIN_VERTICES


def _ring(flat, w: int | None, h: int | None) -> Polygon | None:
    if len(flat) < 2 * MIN_VERTICES:
        return None
    xs, ys = [float(x) for x in flat[0::2]], [float(y) for y in flat[1::2]]
    if w:
        xs = [min(max(x, 0.0), float(w)) for x in xs]
    if h:
        ys = [min(max(y, 0.0), float(h)) for y in ys]
    return Polygon(tuple(xs), tuple(ys))


def instance_shape(inst, w: int | None = None, h: int | None = None) -> Shape | None:
    """One object's shape: its rings of 3+ vertices as a Polygon, or a MultiPolygon of parts."""
    rings = [r for flat in inst.polygons or [] if (r := _ring(flat, w, h)) is not None]
    if not rings:
        return None
    return rings[0] if len(rings) == 1 else MultiPolygon(tuple((r, ()) for r in rings))


def accept_edit(project: Project, image_key: str, instances: list) -> tuple[EditGroup | None, list[int]]:
    """ONE undoable edit adding each instance as one object of its class; the new regions' ids
    (one per instance that has an outline: fewer ids than instances means some had none)."""
    im = project.image(image_key)
    edits, ids = [], []
    for inst in instances:
        shape = instance_shape(inst, im.width, im.height)
        if shape is None:
            continue
        edit, rid = new_region_edit(project, image_key, shape, inst.class_name)
        edits.append(edit)
        ids.append(rid)
    if not edits:
        return None, []
    n = len(edits)
    return EditGroup(edits, f"Accept {plural(n, 'prediction')}"), ids
