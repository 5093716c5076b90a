"""Accepting predictions: a model's instances on one image become Polygon regions of their
classes in ONE undoable edit (each instance's outline(s), clipped to the image), built with the
model's `new_region_edit` as the canvas builds a drawn region. Qt-free: the window's Accept and
any other front end call the same function."""

from __future__ import annotations

from ..model import EditGroup, Polygon, Project, new_region_edit


def accept_edit(project: Project, image_key: str, instances: list) -> tuple[EditGroup | None, list[int]]:
    """ONE undoable edit adding each instance's polygons as Polygon regions of its class."""
    im = project.image(image_key)
    w, h = im.width, im.height
    edits, ids = [], []
    for inst in instances:
        for flat in inst.polygons or []:
            if len(flat) < 6:
                continue
            xs, ys = flat[0::2], flat[1::2]
            if w:
                xs = [min(max(float(x), 0.0), float(w)) for x in xs]
            if h:
                ys = [min(max(float(y), 0.0), float(h)) for y in ys]
            edit, rid = new_region_edit(
                project, image_key, Polygon(tuple(map(float, xs)), tuple(map(float, ys))), inst.class_name
            )
            edits.append(edit)
            ids.append(rid)
    if not edits:
        return None, []
    n = len(instances)
    return EditGroup(edits, f"Accept {n} prediction" + ("s" if n != 1 else "")), ids
