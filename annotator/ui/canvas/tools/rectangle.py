"""Rectangle tool (R): press at a corner, drag, release (a drag: see DragShapeTool in
drawing.py). To add a tool, see base.py."""

from __future__ import annotations

from ....model import Rect
from .drawing import DragShapeTool, Pt


class RectTool(DragShapeTool):
    name = "rect"
    hint = "Drag to draw a rectangle · Esc cancels"

    def make(self, a: Pt, b: Pt) -> Rect:
        return Rect(min(a[0], b[0]), min(a[1], b[1]), abs(a[0] - b[0]), abs(a[1] - b[1]))
