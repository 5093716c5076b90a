"""Write a project as labelme files: one JSON per image, in labelme 5.5's layout, meaning
to labelme what it means to Polymask (and to its COCO export).

A closed object is a ``polygon`` (a polyline of three or more points is one: Polymask and
its COCO export fill it); an open line read from labelme goes back as its ``linestrip`` /
``line``. An object in several parts is several polygons sharing a ``group_id`` (labelme's
instance grouping; the group's own id when it came from labelme, and an unedited group is
written back shape for shape); an object with holes a ``mask`` (a PNG cropped to its box),
since labelme polygons cannot hold holes. An ellipse, which labelme lacks, is written as its
polygon and said so. Sizes come from the images when the project lacks them; flags,
descriptions and unknown keys read from labelme are written back. Where each file goes and
what it may replace: annotator.io.labelme_targets.
"""

from __future__ import annotations

import base64
import io
import os
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from polymask_common.text import plural

from ..model import (
    AmbiguousClass,
    Circle,
    Ellipse,
    ImageRecord,
    MultiPolygon,
    Point,
    Polygon,
    Polyline,
    Problem,
    Project,
    Rect,
    Region,
    area_geometry,
    own_data,
)
from ..model import validation as v
from .errors import POLYLINE_AS_POLYGON
from .images import ImageReadError, displayed_size
from .jsonfile import dumps_json
from .labelme import FLAGS
from .labelme_images import embedded_data
from .labelme_shapes import AS_READ, CLASS_ATTRIBUTE, EXTRA, MEMBERS, POINTS_OF, READ_AS, unchanged_as_read
from .labelme_targets import check_replaceable, plan, save_manifest, write_file
from .paths import project_image_file
from .rle import parts_to_mask
from .via_parts import to_lists

LABELME_VERSION = "5.5.0"
ELLIPSE_AS_POLYGON = "ellipse-as-polygon"
_OURS = ("shape_type", "group_id", "mask", MEMBERS, READ_AS, POINTS_OF, AS_READ)
_IMAGE_OURS = ("version", "flags", "imagePath")


def _pts(xs, ys) -> list[list[float]]:
    return [[float(x), float(y)] for x, y in zip(xs, ys)]


def _mask_shape(shape: MultiPolygon) -> dict[str, Any]:
    """The labelme mask of a holed object: corners of its pixel box and the PNG inside it."""
    x0, y0, x1, y1 = (int(np.floor(c)) for c in area_geometry(shape).bounds)
    w, h = x1 - x0 + 1, y1 - y0 + 1
    moved = shape.translated(-x0, -y0)
    flat = lambda ring: [c for xy in zip(ring.xs, ring.ys) for c in xy]  # noqa: E731
    mask = parts_to_mask([(flat(o), [flat(hole) for hole in hs]) for o, hs in moved.parts], h, w)
    png = io.BytesIO()
    Image.fromarray(mask.astype(np.uint8) * 255).save(png, format="PNG")
    return {
        "points": [[x0, y0], [x1, y1]],
        "shape_type": "mask",
        "mask": base64.b64encode(png.getvalue()).decode("ascii"),
    }


def _group_id(region: Region):
    g = own_data(region).get(EXTRA, {}).get("group_id")
    return None if isinstance(g, bool) else g


