"""Ellipse tool (E): drag a box, the ellipse fills it (a drag: see DragShapeTool in
drawing.py). To add a tool, see base.py."""

from __future__ import annotations

from ....model import Ellipse
from .drawing import DragShapeTool, Pt


class EllipseTool(DragShapeTool):
    name = "ellipse"
    hint = "Drag to draw an ellipse in a box · Esc cancels"

    def make(self, a: Pt, b: Pt) -> Ellipse:
        return Ellipse((a[0] + b[0]) / 2, (a[1] + b[1]) / 2, abs(a[0] - b[0]) / 2, abs(a[1] - b[1]) / 2, 0.0)

    def valid(self, shape) -> bool:
        return shape.rx > 0 and shape.ry > 0  # a flat box makes no ellipse
