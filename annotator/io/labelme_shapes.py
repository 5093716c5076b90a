"""labelme shape dicts read as our shapes, and labelme's groups joined into objects.

What each labelme shape means is what labelme's own ``shape_to_mask`` draws: a polygon,
rectangle, circle and (labelme 7) oriented rectangle are filled areas; a ``line`` or
``linestrip`` is an open stroke (read as an open Polyline, see ``is_open_line``); a point is
a point and labelme 7's ``points`` is several. A ``mask`` (labelme 5.5's PNG cropped to its
two corner points) becomes a polygon, or a multi-polygon with holes, traced on pixel edges.

Shapes of one label sharing a ``group_id`` in one file are one object, whatever their types
(as labelme's labelme2coco.py merges them); the joined object keeps the shapes as read, so an
unedited group is written back exactly.
"""

from __future__ import annotations

import base64
import binascii
import io
import math

import numpy as np
from PIL import Image, UnidentifiedImageError
from shapely import affinity

from ..model import (
    OWN_KEY,
    Circle,
    MultiPolygon,
    Point,
    Polygon,
    Polyline,
    Rect,
    Region,
    Shape,
    area_geometry,
    own_data,
    shape_from_geometry,
)
from .limits import too_many_pixels
from .rle import is_finite_number, mask_to_geometry
from .via import shape_to_via
from .via_parts import to_lists

EXTRA = "labelme"
CLASS_ATTRIBUTE = "class"
OPEN_LINE_TYPES = ("line", "linestrip")
# Our keys among a shape's labelme keys (named so that no labelme key is taken for one):
# the shapes of a joined group as read (without label), and the object they made.
MEMBERS = "polymask:members"
READ_AS = "polymask:read_as"
# labelme 7's `points` shape: several points; each of ours keeps its index among them.
POINTS_OF = "polymask:points_of"
# Points (and mask) of a rectangle, circle or mask as read: written back while the shape is
# unchanged (a circle's point on its rim, a rectangle's corner order, the mask's own PNG).
AS_READ = "polymask:as_read"
KEPT_AS_READ = ("rectangle", "circle", "mask")
_NEED = {
    "polygon": 3,
    "rectangle": 2,
    "circle": 2,
    "line": 2,
    "linestrip": 2,
    "point": 1,
    "points": 1,
    "mask": 2,
    "oriented_rectangle": 4,
}


def _points(raw) -> list[tuple[float, float]]:
    if not isinstance(raw, list):
        raise ValueError("it has no list of points")
    pts = []
    for p in raw:
        if not (isinstance(p, list) and len(p) == 2 and all(is_finite_number(c) for c in p)):
            raise ValueError(f"it has a point that is not two finite numbers ({p!r})")
        pts.append((float(p[0]), float(p[1])))
    return pts


def shape_type(item: dict) -> str:
    return item.get("shape_type") or "polygon"  # labelme's default


def shapes_of(item) -> list[Shape]:
    """Our shapes for one labelme shape dict (several for `points`); raises ValueError saying what is wrong."""
    if not isinstance(item, dict):
        raise ValueError("it is not an object")
    kind = shape_type(item)
    pts = _points(item.get("points"))
    need = _NEED.get(kind)
    if need is None:
        raise ValueError(f"shape type {kind!r} is not supported")
    if len(pts) < need:
        raise ValueError(f"a {kind} needs at least {need} points, it has {len(pts)}")
    if kind in ("polygon", "oriented_rectangle"):  # labelme fills both
        return [Polygon.from_points(pts)]
    if kind == "mask":
        return [_mask_shape(item.get("mask"), pts[0])]
    if kind == "rectangle":  # two opposite corners, in any order
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        return [Rect(min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))]
    if kind == "circle":
        (cx, cy), (px, py) = pts[:2]
        return [Circle(cx, cy, math.hypot(px - cx, py - cy))]
    if kind in ("point", "points"):
        return [Point(*p) for p in pts[: 1 if kind == "point" else None]]
    return [Polyline.from_points(pts)]


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


def as_read(item: dict) -> dict | None:
    """What AS_READ keeps of a shape dict, if its type is one whose points we keep."""
    if shape_type(item) not in KEPT_AS_READ:
        return None
    return {k: item[k] for k in ("shape_type", "points", "mask") if k in item}


def unchanged_as_read(region: Region) -> dict | None:
    """The shape's labelme points (and mask) as read, if it is still the shape read from them."""
    kept = own_data(region).get(EXTRA, {}).get(AS_READ)
    if not isinstance(kept, dict):
        return None
    try:
        return kept if [_as_filed(s) for s in shapes_of(kept)] == [_as_filed(region.shape)] else None
    except ValueError:
        return None


def _as_filed(shape: Shape):
    """A shape as the project file holds it (coordinates to 0.01 px, numbers.py), so a save and
    reload is not an edit."""
    return to_lists(shape) if isinstance(shape, MultiPolygon) else shape_to_via(shape)


def is_open_line(region: Region) -> bool:
    """A labelme line / linestrip: an open stroke, not an area (labelme draws it 10 px wide).

    Polymask's own polylines with three or more points are closed objects (as VIA's
    Mask R-CNN tutorials draw them); those read from labelme lines are not."""
    return isinstance(region.shape, Polyline) and own_data(region).get(EXTRA, {}).get("shape_type") in OPEN_LINE_TYPES


def _group_key(region: Region):
    """(label, group id) of a shape that can join a group: an area with an integer id."""
    g = own_data(region).get(EXTRA, {}).get("group_id")
    if g is None or isinstance(g, bool) or not isinstance(g, (int, str)) or is_open_line(region):
        return None
    if area_geometry(region.shape) is None:
        return None
    return (region.attributes.get(CLASS_ATTRIBUTE), str(g))


def _parts(shape: Shape) -> list:
    if isinstance(shape, MultiPolygon):
        return list(shape.parts)
    if isinstance(shape, Polygon):
        return [(shape, ())]
    return [(Polygon.from_points(shape.outline()), ())]  # rectangle, circle: their outline


def join_groups(regions: list[Region], raw: list[dict]) -> list[Region]:
    """Area shapes of one label sharing a group_id become one object in several parts.

    `raw` holds each region's labelme shape dict (without its label), kept on the joined
    object so that an unedited group is written back as read."""
    members: dict[tuple, list[int]] = {}
    for i, r in enumerate(regions):
        if (key := _group_key(r)) is not None:
            members.setdefault(key, []).append(i)
    out = []
    for i, r in enumerate(regions):
        key = _group_key(r)
        if key is None or len(members[key]) == 1:
            out.append(r)
        elif members[key][0] == i:
            joined = MultiPolygon(tuple(part for m in members[key] for part in _parts(regions[m].shape)))
            ours = dict(own_data(r).get(EXTRA, {}))
            ours[MEMBERS] = [raw[m] for m in members[key]]
            ours[READ_AS] = to_lists(joined)
            out.append(Region(joined, r.attributes, extra={**r.extra, OWN_KEY: {EXTRA: ours}}))
    return out
