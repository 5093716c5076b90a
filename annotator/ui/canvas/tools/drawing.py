"""What the drawing tools share: the draft preview, the rule for when a drawing may
start, and turning a finished shape into one edit (a new object, or a part, hole,
painted or erased area of the selected one).

A drawing tool (see base.py for adding a tool) describes its draft with `draft(tol)` and
hands a finished shape to `commit`; click-by-click tools keep their vertices on the
tool (`points`), drag tools keep theirs in the drag's locals (`DragShapeTool`).
"""

from __future__ import annotations

from PySide6.QtGui import QPainterPath

from ....model import Shape
from ..items import DraftItem, shape_path
from ..object_gestures import Outcome, tool_outcome
from ..view import Pointer
from .base import Drag, Tool

Pt = tuple[float, float]
Draft = tuple[QPainterPath, list[Pt], list[Pt], bool, bool]  # path, vertices, rubber band, closed, first vertex hot


class DrawingTool(Tool):
    # what the finished result does: "new" object, or, to the selected object, add a "part",
    # cut a "hole", "paint" or "erase" an area (then the selection stays while drawing)
    mode = "new"
    needs_target = False  # only works on a selected object

    def activate(self) -> None:
        self.cursor_pos: Pt | None = None
        self.draft_item = DraftItem()
        self.canvas.add_item(self.draft_item)

    def deactivate(self) -> None:
        self.cancel_shape()
        self.canvas.remove_item(self.draft_item)

    # ---- what each drawing tool defines -------------------------------------------------
    def drawing(self) -> bool:
        return False

    def close_shape(self):
        """The shape under way, finished (None: too short to close, it stays)."""
        return None

    def pop_vertex(self) -> bool:
        return False

    def cancel_shape(self) -> None:
        """Drop the shape under way."""

    def draft(self, tol: float) -> Draft:
        return QPainterPath(), [], [], False, False

    # ---- the canvas' calls ------------------------------------------------------------
    def cancel(self) -> None:
        self.cancel_shape()
        self.show_draft()

    def settings_changed(self) -> None:
        self.show_draft()

    def hover(self, pointer: Pointer) -> None:
        self.cursor_pos = pointer.pos
        self.show_draft()

    def finish(self) -> bool:
        if not self.drawing():
            return True
        shape = self.close_shape()
        if shape is None:
            return False
        self.commit(shape)
        return True

    def step_back(self) -> bool:
        if not self.drawing():
            return False
        if not self.pop_vertex():
            self.on_cancel()  # a rectangle / circle / ellipse being dragged: nothing to step back to
        self.show_draft()
        return True

    def on_finish(self) -> bool:
        if not self.drawing():
            return False
        self.commit(self.close_shape())
        return True

    def on_step_back(self) -> bool:
        if not self.drawing():
            return False
        self.pop_vertex()
        self.show_draft()
        return True

    def on_cancel(self) -> bool:
        if not self.drawing():
            return False
        self.canvas.end_gesture()
        self.cancel_shape()
        self.show_draft()
        return True

    # ---- shared ---------------------------------------------------------------------------
    def may_start(self) -> bool:
        """A tool that changes an object needs just one selected."""
        selected = self.canvas.selection.ids
        if self.mode == "new" or self.canvas.selection.target() is not None:
            return True
        if not selected and not self.needs_target:
            return True  # a part or a brush stroke with nothing selected: a new object
        self.canvas.set_hint(
            "Select one object first (S, then click it)"
            if not selected
            else "Several objects are selected: select just the one to change"
        )
        return False

    def started(self) -> None:
        """A new shape began: the class keys while drawing are for the new shape only."""
        if self.drawing() and self.canvas.selection.ids and self.mode == "new":
            self.canvas.select_regions([])

    def commit(self, result) -> None:
        """A finished shape (or brushed area): one edit, and the object it made or changed selected."""
        record, project = self.canvas.record(), self.canvas.project()
        if result is not None and record is not None and project is not None:
            target = self.canvas.selection.target()
            self.apply(tool_outcome(project, record, self.mode, result, target, self.canvas.current_class()))
        self.show_draft()

    def apply(self, outcome: Outcome) -> None:
        canvas = self.canvas
        if outcome.edit is not None:
            canvas.push(outcome.edit)
        if outcome.hint:
            canvas.set_hint(outcome.hint)
        if not canvas.layer.options.show_annotations:
            if outcome.edit is not None:
                canvas.set_hint("Shape added; annotations are hidden (H shows them)")
            return
        # the new or changed object stays selected, so the class keys 1-9 label it right away
        canvas.select_regions(outcome.select)

    def show_draft(self) -> None:
        if self.drawing():
            name = self.canvas.current_class()
            colour = self.canvas.layer.colour_for(name) if name is not None else "#ffffff"
            self.draft_item.set_draft(*self.draft(self.canvas.tol()), colour)
        else:
            self.draft_item.hide()


class DragShapeTool(DrawingTool):
    """Rectangle, ellipse, circle: press at one corner (or the centre), drag, release."""

    def activate(self) -> None:
        super().activate()
        self.anchor: Pt | None = None

    def make(self, a: Pt, b: Pt) -> Shape | None:
        raise NotImplementedError

    def valid(self, shape) -> bool:
        return True

    def drawing(self) -> bool:
        return self.anchor is not None

    def cancel_shape(self) -> None:
        self.anchor = None

    def press(self, pointer: Pointer) -> Drag | None:
        if not self.may_start():
            return None
        return self._drag(pointer)

    def double_click(self, pointer: Pointer) -> Drag | None:
        return None

    def _drag(self, pointer: Pointer) -> Drag:
        self.anchor = self.cursor_pos = pointer.pos
        self.started()
        try:
            self.show_draft()
            yield
            while not pointer.released:
                self.cursor_pos = pointer.pos
                self.show_draft()
                yield
            shape = self.make(self.anchor, pointer.pos)
            self.anchor = None
            tol = self.canvas.tol()
            if shape is not None and max(shape.bbox()[2], shape.bbox()[3]) >= max(tol / 2, 1.0) and self.valid(shape):
                self.commit(shape)  # else a click, not a drag
        finally:
            self.anchor = None
            self.show_draft()

    def draft(self, tol: float) -> Draft:
        if self.anchor is None or self.cursor_pos is None:
            return QPainterPath(), [], [], False, False
        shape = self.make(self.anchor, self.cursor_pos)
        return (shape_path(shape) if shape is not None else QPainterPath()), [], [], True, False
