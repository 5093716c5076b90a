"""labelme JSON (one file per image) read into a Project.

labelme's shapes map onto ours: polygon -> Polygon, rectangle (two corners) ->
Rect, circle (centre and a point on the circle) -> Circle, line / linestrip ->
Polyline, point -> Point. The label becomes the class (a dropdown attribute
"class", options in first-seen order). A mask (labelme 5.5's PNG cropped to its
two corner points) becomes a polygon, or a multi-polygon with holes, traced on pixel
edges. Polygons and masks of one label sharing a ``group_id`` in one file are one
object in several parts, as labelme means it. Everything else of a shape (shape_type,
group_id, flags, description, unknown keys) is kept in ``own_data(region)["labelme"]``
and of a file (version, flags, imagePath, ...) in ``own_data(image)["labelme"]``;
the embedded ``imageData`` is ignored.
"""

from __future__ import annotations

import base64
import binascii
import io
import math
import posixpath
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError
from shapely import affinity

from ..model import (
    OWN_KEY,
    AttributeDef,
    Circle,
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
    shape_from_geometry,
)
from ..model import validation as v
from .errors import FormatError, ReadResult
from .jsonfile import read_json
from .limits import too_many_pixels, usable_side
from .paths import UnsafeImagePath, image_file
from .rle import is_finite_number, mask_to_geometry

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
    need = {"polygon": 3, "rectangle": 2, "circle": 2, "line": 2, "linestrip": 2, "point": 1, "mask": 2}.get(kind)
    if need is None:
        raise ValueError(f"shape type {kind!r} is not supported")
    if len(pts) < need:
        raise ValueError(f"a {kind} needs at least {need} points, it has {len(pts)}")
    if kind == "polygon":
        return Polygon.from_points(pts)
    if kind == "mask":
        return _mask_shape(item.get("mask"), pts[0])
    if kind == "rectangle":  # two opposite corners, in any order
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        return Rect(min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))
    if kind == "circle":
        (cx, cy), (px, py) = pts[:2]
        return Circle(cx, cy, math.hypot(px - cx, py - cy))
    if kind == "point":
        return Point(*pts[0])
    return Polyline.from_points(pts)


def _mask_shape(encoded, corner: tuple[float, float]):
    """labelme's mask: a base64 PNG of the object cropped to its box, whose top-left is `corner`."""
    if not isinstance(encoded, str):
        raise ValueError("a mask shape has no base64 'mask' image")
    try:
        with Image.open(io.BytesIO(base64.b64decode(encoded, validate=True))) as im:
            if too_many_pixels(im.height, im.width):
                raise ValueError(f"its {im.width}x{im.height} mask is larger than any image we open")
            mask = np.asarray(im.convert("L")) > 0
    except (binascii.Error, UnidentifiedImageError, OSError) as exc:
        raise ValueError(f"its mask is not a base64 PNG ({exc})") from None
    geom = mask_to_geometry(mask.astype(np.uint8))
    shape = shape_from_geometry(None if geom is None else affinity.translate(geom, *map(int, corner)))
    if shape is None:
        raise ValueError("its mask is empty")
    return shape


def _join_groups(regions: list[Region]) -> list[Region]:
    """Area shapes of one label sharing a group_id become one object in several parts."""

    def group(r: Region):
        g = r.extra[OWN_KEY][EXTRA].get("group_id")
        if (
            g is None
            or isinstance(g, bool)
            or area_geometry(r.shape) is None
            or not isinstance(r.shape, (Polygon, MultiPolygon))
        ):
            return None
        return (r.attributes[CLASS_ATTRIBUTE], str(g))

    members: dict[tuple, list[Region]] = {}
    for r in regions:
        if (key := group(r)) is not None:
            members.setdefault(key, []).append(r)
    out = []
    for r in regions:
        key = group(r)
        if key is None or len(members[key]) == 1:
            out.append(r)
        elif members[key][0] is r:
            parts = [part for m in members[key] for part in _parts(m.shape)]
            out.append(Region(MultiPolygon(tuple(parts)), r.attributes, extra=r.extra))
    return out


def _parts(shape) -> list:
    return list(shape.parts) if isinstance(shape, MultiPolygon) else [(shape, ())]


def _label(item) -> str:
    label = item.get("label") if isinstance(item, dict) else None
    return "" if label is None else str(label)


def _json_files(folder: Path) -> list[Path]:
    return sorted(
        f
        for f in folder.rglob("*.json")
        if f.is_file() and not any(part.startswith(".") for part in f.relative_to(folder).parts)
    )


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
            record = ImageRecord(
                name,
                size,
                usable_side(width),
                usable_side(height),
                extra={OWN_KEY: {EXTRA: {k: val for k, val in data.items() if k not in _IMAGE_KEYS}}},
            )
            by_name[name] = record
            project.images.append(record)
        else:
            problems.append(
                Problem(
                    v.DUPLICATE_IMAGE,
                    "a second labelme file names this image; its shapes are added to it",
                    name,
                    file=str(file),
                )
            )
        shapes_read: list[Region] = []
        for i, item in enumerate(data["shapes"]):
            try:
                shape = _shape(item)
            except ValueError as exc:
                problems.append(
                    Problem(v.BAD_REGION, f"shape {i} ({_label(item)!r}): {exc}; skipped", name, i, str(file))
                )
                continue
            label = _label(item)
            if label:
                labels[label] = None
            extra = {k: val for k, val in item.items() if k not in ("label", "points", "mask")}
            shapes_read.append(Region(shape, {CLASS_ATTRIBUTE: label}, extra={OWN_KEY: {EXTRA: extra}}))
        record.regions += _join_groups(shapes_read)
    if given.is_dir() and not project.images:
        raise FormatError(given, f"contains no labelme JSON files ({len(files)} .json files checked)")
    project.region_attributes = {
        CLASS_ATTRIBUTE: AttributeDef(CLASS_ATTRIBUTE, "dropdown", options=dict.fromkeys(labels, ""))
    }
    project.class_attribute = CLASS_ATTRIBUTE
    return ReadResult(project, FORMAT, problems)
