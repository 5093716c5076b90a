"""Brush (B) and eraser (Alt+B): one drag is one stroke, painted onto (or erased from)
the selected object, or with nothing selected a new object. ] / [ size them; a circle
of the brush's size follows the cursor. The stroke's points are the drag's locals.
To add a tool, see base.py.
"""

from __future__ import annotations

import math

from ..brush import step_brush, stroke_area
from ..brush_items import BrushCursorItem, StrokeItem
from ..view import Pointer
from .base import Drag
from .drawing import DrawingTool, Pt


class BrushTool(DrawingTool):
    name = "brush"
    mode = "paint"
    hint = "Drag to paint onto the selected object (with none selected: a new object) · ] / [ brush size"

    def activate(self) -> None:
        super().activate()
        self.stroking = False
        self.brush_cursor = BrushCursorItem()
        self.stroke_item = StrokeItem()
        self.canvas.add_item(self.brush_cursor)
        self.canvas.add_item(self.stroke_item)
        self.show_brush()

    def deactivate(self) -> None:
        super().deactivate()
        self.brush_cursor.hide()
        self.canvas.remove_item(self.brush_cursor)
        self.canvas.remove_item(self.stroke_item)

    def drawing(self) -> bool:
        return self.stroking

    def finish(self) -> bool:
        if self.stroking:
            self.canvas.release_gesture()  # the stroke so far is painted
        return True

    def cancel_shape(self) -> None:
        self.canvas.end_gesture()

    def press(self, pointer: Pointer) -> Drag | None:
        if not self.may_start():
            return None
        return self._stroke(pointer)

    def double_click(self, pointer: Pointer) -> Drag | None:
        return self.press(pointer)

    def _stroke(self, pointer: Pointer) -> Drag:
        points: list[Pt] = [pointer.pos]  # a stroke starts at every press
        radius = self.canvas.brush_size()
        self.stroking = True
        try:
            while True:
                self.stroke_item.set_stroke(points, radius, self._colour(), self.mode == "erase")
                self.show_brush()
                yield
                # mouse moves come every pixel or so: keep a point per quarter of a screen-pixel tolerance
                if math.dist(pointer.pos, points[-1]) >= self.canvas.tol() / 4:
                    points.append(pointer.pos)
                if pointer.released:
                    break
            self.stroking = False
            self.commit(stroke_area(points, radius))
        finally:
            self.stroking = False
            self.stroke_item.hide()

    def _colour(self) -> str:
        return self.canvas.layer.colour_for(self.canvas.current_class())

    def hover(self, pointer: Pointer) -> None:
        self.show_brush()

    def settings_changed(self) -> None:
        self.show_brush()

    def leave(self) -> None:
        self.brush_cursor.hide()

    def show_brush(self) -> None:
        """The brush's circle: its size, and shown at the cursor (B pressed over the image shows it at once)."""
        self.brush_cursor.set_brush(self.canvas.brush_size(), self.mode == "erase")
        at = self.canvas.last_pos
        if at is not None:
            self.brush_cursor.setPos(*at)
        self.brush_cursor.setVisible(at is not None)

    def on_grow(self) -> bool:
        self.canvas.set_brush_size(step_brush(self.canvas.brush_size(), 1))
        return True

    def on_shrink(self) -> bool:
        self.canvas.set_brush_size(step_brush(self.canvas.brush_size(), -1))
        return True


class EraserTool(BrushTool):
    name = "eraser"
    mode = "erase"
    needs_target = True
    hint = "Drag to erase from the selected object · ] / [ eraser size"
