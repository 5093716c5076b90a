"""Point tool (O): a click places a point. To add a tool, see base.py."""

from __future__ import annotations

from ....model import Point
from ..view import Pointer
from .base import Drag
from .drawing import DrawingTool


class PointTool(DrawingTool):
    name = "point"
    hint = "Click to place a point"

    def press(self, pointer: Pointer) -> Drag | None:
        if self.may_start():
            self.commit(Point(float(pointer.pos[0]), float(pointer.pos[1])))
        return None

    def double_click(self, pointer: Pointer) -> Drag | None:
        return None
