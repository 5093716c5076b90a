"""Shape problems (too few vertices, zero area, self-intersection, outside the
image) found with shapely, reported as data and repairable on request."""

from __future__ import annotations

import math
from dataclasses import dataclass

import shapely
from shapely.geometry import box as shapely_box
from shapely.validation import explain_validity, make_valid

from .attributes import AmbiguousClass
from .project import Project
from .records import ImageRecord, Region
from .shapes import (
    MIN_RING_VERTICES,
    Circle,
    Ellipse,
    MultiPolygon,
    PathShape,
    Point,
    Polygon,
    Rect,
    Shape,
    area_geometry,
    shape_from_geometry,
)

TOO_FEW_VERTICES = "too-few-vertices"
ZERO_AREA = "zero-area"
SELF_INTERSECTION = "self-intersection"
OUTSIDE_IMAGE = "outside-image"
NOT_FINITE = "not-finite"
NO_CLASS = "no-class"
AMBIGUOUS_CLASS = "ambiguous-class"
MISSING_IMAGE = "missing-image"
UNREADABLE_IMAGE = "unreadable-image"
DUPLICATE_IMAGE = "duplicate-image"
BAD_REGION = "bad-region"
OUTSIDE_FOLDER = "outside-image-folder"  # a file name such as ../../etc/passwd
BAD_FILE_NAME = "bad-file-name"  # e.g. a NUL character in it
BAD_PROJECT_DATA = "bad-project-data"  # settings, colours, sizes of the wrong type: defaults used


@dataclass(frozen=True)
class Problem:
    """Something wrong, located as precisely as possible, in words a user can act on."""

    kind: str
    message: str
    image: str | None = None  # image file name
    region: int | None = None  # index of the region in its image (as VIA counts them)
    file: str | None = None  # the file being read, when it came from one

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(str(self.file))
        if self.image is not None:
            where.append(f"image {self.image!r}")
        if self.region is not None:
            where.append(f"region {self.region}")
        text = ": ".join([", ".join(where), self.message]) if where else self.message
        return printable(text)


