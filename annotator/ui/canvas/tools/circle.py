"""Circle tool (C): press at the centre, drag out the radius (a drag: see DragShapeTool
in drawing.py). To add a tool, see base.py."""

from __future__ import annotations

import math

from ....model import Circle
from .drawing import Draft, DragShapeTool, Pt


class CircleTool(DragShapeTool):
    name = "circle"
    hint = "Press at the centre and drag out the radius · Esc cancels"

    def make(self, a: Pt, b: Pt) -> Circle:
        return Circle(a[0], a[1], math.dist(a, b))

    def draft(self, tol: float) -> Draft:
        path, verts, rubber, closed, hot = super().draft(tol)
        if self.anchor is not None and self.cursor_pos is not None:
            verts, rubber = [self.anchor], [self.anchor, self.cursor_pos]
        return path, verts, rubber, closed, hot
