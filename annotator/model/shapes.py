"""The six VIA shapes as immutable values.

Immutable so that an undoable edit can keep the old and the new shape side by
side; a 1,000-vertex polygon is still cheap to copy.  Geometry (area, validity)
is delegated to shapely.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import ClassVar

import numpy as np
import shapely
from shapely.geometry import Polygon as ShapelyPolygon
from shapely.ops import polylabel

Point2 = tuple[float, float]
# Segments used to approximate curved outlines for masks.
CURVE_SEGMENTS = 64
# A ring (polygon, part or hole) needs three vertices to enclose anything.
MIN_RING_VERTICES = 3


@dataclass(frozen=True)
class Shape:
    """Base of all shapes: every shape can give its vertices/handles and an outline."""

    name: ClassVar[str] = ""

    def vertices(self) -> list[Point2]:
        """Editable handles, in image pixels."""
        raise NotImplementedError

    def with_vertex(self, index: int, x: float, y: float) -> Shape:
        """A copy with handle `index` moved to (x, y)."""
        raise NotImplementedError

    def translated(self, dx: float, dy: float) -> Shape:
        raise NotImplementedError

    def outline(self) -> list[Point2]:
        """A closed outline (no repeated last point) used for masks and COCO; [] if none."""
        raise NotImplementedError

    @property
    def has_area(self) -> bool:
        return len(self.outline()) >= MIN_RING_VERTICES

    def bbox(self) -> tuple[float, float, float, float]:
        """(x, y, width, height) of the shape's extent."""
        pts = self.outline() or self.vertices()
        xs = [p[0] for p in pts]
        ys = [p[1] for p in pts]
        return (min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))

    def area(self) -> float:
        """True polygon area (not the bounding-box area VIA's COCO export writes)."""
        pts = self.outline()
        if len(pts) < MIN_RING_VERTICES:
            return 0.0
        return float(abs(shapely.area(ShapelyPolygon(pts))))

    def geometry(self):
        """shapely geometry of the outline (or the point / line)."""
        pts = self.outline()
        if len(pts) >= MIN_RING_VERTICES:
            return ShapelyPolygon(pts)
        if len(pts) == 0:
            return shapely.points(self.vertices()[0])
        return shapely.linestrings(pts)


def _close_open_path(xs: tuple[float, ...], ys: tuple[float, ...]) -> list[Point2]:
    pts = list(zip(xs, ys))
    if len(pts) >= 2 and pts[0] == pts[-1]:
        pts = pts[:-1]  # a repeated closing vertex carries no information
    return pts


@dataclass(frozen=True)
class PathShape(Shape):
    """Shapes defined by a list of vertices: polygon and polyline."""

    xs: tuple[float, ...]
    ys: tuple[float, ...]

    @classmethod
    def from_points(cls, points) -> PathShape:
        pts = list(points)
        return cls(tuple(float(p[0]) for p in pts), tuple(float(p[1]) for p in pts))

    def vertices(self) -> list[Point2]:
        return list(zip(self.xs, self.ys))

    def with_vertex(self, index, x, y):
        xs, ys = list(self.xs), list(self.ys)
        xs[index], ys[index] = float(x), float(y)
        return replace(self, xs=tuple(xs), ys=tuple(ys))

    def with_inserted_vertex(self, index: int, x: float, y: float) -> PathShape:
        xs, ys = list(self.xs), list(self.ys)
        xs.insert(index, float(x))
        ys.insert(index, float(y))
        return replace(self, xs=tuple(xs), ys=tuple(ys))

    def without_vertex(self, index: int) -> PathShape:
        xs, ys = list(self.xs), list(self.ys)
        del xs[index], ys[index]
        return replace(self, xs=tuple(xs), ys=tuple(ys))

    def translated(self, dx, dy):
        return replace(self, xs=tuple(x + dx for x in self.xs), ys=tuple(y + dy for y in self.ys))


@dataclass(frozen=True)
class Polygon(PathShape):
    name: ClassVar[str] = "polygon"

    def outline(self):
        return _close_open_path(self.xs, self.ys)


@dataclass(frozen=True)
class Polyline(PathShape):
    """VIA's polyline. The classic Mask R-CNN tutorials draw objects with it, so
    with three or more points it is treated as a closed object for masks."""

    name: ClassVar[str] = "polyline"

    def outline(self):
        pts = _close_open_path(self.xs, self.ys)
        return pts if len(pts) >= MIN_RING_VERTICES else []


