"""Drawing tools: a small state machine per shape kind.

A tool receives image coordinates (already clamped to the image) and the hit
tolerance in image pixels; it answers with a finished `Shape` (the brush and
eraser: a shapely area) or None, and describes its draft for the DraftItem.
Its `mode` says what the canvas does with the result. Qt-free apart from the draft path.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF
from PySide6.QtGui import QPainterPath, QPolygonF

from ...model import Circle, Ellipse, Point, Polygon, Polyline, Rect, Shape
from .brush import DEFAULT_BRUSH, stroke_area
from .items import shape_path

Pt = tuple[float, float]

HINTS = {
    "select": "Click a shape to select it, drag to move it · drag a vertex · click the + on an edge to add a vertex · "
    "Shift+click or Delete removes a vertex · arrows nudge",
    "polygon": "Click to add vertices · Enter, double-click or a click on the first vertex closes · "
    "Backspace removes the last vertex · Esc cancels",
    "polyline": "Click to add vertices · Enter or double-click ends the line · Backspace removes the last vertex · "
    "Esc cancels",
    "rect": "Drag to draw a rectangle · Esc cancels",
    "ellipse": "Drag to draw an ellipse in a box · Esc cancels",
    "circle": "Press at the centre and drag out the radius · Esc cancels",
    "point": "Click to place a point",
    "part": "Draw a polygon to add as a part of the selected object (with none selected: a new object) · "
    "Enter, double-click or the first vertex closes · Esc cancels",
    "hole": "Draw a polygon to cut out of the selected object as a hole · Enter, double-click or the first "
    "vertex closes · Esc cancels",
    "brush": "Drag to paint onto the selected object (with none selected: a new object) · ] / [ brush size",
    "eraser": "Drag to erase from the selected object · ] / [ eraser size",
}


class Tool:
    name = ""
    # what the finished result does: "new" object, or, to the selected object, add a "part",
    # cut a "hole", "paint" or "erase" an area (then the selection stays while drawing)
    mode = "new"
    needs_target = False  # only works on a selected object

    def __init__(self):
        self.cursor: Pt | None = None

    def active(self) -> bool:
        return False

    def press(self, p: Pt, tol: float) -> Shape | None:
        return None

    def move(self, p: Pt, tol: float) -> None:
        self.cursor = p

    def release(self, p: Pt, tol: float) -> Shape | None:
        return None

    def double_click(self, p: Pt, tol: float) -> Shape | None:
        return self.press(p, tol)

    def finish(self) -> Shape | None:
        return None

    def backspace(self) -> bool:
        return False

    def cancel(self) -> None:
        pass

    def draft(self, tol: float):
        """(path, vertices, rubber band, closed, first vertex hot)"""
        return QPainterPath(), [], [], False, False


class PathTool(Tool):
    """Polygon and polyline: click vertices, a rubber band follows the cursor."""

    shape_class = Polygon
    minimum = 3

    def __init__(self):
        super().__init__()
        self.points: list[Pt] = []

    def active(self):
        return bool(self.points)

    def _near_first(self, p: Pt, tol: float) -> bool:
        return self.shape_class is Polygon and len(self.points) >= self.minimum and math.dist(p, self.points[0]) <= tol

    def press(self, p, tol):
        if self._near_first(p, tol):
            return self.finish()
        if self.points and math.dist(p, self.points[-1]) <= tol / 4:
            return None  # a second click on the same spot adds nothing
        self.points.append(p)
        self.cursor = p
        return None

    def double_click(self, p, tol):
        if self._near_first(p, tol):
            return self.finish()
        # the double-click's first press added the vertex already
        if not self.points or math.dist(p, self.points[-1]) > tol:
            self.points.append(p)
        return self.finish()

    def finish(self):
        if len(self.points) < self.minimum:
            return None
        shape = self.shape_class.from_points(self.points)
        self.points = []
        return shape

    def backspace(self):
        if not self.points:
            return False
        self.points.pop()
        return True

    def cancel(self):
        self.points = []

    def draft(self, tol):
        path = QPainterPath()
        if self.points:
            path.addPolygon(QPolygonF([QPointF(x, y) for x, y in self.points]))
        rubber = []
        hot = False
        if self.points and self.cursor is not None:
            hot = self._near_first(self.cursor, tol)
            rubber = [self.points[-1], self.points[0] if hot else self.cursor]
            if self.shape_class is Polygon and len(self.points) >= 2 and not hot:
                rubber.append(self.points[0])  # the closing edge the polygon will get
        return path, list(self.points), rubber, False, hot


class PolygonTool(PathTool):
    name = "polygon"


class PartTool(PolygonTool):
    name = "part"
    mode = "part"


class HoleTool(PolygonTool):
    name = "hole"
    mode = "hole"
    needs_target = True


class PolylineTool(PathTool):
    name = "polyline"
    shape_class = Polyline
    minimum = 2


class DragTool(Tool):
    """Rectangle, ellipse, circle: press, drag, release."""

    def __init__(self):
        super().__init__()
        self.anchor: Pt | None = None

    def active(self):
        return self.anchor is not None

    def press(self, p, tol):
        self.anchor = p
        self.cursor = p
        return None

    def double_click(self, p, tol):
        return None

    def release(self, p, tol):
        if self.anchor is None:
            return None
        self.cursor = p
        shape = self.make(self.anchor, p)
        self.anchor = None
        if shape is None or max(shape.bbox()[2], shape.bbox()[3]) < max(tol / 2, 1.0):
            return None  # a click, not a drag
        return shape

    def cancel(self):
        self.anchor = None

    def make(self, a: Pt, b: Pt) -> Shape | None:
        raise NotImplementedError

    def draft(self, tol):
        if self.anchor is None or self.cursor is None:
            return QPainterPath(), [], [], False, False
        shape = self.make(self.anchor, self.cursor)
        path = shape_path(shape) if shape is not None else QPainterPath()
        if isinstance(self, RectTool):
            verts = []
        else:
            verts = [self.anchor] if isinstance(self, CircleTool) else []
        return path, verts, [], True, False


class RectTool(DragTool):
    name = "rect"

    def make(self, a, b):
        return Rect(min(a[0], b[0]), min(a[1], b[1]), abs(a[0] - b[0]), abs(a[1] - b[1]))


class EllipseTool(DragTool):
    name = "ellipse"

    def make(self, a, b):
        return Ellipse((a[0] + b[0]) / 2, (a[1] + b[1]) / 2, abs(a[0] - b[0]) / 2, abs(a[1] - b[1]) / 2, 0.0)

    def release(self, p, tol):
        shape = super().release(p, tol)
        if shape is not None and (shape.rx <= 0 or shape.ry <= 0):
            return None
        return shape


class CircleTool(DragTool):
    name = "circle"

    def make(self, a, b):
        return Circle(a[0], a[1], math.dist(a, b))

    def draft(self, tol):
        path, verts, rubber, closed, hot = super().draft(tol)
        if self.anchor is not None and self.cursor is not None:
            rubber = [self.anchor, self.cursor]
        return path, verts, rubber, closed, hot


class PointTool(Tool):
    name = "point"

    def press(self, p, tol):
        return Point(float(p[0]), float(p[1]))

    def double_click(self, p, tol):
        return None


class BrushTool(Tool):
    """Press, drag, release: one stroke, painted onto the selected object (or a new one)."""

    name = "brush"
    mode = "paint"

    def __init__(self):
        super().__init__()
        self.points: list[Pt] = []
        self.radius = float(DEFAULT_BRUSH)  # image pixels; the canvas sets it (] / [)

    def active(self):
        return bool(self.points)

    def press(self, p, tol):
        self.points = [p]  # a stroke starts at every press
        self.cursor = p
        return None

    def move(self, p, tol):
        self.cursor = p
        # mouse moves come every pixel or so: keep a point per quarter of a screen-pixel tolerance
        if self.points and math.dist(p, self.points[-1]) >= tol / 4:
            self.points.append(p)

    def release(self, p, tol):
        if self.points:
            self.move(p, tol)
        return self.finish()

    def finish(self):
        """The stroke's area (a shapely polygon), None when no stroke is under way."""
        if not self.points:
            return None
        area = stroke_area(self.points, self.radius)
        self.points = []
        return area

    def cancel(self):
        self.points = []

    def stroke(self) -> tuple[list[Pt], float] | None:
        """The stroke so far and the brush radius, for the canvas' preview."""
        return (self.points, self.radius) if self.points else None


class EraserTool(BrushTool):
    name = "eraser"
    mode = "erase"
    needs_target = True


TOOLS: dict[str, type[Tool] | None] = {
    "select": None,
    "polygon": PolygonTool,
    "rect": RectTool,
    "circle": CircleTool,
    "ellipse": EllipseTool,
    "point": PointTool,
    "polyline": PolylineTool,
    "part": PartTool,
    "hole": HoleTool,
    "brush": BrushTool,
    "eraser": EraserTool,
}
