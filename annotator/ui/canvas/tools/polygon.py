"""Polygon tool (P), and its variants that add a part to (Shift+P) or cut a hole in
(Alt+P) the selected object: click vertices; Enter, a double-click or a click on the
first vertex closes; Backspace removes the last vertex; Esc cancels.

The vertices so far live on the tool (a polygon is many clicks, not one drag). To add
a tool, see base.py.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF
from PySide6.QtGui import QPainterPath, QPolygonF

from ....model import Polygon, Polyline
from ..view import Pointer
from .base import Drag
from .drawing import Draft, DrawingTool, Pt


class PathTool(DrawingTool):
    """Polygon and polyline: click vertices, a rubber band follows the cursor."""

    shape_class: type[Polygon] | type[Polyline] = Polygon
    minimum = 3

    def activate(self) -> None:
        super().activate()
        self.points: list[Pt] = []

    def drawing(self) -> bool:
        return bool(self.points)

    def _near_first(self, p: Pt, tol: float) -> bool:
        return self.shape_class is Polygon and len(self.points) >= self.minimum and math.dist(p, self.points[0]) <= tol

    def press(self, pointer: Pointer) -> Drag | None:
        if not self.drawing() and not self.may_start():
            return None
        p, tol = pointer.pos, self.canvas.tol()
        if self._near_first(p, tol):
            self.commit(self.close_shape())
            return None
        if not (self.points and math.dist(p, self.points[-1]) <= tol / 4):  # the same spot again adds nothing
            self.points.append(p)
            self.cursor_pos = p
            if len(self.points) == 1:
                self.started()
        self.show_draft()
        return None

    def double_click(self, pointer: Pointer) -> Drag | None:
        if not self.drawing():
            return self.press(pointer)
        p, tol = pointer.pos, self.canvas.tol()
        # the double-click's first press added the vertex already
        if not self._near_first(p, tol) and math.dist(p, self.points[-1]) > tol:
            self.points.append(p)
        self.commit(self.close_shape())
        return None

    def close_shape(self):
        if len(self.points) < self.minimum:
            return None
        shape = self.shape_class.from_points(self.points)
        self.points = []
        return shape

    def pop_vertex(self) -> bool:
        if not self.points:
            return False
        self.points.pop()
        return True

    def cancel_shape(self) -> None:
        self.points = []

    def draft(self, tol: float) -> Draft:
        path = QPainterPath()
        if self.points:
            path.addPolygon(QPolygonF([QPointF(x, y) for x, y in self.points]))
        rubber: list[Pt] = []
        hot = False
        if self.points and self.cursor_pos is not None:
            hot = self._near_first(self.cursor_pos, tol)
            rubber = [self.points[-1], self.points[0] if hot else self.cursor_pos]
            if self.shape_class is Polygon and len(self.points) >= 2 and not hot:
                rubber.append(self.points[0])  # the closing edge the polygon will get
        return path, list(self.points), rubber, False, hot


class PolygonTool(PathTool):
    name = "polygon"
    hint = (
        "Click to add vertices · Enter, double-click or a click on the first vertex closes · "
        "Backspace removes the last vertex · Esc cancels"
    )


class PartTool(PolygonTool):
    name = "part"
    mode = "part"
    hint = (
        "Draw a polygon to add as a part of the selected object (with none selected: a new object) · "
        "Enter, double-click or the first vertex closes · Esc cancels"
    )


class HoleTool(PolygonTool):
    name = "hole"
    mode = "hole"
    needs_target = True
    hint = (
        "Draw a polygon to cut out of the selected object as a hole · Enter, double-click or the first "
        "vertex closes · Esc cancels"
    )