@dataclass(frozen=True)
class Rect(Shape):
    name: ClassVar[str] = "rect"
    x: float
    y: float
    width: float
    height: float

    def vertices(self):
        return [
            (self.x, self.y),
            (self.x + self.width, self.y),
            (self.x + self.width, self.y + self.height),
            (self.x, self.y + self.height),
        ]

    def with_vertex(self, index, x, y):
        # Dragging a corner keeps the opposite corner fixed.
        ox, oy = self.vertices()[(index + 2) % 4]
        return Rect(min(x, ox), min(y, oy), abs(x - ox), abs(y - oy))

    def translated(self, dx, dy):
        return replace(self, x=self.x + dx, y=self.y + dy)

    def outline(self):
        return self.vertices() if self.width > 0 and self.height > 0 else []

    def bbox(self):
        return (self.x, self.y, self.width, self.height)


@dataclass(frozen=True)
class Ellipse(Shape):
    """Centre, radii and rotation `theta` in radians (VIA 2's ellipse)."""

    name: ClassVar[str] = "ellipse"
    cx: float
    cy: float
    rx: float
    ry: float
    theta: float = 0.0

    def _axis_points(self) -> list[Point2]:
        c, s = math.cos(self.theta), math.sin(self.theta)
        return [(self.cx + self.rx * c, self.cy + self.rx * s), (self.cx - self.ry * s, self.cy + self.ry * c)]

    def vertices(self):
        return [(self.cx, self.cy), *self._axis_points()]

    def with_vertex(self, index, x, y):
        if index == 0:
            return self.translated(x - self.cx, y - self.cy)
        r = math.hypot(x - self.cx, y - self.cy)
        if index == 1:
            return replace(self, rx=r, theta=math.atan2(y - self.cy, x - self.cx))
        return replace(self, ry=r)

    def translated(self, dx, dy):
        return replace(self, cx=self.cx + dx, cy=self.cy + dy)

    def outline(self):
        if self.rx <= 0 or self.ry <= 0:
            return []
        t = np.linspace(0, 2 * np.pi, CURVE_SEGMENTS, endpoint=False)
        c, s = math.cos(self.theta), math.sin(self.theta)
        ex, ey = self.rx * np.cos(t), self.ry * np.sin(t)
        xs = self.cx + ex * c - ey * s
        ys = self.cy + ex * s + ey * c
        return list(zip(xs.tolist(), ys.tolist()))

    def area(self):
        return math.pi * self.rx * self.ry if self.rx > 0 and self.ry > 0 else 0.0


@dataclass(frozen=True)
class Circle(Shape):
    name: ClassVar[str] = "circle"
    cx: float
    cy: float
    r: float

    def vertices(self):
        return [(self.cx, self.cy), (self.cx + self.r, self.cy)]

    def with_vertex(self, index, x, y):
        if index == 0:
            return self.translated(x - self.cx, y - self.cy)
        return replace(self, r=math.hypot(x - self.cx, y - self.cy))

    def translated(self, dx, dy):
        return replace(self, cx=self.cx + dx, cy=self.cy + dy)

    def outline(self):
        return Ellipse(self.cx, self.cy, self.r, self.r).outline()

    def bbox(self):
        return (self.cx - self.r, self.cy - self.r, 2 * self.r, 2 * self.r)

    def area(self):
        return math.pi * self.r * self.r if self.r > 0 else 0.0


@dataclass(frozen=True)
class Point(Shape):
    name: ClassVar[str] = "point"
    cx: float
    cy: float

    def vertices(self):
        return [(self.cx, self.cy)]

    def with_vertex(self, index, x, y):
        return Point(float(x), float(y))

    def translated(self, dx, dy):
        return Point(self.cx + dx, self.cy + dy)

    def outline(self):
        return []

    def bbox(self):
        return (self.cx, self.cy, 0.0, 0.0)


Part = tuple[Polygon, tuple[Polygon, ...]]  # (outer ring, holes)


