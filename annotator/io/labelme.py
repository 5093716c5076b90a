"""labelme JSON (one file per image) read into a Project.

labelme's shapes map onto ours: polygon -> Polygon, rectangle (two corners) ->
Rect, circle (centre and a point on the circle) -> Circle, line / linestrip ->
Polyline, point -> Point. The label becomes the class (a dropdown attribute
"class", options in first-seen order). Everything else of a shape (shape_type,
group_id, flags, description, unknown keys) is kept in ``own_data(region)["labelme"]``
and of a file (version, flags, imagePath, ...) in ``own_data(image)["labelme"]``;
the embedded ``imageData`` is ignored.
"""
from __future__ import annotations

import math
import posixpath
from pathlib import Path

from ..model import (OWN_KEY, AttributeDef, Circle, ImageRecord, Point, Polygon, Polyline, Problem, Project,
                     Rect, Region)
from ..model import validation as v
from .errors import FormatError, ReadResult
from .jsonfile import read_json
from .limits import usable_side
from .paths import UnsafeImagePath, image_file
from .rle import is_finite_number

FORMAT = "labelme"
CLASS_ATTRIBUTE = "class"
EXTRA = "labelme"
BAD_FILE = "bad-file"
_IMAGE_KEYS = ("shapes", "imageData", "imageHeight", "imageWidth")


def looks_like_labelme(data) -> bool:
    return isinstance(data, dict) and isinstance(data.get("shapes"), list) and "imagePath" in data


def _points(raw) -> list[tuple[float, float]]:
    if not isinstance(raw, list):
        raise ValueError("it has no list of points")
    pts = []
    for p in raw:
        if not (isinstance(p, list) and len(p) == 2 and all(is_finite_number(c) for c in p)):
            raise ValueError(f"it has a point that is not two finite numbers ({p!r})")
        pts.append((float(p[0]), float(p[1])))
    return pts


def _shape(item):
    """Our shape for one labelme shape dict; raises ValueError saying what is wrong."""
    if not isinstance(item, dict):
        raise ValueError("it is not an object")
    kind = item.get("shape_type") or "polygon"  # labelme's default
    pts = _points(item.get("points"))
    need = {"polygon": 3, "rectangle": 2, "circle": 2, "line": 2, "linestrip": 2, "point": 1}.get(kind)
    if need is None:
        raise ValueError(f"shape type {kind!r} is not supported")
    if len(pts) < need:
        raise ValueError(f"a {kind} needs at least {need} points, it has {len(pts)}")
    if kind == "polygon":
        return Polygon.from_points(pts)
    if kind == "rectangle":  # two opposite corners, in any order
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        return Rect(min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))
    if kind == "circle":
        (cx, cy), (px, py) = pts[:2]
        return Circle(cx, cy, math.hypot(px - cx, py - cy))
    if kind == "point":
        return Point(*pts[0])
    return Polyline.from_points(pts)


def _label(item) -> str:
    label = item.get("label") if isinstance(item, dict) else None
    return "" if label is None else str(label)


def _json_files(folder: Path) -> list[Path]:
    return sorted(f for f in folder.rglob("*.json")
                  if f.is_file() and not any(part.startswith(".") for part in f.relative_to(folder).parts))


def read_labelme(path_or_folder) -> ReadResult:
    """One labelme JSON file, or every labelme file below a folder, as a project.

    Image file names are made relative to the folder (or the file's folder).
    A bad shape is skipped and listed in the problems; in a folder, so is a bad
    or non-labelme file. A single unusable file raises FormatError.
    """
    given = Path(path_or_folder)
    folder = given if given.is_dir() else given.parent
    files = _json_files(given) if given.is_dir() else [given]
    project = Project(image_root=folder)
    problems: list[Problem] = []
    by_name: dict[str, ImageRecord] = {}
    labels: dict[str, None] = {}
    for file in files:
        try:
            data = read_json(file)
            if not looks_like_labelme(data):
                raise FormatError(file, "is not a labelme file (no 'shapes' list and 'imagePath')")
            image_path = data["imagePath"]
            if not isinstance(image_path, str) or not image_path:
                raise FormatError(file, "has no imagePath naming its image")
        except FormatError as exc:
            if not given.is_dir():
                raise
            problems.append(Problem(BAD_FILE, f"{exc.reason}; skipped", file=str(file)))
            continue
        # imagePath is relative to the JSON file (written with backslashes on Windows).
        here = file.parent.relative_to(folder).as_posix()
        name = posixpath.normpath(posixpath.join(here, image_path.replace("\\", "/")))
        record = by_name.get(name)
        if record is None:
            width, height = data.get("imageWidth"), data.get("imageHeight")
            size = -1
            try:
                size = image_file(folder, name).stat().st_size
            except UnsafeImagePath as exc:
                problems.append(Problem(exc.kind, f"imagePath: {exc}", name, file=str(file)))
            except OSError:
                problems.append(Problem(v.MISSING_IMAGE, "image file not found", name, file=str(file)))
            record = ImageRecord(name, size, usable_side(width), usable_side(height),
                                 extra={OWN_KEY: {EXTRA: {k: val for k, val in data.items()
                                                          if k not in _IMAGE_KEYS}}})
            by_name[name] = record
            project.images.append(record)
        else:
            problems.append(Problem(v.DUPLICATE_IMAGE, "a second labelme file names this image; "
                                                       "its shapes are added to it", name, file=str(file)))
        for i, item in enumerate(data["shapes"]):
            try:
                shape = _shape(item)
            except ValueError as exc:
                problems.append(Problem(v.BAD_REGION, f"shape {i} ({_label(item)!r}): {exc}; skipped",
                                        name, i, str(file)))
                continue
            label = _label(item)
            if label:
                labels[label] = None
            extra = {k: val for k, val in item.items() if k not in ("label", "points")}
            record.regions.append(Region(shape, {CLASS_ATTRIBUTE: label}, extra={OWN_KEY: {EXTRA: extra}}))
    if given.is_dir() and not project.images:
        raise FormatError(given, f"contains no labelme JSON files ({len(files)} .json files checked)")
    project.region_attributes = {CLASS_ATTRIBUTE: AttributeDef(CLASS_ATTRIBUTE, "dropdown",
                                                               options=dict.fromkeys(labels, ""))}
    project.class_attribute = CLASS_ATTRIBUTE
    return ReadResult(project, FORMAT, problems)