def printable(text: str) -> str:
    """`text` with lone surrogates (from a file name or a JSON escape) as \\udXXXX, so
    printing it to a UTF-8 terminal cannot fail."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def shape_problems(shape: Shape, width: int | None = None, height: int | None = None) -> list[tuple[str, str]]:
    """(kind, message) pairs for one shape; an empty list when it is fine."""
    coords = [c for p in shape.vertices() for c in p]
    if not all(math.isfinite(c) for c in coords):
        return [(NOT_FINITE, "has coordinates that are not finite numbers")]
    if isinstance(shape, MultiPolygon):
        problems = _multipolygon_problems(shape)
    else:
        problems = _single_shape_problems(shape)
    if width and height:
        x, y, w, h = shape.bbox()
        if x < 0 or y < 0 or x + w > width or y + h > height:
            problems.append((OUTSIDE_IMAGE, f"the {shape.name} extends outside the {width}x{height} image"))
    return problems


def _single_shape_problems(shape: Shape) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    if isinstance(shape, PathShape):
        n = len(shape.outline()) if isinstance(shape, Polygon) else len(shape.vertices())
        minimum = 3 if isinstance(shape, Polygon) else 2
        if n < minimum:
            return [(TOO_FEW_VERTICES, f"a {shape.name} needs at least {minimum} vertices, it has {n}")]
    if isinstance(shape, (Polygon, Rect, Circle, Ellipse)) or (shape.has_area and shape.name == "polyline"):
        if isinstance(shape, PathShape):
            problems += _outline_problems(shape.geometry(), f"the {shape.name}")
        elif shape.area() <= 0:
            problems.append((ZERO_AREA, f"the {shape.name} has zero area"))
    return problems


def _outline_problems(geom, what: str) -> list[tuple[str, str]]:
    # A bow-tie's signed areas cancel, so look at the repaired area first.
    if make_valid(geom).area <= 0:
        return [(ZERO_AREA, f"{what} has zero area")]
    if not geom.is_valid:
        return [(SELF_INTERSECTION, f"{what} intersects itself ({explain_validity(geom)})")]
    return []


def _ring_names(shape: MultiPolygon) -> list[str]:
    """How a person finds each ring of rings(): "part 2", "part 2, hole 1" (counted from 1)."""
    return [
        f"part {p}" + (f", hole {h}" if h else "")
        for p, (_outer, holes) in enumerate(shape.parts, 1)
        for h in range(len(holes) + 1)
    ]


def _multipolygon_problems(shape: MultiPolygon) -> list[tuple[str, str]]:
    """A ring's own faults, named by ring; then how the rings fit together (a hole outside its
    part, parts overlapping), as shapely explains it."""
    problems: list[tuple[str, str]] = []
    for name, ring in zip(_ring_names(shape), shape.rings()):
        n = len(ring.outline())
        if n < MIN_RING_VERTICES:
            problems.append((TOO_FEW_VERTICES, f"{name} needs at least {MIN_RING_VERTICES} vertices, it has {n}"))
            continue
        problems += _outline_problems(ring.geometry(), name)
    if not problems:
        geom = shape.geometry()
        if not geom.is_valid:
            problems.append((SELF_INTERSECTION, f"the {shape.name}'s rings cross ({explain_validity(geom)})"))
    return problems


def repair_shape(shape: Shape, width: int | None = None, height: int | None = None) -> list[Shape]:
    """Repaired versions of `shape`: made valid and clipped to the image.

    A self-intersecting polygon may become several polygons; [] means nothing
    usable is left (e.g. a zero-area sliver) and the region should go.
    """
    if isinstance(shape, Point):
        if width and height:
            return [Point(min(max(shape.cx, 0.0), width), min(max(shape.cy, 0.0), height))]
        return [shape]
    if isinstance(shape, MultiPolygon):  # stays one object: every part and hole is kept
        geom = area_geometry(shape)
        if geom is not None and width and height:
            geom = geom.intersection(shapely_box(0, 0, width, height))
        repaired = shape_from_geometry(geom)
        return [] if repaired is None else [repaired]
    outline = shape.outline()
    if len(outline) < MIN_RING_VERTICES:
        return []
    geom = make_valid(shapely.geometry.Polygon(outline))
    if width and height:
        geom = geom.intersection(shapely_box(0, 0, width, height))
    parts = [g for g in getattr(geom, "geoms", [geom]) if g.geom_type == "Polygon" and g.area > 0]
    if not parts:
        return []
    if isinstance(shape, (Rect, Circle, Ellipse)) and len(parts) == 1 and not _changed(shape, parts[0]):
        return [shape]
    cls = type(shape) if isinstance(shape, PathShape) else Polygon
    return [cls.from_points(list(p.exterior.coords)[:-1]) for p in parts]


def _changed(shape: Shape, geom) -> bool:
    return abs(geom.area - shape.area()) > 1e-6 * max(1.0, shape.area())


def region_problems(project: Project, image: ImageRecord, index: int, region: Region) -> list[Problem]:
    out = [
        Problem(kind, msg, image.filename, index)
        for kind, msg in shape_problems(region.shape, image.width, image.height)
    ]
    try:
        if project.class_of(region) is None:
            out.append(Problem(NO_CLASS, "the region has no class", image.filename, index))
    except AmbiguousClass as exc:
        out.append(Problem(AMBIGUOUS_CLASS, f"the class is ambiguous ({exc})", image.filename, index))
    return out


def project_problems(project: Project) -> list[Problem]:
    """Shape and class problems of every region, and duplicate images."""
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for im in project.images:
        if im.filename in seen:
            problems.append(Problem(DUPLICATE_IMAGE, "the image is listed more than once", im.filename))
        seen[im.filename] = im.key
        for i, region in enumerate(im.regions):
            problems.extend(region_problems(project, im, i, region))
    return problems