@dataclass(frozen=True)
class MultiPolygon(Shape):
    """One object in several parts, each with holes (COCO's multi-polygon and RLE objects,
    labelme's group_id shapes). Vertices are addressed by a flat index over `rings()`, so the
    canvas edits every ring as it edits a polygon."""

    name: ClassVar[str] = "multipolygon"
    parts: tuple[Part, ...]

    def rings(self) -> list[Polygon]:
        return [ring for outer, holes in self.parts for ring in (outer, *holes)]

    def ring_starts(self) -> list[int]:
        starts, n = [], 0
        for ring in self.rings():
            starts.append(n)
            n += len(ring.xs)
        return starts

    def ring_of(self, index: int) -> tuple[int, int]:
        """(ring index in rings(), vertex index within that ring) of flat vertex `index`."""
        for ring, ring_poly in enumerate(self.rings()):
            if index < len(ring_poly.xs):
                return ring, index
            index -= len(ring_poly.xs)
        raise IndexError("vertex index out of range")

    def _with_rings(self, rings: list[Polygon]) -> MultiPolygon:
        parts, it = [], iter(rings)
        for _outer, holes in self.parts:
            parts.append((next(it), tuple(next(it) for _ in holes)))
        return MultiPolygon(tuple(parts))

    def _edit_ring(self, index: int, change) -> MultiPolygon:
        ring, local = self.ring_of(index)
        rings = self.rings()
        rings[ring] = change(rings[ring], local)
        return self._with_rings(rings)

    def vertices(self):
        return [p for ring in self.rings() for p in ring.vertices()]

    def with_vertex(self, index, x, y):
        return self._edit_ring(index, lambda ring, i: ring.with_vertex(i, x, y))

    def with_inserted_vertex(self, index: int, x: float, y: float) -> MultiPolygon:
        """A vertex right after flat vertex index-1, in that vertex's ring (a polygon's meaning)."""
        return self._edit_ring(index - 1, lambda ring, i: ring.with_inserted_vertex(i + 1, x, y))

    def without_vertex(self, index: int) -> MultiPolygon:
        ring, local = self.ring_of(index)
        if len(self.rings()[ring].xs) <= MIN_RING_VERTICES:
            raise ValueError(f"a ring needs at least {MIN_RING_VERTICES} vertices; remove the ring instead")
        return self._edit_ring(index, lambda r, i: r.without_vertex(i))

    def translated(self, dx, dy):
        return self._with_rings([ring.translated(dx, dy) for ring in self.rings()])

    def geometry(self):
        return shapely.MultiPolygon([(outer.outline(), [h.outline() for h in holes]) for outer, holes in self.parts])

    def area(self):
        geom = area_geometry(self)
        return 0.0 if geom is None else float(geom.area)

    def outline(self):
        """The largest part's outer ring, for code that needs one ring; masks and exporters use
        the whole geometry (`area_geometry`)."""
        if not self.parts:
            return []
        return max((outer for outer, _ in self.parts), key=lambda p: p.area()).outline()

    def bbox(self):
        xs = [p[0] for p in self.vertices()]
        ys = [p[1] for p in self.vertices()]
        return (min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))

    @property
    def has_area(self) -> bool:
        return any(len(outer.outline()) >= MIN_RING_VERTICES for outer, _ in self.parts)

    def with_part(self, polygon: Polygon) -> MultiPolygon:
        return MultiPolygon((*self.parts, (polygon, ())))

    def without_part(self, part: int) -> Shape:
        rest = self.parts[:part] + self.parts[part + 1 :]
        if not rest:
            raise ValueError("the object's last part cannot be removed; delete the object instead")
        return _simplest(rest)

    def with_hole(self, part: int, hole: Polygon) -> MultiPolygon:
        outer, holes = self.parts[part]
        return MultiPolygon(self.parts[:part] + ((outer, (*holes, hole)),) + self.parts[part + 1 :])

    def outer_rings(self) -> list[int]:
        """Indices in rings() of each part's outer ring."""
        out, ring = [], 0
        for _outer, holes in self.parts:
            out.append(ring)
            ring += 1 + len(holes)
        return out

    def without_ring(self, ring: int) -> Shape:
        """Without ring `ring`; removing a part's outer ring removes the part with its holes."""
        n = 0
        for part, (outer, holes) in enumerate(self.parts):
            if ring == n:
                return self.without_part(part)
            if ring <= n + len(holes):
                kept = holes[: ring - n - 1] + holes[ring - n :]
                return _simplest(self.parts[:part] + ((outer, kept),) + self.parts[part + 1 :])
            n += 1 + len(holes)
        raise IndexError("ring index out of range")


def min_vertices(shape: Shape) -> int:
    """The fewest vertices a shape with a vertex list may keep (0: its handles are fixed)."""
    if isinstance(shape, Polygon):
        return MIN_RING_VERTICES
    return 2 if isinstance(shape, Polyline) else 0


# Pieces left by geometry operations smaller than this (px^2) are dropped, not kept as parts.
SLIVER_AREA = 1.0


def _simplest(parts: tuple[Part, ...]) -> Polygon | MultiPolygon:
    """A plain Polygon for one part without holes, else a MultiPolygon."""
    if len(parts) == 1 and not parts[0][1]:
        return parts[0][0]
    return MultiPolygon(parts)


