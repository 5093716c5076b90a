"""Write a project as labelme files: one JSON per image, in labelme 5.5's layout.

An object in several parts is written as polygons sharing a ``group_id`` (how labelme
groups the parts of one instance); an object with holes as a ``mask`` shape (a PNG
cropped to its box), since labelme polygons cannot hold holes. An ellipse, which
labelme lacks, is written as its polygon and said so in the report.
"""

from __future__ import annotations

import base64
import io
import os
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from ..model import (
    Circle,
    Ellipse,
    MultiPolygon,
    Point,
    Polygon,
    Polyline,
    Problem,
    Project,
    Rect,
    Shape,
    area_geometry,
    own_data,
)
from ..model import validation as v
from .jsonfile import write_json
from .labelme import CLASS_ATTRIBUTE, EXTRA
from .paths import project_image_file
from .rle import parts_to_mask

LABELME_VERSION = "5.5.0"
ELLIPSE_AS_POLYGON = "ellipse-as-polygon"


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


def _shapes(shape: Shape, group: int) -> list[dict[str, Any]]:
    """labelme shape dicts (points, shape_type, maybe group_id/mask) for one of our shapes."""
    if isinstance(shape, MultiPolygon):
        if any(holes for _, holes in shape.parts):
            return [_mask_shape(shape)]
        return [
            {"points": _pts(outer.xs, outer.ys), "shape_type": "polygon", "group_id": group} for outer, _ in shape.parts
        ]
    if isinstance(shape, Polygon):
        return [{"points": _pts(shape.xs, shape.ys), "shape_type": "polygon"}]
    if isinstance(shape, Polyline):
        return [{"points": _pts(shape.xs, shape.ys), "shape_type": "linestrip"}]
    if isinstance(shape, Rect):
        return [
            {"points": [[shape.x, shape.y], [shape.x + shape.width, shape.y + shape.height]], "shape_type": "rectangle"}
        ]
    if isinstance(shape, Circle):
        return [{"points": [[shape.cx, shape.cy], [shape.cx + shape.r, shape.cy]], "shape_type": "circle"}]
    if isinstance(shape, Point):
        return [{"points": [[shape.cx, shape.cy]], "shape_type": "point"}]
    return [{"points": [list(p) for p in shape.outline()], "shape_type": "polygon"}]


def write_labelme(project: Project, folder) -> list[Problem]:
    """One labelme JSON per image in `folder` (named after the image); returns what changed kind."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    problems: list[Problem] = []
    group = (
        max(
            [
                int(g)
                for _, r in project.iter_regions()
                if isinstance(g := own_data(r).get(EXTRA, {}).get("group_id"), int)
            ]
            + [0]
        )
        + 1
    )
    for image in project.images:
        shapes = []
        for index, region in enumerate(image.regions):
            kept = {
                k: val
                for k, val in own_data(region).get(EXTRA, {}).items()
                if k not in ("shape_type", "group_id", "mask")
            }
            label = project.class_of(region) if project.class_attribute else region.attributes.get(CLASS_ATTRIBUTE)
            if isinstance(region.shape, Ellipse):
                problems.append(
                    Problem(ELLIPSE_AS_POLYGON, "labelme has no ellipse: written as a polygon", image.filename, index)
                )
            for item in _shapes(region.shape, group):
                shapes.append({"label": label or "", "group_id": None, "description": "", "flags": {}, **kept, **item})
            group += 1
        image_path = Path(os.path.relpath(project_image_file(project, image), folder)).as_posix()
        out: dict[str, Any] = {
            "version": LABELME_VERSION,
            "flags": {},
            "shapes": shapes,
            "imagePath": image_path,
            "imageData": None,
            "imageHeight": image.height,
            "imageWidth": image.width,
        }
        if image.height is None or image.width is None:
            problems.append(
                Problem(v.MISSING_IMAGE, "the image size is unknown: imageHeight/Width left empty", image.filename)
            )
        write_json(folder / (Path(image.filename).stem + ".json"), out, backup=False)
    return problems