class _Writer:
    """State across images: fresh group ids never collide with the ids read from labelme."""

    def __init__(self, project: Project):
        self.project = project
        used = [g for _, r in project.iter_regions() if isinstance(g := _group_id(r), int)]
        self.next_group = max(used + [0]) + 1
        self.polylines_closed = 0
        self.problems: list[Problem] = []

    def fresh_group(self) -> int:
        self.next_group += 1
        return self.next_group - 1

    def shapes(self, region: Region) -> list[dict[str, Any]]:
        """labelme shape dicts (points, shape_type, group_id, maybe mask) for one region."""
        shape, ours, group = region.shape, own_data(region).get(EXTRA, {}), _group_id(region)
        if (read := unchanged_as_read(region)) is not None:
            return [{"group_id": group, **read}]
        if isinstance(shape, MultiPolygon):
            if MEMBERS in ours and ours.get(READ_AS) == to_lists(shape):  # an unedited labelme group
                return [{"polymask:member": True, **m} for m in ours[MEMBERS]]
            if any(holes for _, holes in shape.parts):
                return [{**_mask_shape(shape), "group_id": group}]
            group = group if isinstance(group, int) else self.fresh_group()
            return [
                {"points": _pts(outer.xs, outer.ys), "shape_type": "polygon", "group_id": group}
                for outer, _ in shape.parts
            ]
        return [{"group_id": group, **self._single(shape, ours)}]

    def _single(self, shape, ours: dict) -> dict[str, Any]:
        if isinstance(shape, Polygon):
            four = len(shape.xs) == 4 and ours.get("shape_type") == "oriented_rectangle"
            return {"points": _pts(shape.xs, shape.ys), "shape_type": "oriented_rectangle" if four else "polygon"}
        if isinstance(shape, Polyline):
            kind = ours.get("shape_type")
            if kind in ("line", "linestrip") and (kind == "linestrip" or len(shape.xs) == 2):
                return {"points": _pts(shape.xs, shape.ys), "shape_type": kind}
            if not shape.outline():  # two points: no area
                return {"points": _pts(shape.xs, shape.ys), "shape_type": "linestrip"}
            self.polylines_closed += 1
            return {"points": _pts(shape.xs, shape.ys), "shape_type": "polygon"}
        if isinstance(shape, Rect):
            corners = [[shape.x, shape.y], [shape.x + shape.width, shape.y + shape.height]]
            return {"points": corners, "shape_type": "rectangle"}
        if isinstance(shape, Circle):
            return {"points": [[shape.cx, shape.cy], [shape.cx + shape.r, shape.cy]], "shape_type": "circle"}
        if isinstance(shape, Point):
            return {"points": [[shape.cx, shape.cy]], "shape_type": "point"}
        return {"points": [list(p) for p in shape.outline()], "shape_type": "polygon"}

    def label(self, image: ImageRecord, index: int, region: Region) -> str:
        try:
            label = self.project.class_of(region)
        except AmbiguousClass as exc:
            self.problems.append(
                Problem(
                    v.AMBIGUOUS_CLASS, f"the class is ambiguous ({exc}); written without a label", image.filename, index
                )
            )
            return ""
        if label is None and not self.project.class_attribute:
            label = region.attributes.get(CLASS_ATTRIBUTE)
        return "" if label is None else str(label)

    def image_shapes(self, image: ImageRecord) -> list[dict[str, Any]]:
        shapes: list[dict[str, Any]] = []
        points_shapes: dict[tuple, dict] = {}  # labelme 7 `points` shapes, joined again
        for index, region in enumerate(image.regions):
            ours = own_data(region).get(EXTRA, {})
            kept = {k: val for k, val in ours.items() if k not in _OURS}
            label = self.label(image, index, region)
            if isinstance(region.shape, Ellipse):
                self.problems.append(
                    Problem(ELLIPSE_AS_POLYGON, "labelme has no ellipse: written as a polygon", image.filename, index)
                )
            of = ours.get(POINTS_OF)
            if isinstance(region.shape, Point) and isinstance(of, list) and of:
                key = (label, str(of[0]))
                if key in points_shapes:
                    points_shapes[key]["points"].append([region.shape.cx, region.shape.cy])
                    continue
                item = {"label": label, "group_id": _group_id(region), "description": "", "flags": {}, **kept}
                item.update(points=[[region.shape.cx, region.shape.cy]], shape_type="points")
                points_shapes[key] = item
                shapes.append(item)
                continue
            for item in self.shapes(region):
                if item.pop("polymask:member", False):  # a shape of a group, as read: its own keys only
                    shapes.append({"label": label, **item})
                else:
                    shapes.append({"label": label, "description": "", "flags": {}, **kept, **item})
        return shapes


def _flags(project: Project, image: ImageRecord) -> dict[str, bool]:
    """labelme's image flags: as read, with the `flags` file attribute's ticks (edited in
    Polymask or VIA) over them."""
    read = own_data(image).get(EXTRA, {}).get(FLAGS)
    read = read if isinstance(read, dict) else {}
    ticked = image.file_attributes.get(FLAGS)
    if not isinstance(ticked, dict):
        return dict(read)
    definition = project.file_attributes.get(FLAGS)
    names = list(read) + [n for n in (definition.options if definition else {}) if n not in read]
    return {n: bool(ticked.get(n)) for n in names}


def _size(project: Project, image: ImageRecord, problems: list[Problem]) -> tuple[int | None, int | None]:
    if image.width is not None and image.height is not None:
        return image.width, image.height
    try:
        return displayed_size(project_image_file(project, image))
    except ImageReadError as exc:
        problems.append(
            Problem(
                v.MISSING_IMAGE,
                f"the image size is unknown ({str(exc).split(': ', 1)[-1]}): imageHeight/Width left empty",
                image.filename,
            )
        )
        return None, None


def write_labelme(project: Project, folder, embed_images: bool = False, protect=(), replace=()) -> list[Problem]:
    """One labelme JSON per image below `folder`, mirroring the images' sub-folders; returns
    what was left out or changed kind. Raises FormatError, before writing anything, when a
    file would replace one of `protect` (the conversion's inputs) or a file Polymask did
    not write, unless it is one of `replace` (files the user agreed to replace)."""
    folder = Path(folder)
    planned, problems = plan(project, folder)
    check_replaceable(folder, [target for _, target in planned], [Path(p) for p in protect], replace)
    folder.mkdir(parents=True, exist_ok=True)
    writer = _Writer(project)
    written: dict[str, str] = {}
    try:
        for image, target in planned:
            width, height = _size(project, image, problems)
            image_path = project_image_file(project, image)
            data = None
            if embed_images:
                try:
                    data = embedded_data(image_path)
                except OSError as exc:
                    problems.append(Problem(v.MISSING_IMAGE, f"not embedded: {exc}", image.filename))
            out: dict[str, Any] = {
                "version": LABELME_VERSION,
                "flags": _flags(project, image),
                "shapes": writer.image_shapes(image),
                "imagePath": Path(os.path.relpath(image_path, target.parent)).as_posix(),
                "imageData": data,
                "imageHeight": height,
                "imageWidth": width,
            }
            kept = {k: val for k, val in own_data(image).get(EXTRA, {}).items() if k not in _IMAGE_OURS}
            out.update({k: val for k, val in kept.items() if k not in out})
            write_file(folder, target, dumps_json(out, indent=True), written)
    finally:
        if written:
            save_manifest(folder, written)
    if n := writer.polylines_closed:
        problems.append(
            Problem(
                POLYLINE_AS_POLYGON,
                f"{plural(n, 'polyline')} of 3 or more points written as "
                f"{'a labelme polygon' if n == 1 else 'labelme polygons'}: Polymask (and its COCO export) "
                f"treats {'it as a closed object' if n == 1 else 'them as closed objects'}",
            )
        )
    return problems + writer.problems