def area_geometry(shape: Shape):
    """The shapely area (Polygon or MultiPolygon, holes excluded) of a shape that has one, else None."""
    if isinstance(shape, MultiPolygon):
        return _multipolygon_area(shape)
    return _ring_area(shape.outline())


def _ring_area(pts: list[Point2]):
    """The area a closed outline encloses, made valid (a bow-tie is two triangles); None if none."""
    if len(pts) < MIN_RING_VERTICES:
        return None
    geom = ShapelyPolygon(pts)
    if geom.is_valid:
        return geom
    polygons = [g for g in shapely.get_parts(shapely.make_valid(geom)) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(polygons) if polygons else None


def _multipolygon_area(shape: MultiPolygon):
    """Parts unioned, each less its own holes. A valid shape is taken as it is (fast); a faulty
    one (a file's crossing or too-short rings, parts dragged over each other) ring by ring, so a
    hole only ever cuts its own part and a ring that encloses nothing is skipped."""
    if all(len(ring.outline()) >= MIN_RING_VERTICES for ring in shape.rings()):
        geom = shape.geometry()
        if geom.is_valid:
            return geom
    pieces = []
    for outer, holes in shape.parts:
        area = _ring_area(outer.outline())
        if area is None:
            continue
        cut = [g for hole in holes if (g := _ring_area(hole.outline())) is not None]
        pieces.append(area.difference(shapely.union_all(cut)) if cut else area)
    geom = shapely.union_all(pieces) if pieces else None
    return None if geom is None or geom.is_empty else geom


def _ring(coords) -> Polygon:
    pts = list(coords)[:-1]  # shapely repeats the first vertex at the end
    return Polygon(tuple(float(x) for x, _ in pts), tuple(float(y) for _, y in pts))


def shape_from_geometry(geom, simplify_px: float = 0.0) -> Polygon | MultiPolygon | None:
    """Polygon or MultiPolygon from a shapely geometry (made valid; slivers dropped), None when empty."""
    if geom is None or geom.is_empty:
        return None
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    if simplify_px > 0:
        geom = geom.simplify(simplify_px, preserve_topology=True)
    polys = [g for g in getattr(geom, "geoms", [geom]) for g in getattr(g, "geoms", [g])]
    parts = tuple(
        (_ring(p.exterior.coords), tuple(_ring(h.coords) for h in p.interiors if ShapelyPolygon(h).area >= SLIVER_AREA))
        for p in polys
        if isinstance(p, ShapelyPolygon) and p.area >= SLIVER_AREA
    )
    return _simplest(parts) if parts else None


# VIA's six shapes, by the names VIA writes (a MultiPolygon is not one: formats that lack it
# write its parts as separate regions).
SHAPE_TYPES: dict[str, type[Shape]] = {cls.name: cls for cls in (Polygon, Polyline, Rect, Ellipse, Circle, Point)}


def label_point(shape: Shape) -> Point2:
    """Where a shape's class name goes: a point inside the object (the pole of inaccessibility of
    its largest part, shapely's polylabel, so thin, bent or holed objects get a point on them, not
    their box corner), the middle of a polyline, the centre of a box, circle or ellipse."""
    if isinstance(shape, Point):
        return shape.cx, shape.cy
    if isinstance(shape, Polyline):
        line = shapely.LineString(list(zip(shape.xs, shape.ys)))
        if line.length == 0:
            return shape.xs[0], shape.ys[0]
        middle = line.interpolate(0.5, normalized=True)
        return middle.x, middle.y
    if isinstance(shape, (Rect, Ellipse, Circle)):
        x, y, w, h = shape.bbox()
        return x + w / 2, y + h / 2
    geom = None
    if isinstance(shape, Polygon) and len(shape.xs) >= MIN_RING_VERTICES:
        # from arrays: ~8x faster than from point tuples, and labels follow every refresh
        plain = shapely.polygons(np.column_stack([shape.xs, shape.ys]))
        geom = plain if plain.is_valid else None
    geom = geom if geom is not None else area_geometry(shape)
    if geom is None:
        x, y, w, h = shape.bbox()
        return x + w / 2, y + h / 2
    largest = max(shapely.get_parts(geom), key=lambda g: g.area)
    # a tolerance of 2 % of the part's size: exact enough for a label, fast on long outlines
    tolerance = max(0.5, math.sqrt(largest.area) / 50)
    try:
        point = polylabel(largest, tolerance)
    except (ValueError, shapely.errors.ShapelyError):  # some degenerate rings; any inside point will do
        point = largest.representative_point()
    return float(point.x), float(point.y)
