"""What every canvas tool is, and what it may ask of the canvas.

Adding a tool
-------------
1. Write `tools/NAME.py` with a `Tool` subclass: `name`, `hint` (the status bar line),
   `cursor`. Implement what it reacts to (all optional):
   - `press(pointer)`: a click, or the start of a drag. A drag is a *generator*
     (napari's mouse bindings): the code before the first `yield` runs on press, the
     canvas resumes it once per mouse move (read `pointer.pos`), and the code after the
     loop `while not pointer.released: ... yield` runs on release. Its state lives in
     locals; put clean-up in `finally:` (the canvas closes a drag it cancels: Esc, a tool
     or image switch). Return None for a plain click.
   - `hover(pointer)`: the mouse moved with no drag under way.
   - key commands from `keymap.py`: `on_finish` (Enter), `on_cancel` (Esc),
     `on_step_back` (Backspace), `on_delete` (Delete), `on_grow` / `on_shrink` (] / [);
     return True when the tool used the key. Add a row to `keymap.KEYMAP` for a new
     command (the F1 list reads that table).
   - `drawing()`, `finish()`, `step_back()`: a shape under way (image switch, Ctrl+Z).
   - `activate()` / `deactivate()`: add and remove preview items (`canvas.add_item`).
2. Register the class in `tools/__init__.py` (`TOOLS`) and give it an action in
   `annotator/ui/actions.py` (`TOOLS`: label and key).
A tool changes the project only through `canvas.push(edit)` (one undo step per call);
slow work goes to `canvas.run_off_thread(work, done, failed)`, whose `done(result)` (or
`failed(exception)`; by default the status bar says it) runs on the UI thread; cancel the
returned job when the tool lets go.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any, Protocol

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGraphicsItem

from ....app.selection import Selection
from ....model import Edit, ImageRecord, Project
from ..background import Job
from ..region_layer import RegionLayer
from ..view import Pointer, ViewControl

Drag = Generator[None, None, None]


class CanvasContext(Protocol):
    """The canvas as its tools see it."""

    selection: Selection
    layer: RegionLayer
    view: ViewControl
    last_pos: tuple[float, float] | None  # the image point under the mouse (None: outside the view)

    def project(self) -> Project | None: ...
    def record(self) -> ImageRecord | None: ...
    def push(self, edit: Edit) -> None: ...
    def select_regions(self, ids: list[int]) -> None: ...
    def set_hint(self, hint: str) -> None: ...
    def tol(self) -> float: ...
    def current_class(self) -> str | None: ...
    def brush_size(self) -> float: ...
    def set_brush_size(self, radius: float) -> None: ...
    def delete_selection(self) -> None: ...
    def add_item(self, item: QGraphicsItem) -> None: ...
    def remove_item(self, item: QGraphicsItem) -> None: ...
    def end_gesture(self) -> None: ...
    def release_gesture(self) -> None: ...
    def update_cursor(self) -> None: ...
    def run_off_thread(
        self, work: Callable[[], Any], done: Callable[[Any], None], failed: Callable[[Exception], None] | None = None
    ) -> Job: ...


class Tool:
    name = ""
    hint = ""
    cursor = Qt.CursorShape.CrossCursor

    def __init__(self, canvas: CanvasContext):
        self.canvas = canvas

    def activate(self) -> None:
        """The tool was chosen."""

    def deactivate(self) -> None:
        """Another tool was chosen: drop what is under way and the preview items."""

    def press(self, pointer: Pointer) -> Drag | None:
        return None

    def double_click(self, pointer: Pointer) -> Drag | None:
        return self.press(pointer)

    def hover(self, pointer: Pointer) -> None:
        """The mouse moved, no drag under way."""

    def leave(self) -> None:
        """The mouse left the view."""

    def cancel(self) -> None:
        """Drop what is under way (another image is shown)."""

    def settings_changed(self) -> None:
        """The current class or the brush size changed (previews follow)."""

    def refreshed(self) -> None:
        """The regions shown changed (an edit, undo, another image)."""

    def drawing(self) -> bool:
        """A shape is under way (D / A close it first; Ctrl+Z steps back in it)."""
        return False

    def finish(self) -> bool:
        """Close the shape under way if it can be; True when nothing is left under way."""
        return True

    def step_back(self) -> bool:
        """Ctrl+Z while drawing: undo within the shape under way; False when nothing is."""
        return False

    def cursor_shape(self) -> Qt.CursorShape:
        return self.cursor
