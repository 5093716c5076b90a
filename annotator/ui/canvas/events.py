"""The canvas' mouse and key events, turned into tool calls: a press starts the tool's
drag (a generator, resumed once per move and once on release; see tools/base.py), keys
are looked up in the keymap and go to the tool's `on_<command>` first, then to the
canvas' default (Esc clears the selection, Delete deletes it, arrows nudge it).
Space or the middle button pans whatever the tool. A right-click asks for the shape menu
(`context_menu_requested`; the window builds it) unless a shape is being drawn."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QEvent, QPointF, Qt, Signal, SignalInstance
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QGraphicsView

from .background import Background
from .keymap import NUDGE, NUDGE_SHIFT_PX, binding_for
from .tools import Drag, Tool
from .tools.base import CanvasContext
from .tools.select import region_at
from .view import Pointer


class EventsContext(CanvasContext, Protocol):
    """The canvas as its event handling sees it (annotator.ui.canvas.canvas.Canvas)."""

    context_menu_requested: SignalInstance
    cursor_moved: SignalInstance
    drawing_changed: SignalInstance

    def active_tool(self) -> Tool: ...
    def has_drawing(self) -> bool: ...
    def undo_draft_vertex(self) -> bool: ...
    def setFocus(self, reason: Qt.FocusReason) -> None: ...


class Events:
    def __init__(self, canvas: EventsContext):
        self.canvas = canvas
        self.pointer = Pointer()
        self.gesture: Drag | None = None
        self.panning = False
        self.space = False  # held: a left drag pans
        self._drawing = False

    # ---- drags ------------------------------------------------------------------------------
    def track(self, event) -> Pointer:
        c = self.canvas
        p = c.view.to_scene(event.position())
        x, y = p.x(), p.y()
        c.last_pos = (x, y)
        self.pointer.raw, self.pointer.pos = (x, y), c.view.clamp(x, y)
        self.pointer.view_pos, self.pointer.modifiers = QPointF(event.position()), event.modifiers()
        return self.pointer

    def start(self, gesture: Drag | None) -> None:
        self.end()
        if gesture is not None:
            self.pointer.released = False
            self.gesture = gesture
        self.resume()

    def resume(self) -> None:
        if self.gesture is not None:
            try:
                next(self.gesture)
            except StopIteration:
                self.gesture, self.panning = None, False
        self.after()

    def end(self) -> None:
        """Drop the drag under way (its generator's `finally` restores the preview)."""
        gesture, self.gesture = self.gesture, None
        self.panning = False
        if gesture is not None:
            gesture.close()

    def release(self) -> None:
        """End the drag under way as if the button were released where the mouse is."""
        self.pointer.released = True
        self.resume()

    def after(self) -> None:
        """After each input: say when a drawing starts or ends, and set the cursor."""
        drawing = self.canvas.active_tool().drawing()
        if drawing != self._drawing:
            self._drawing = drawing
            self.canvas.drawing_changed.emit(drawing)
        self.canvas.update_cursor()

    def cursor(self) -> Qt.CursorShape | None:
        if self.panning:
            return Qt.CursorShape.ClosedHandCursor
        return Qt.CursorShape.OpenHandCursor if self.space else None

    # ---- mouse --------------------------------------------------------------------------------
    def press(self, event) -> bool:
        c = self.canvas
        c.setFocus(Qt.FocusReason.MouseFocusReason)
        button, pointer = event.button(), self.track(event)
        if button == Qt.MouseButton.MiddleButton or (button == Qt.MouseButton.LeftButton and self.space):
            self.start(c.view.pan(pointer))
            self.panning = self.gesture is not None
            self.after()
            return True
        if button != Qt.MouseButton.LeftButton or not self.can_draw():
            return False
        self.start(c.active_tool().press(pointer))
        return True

    def move(self, event) -> None:
        pointer = self.track(event)
        x, y = pointer.raw
        self.canvas.cursor_moved.emit(*((x, y) if self.canvas.view.inside(x, y) else (math.nan, math.nan)))
        if self.gesture is not None:
            self.resume()
        else:
            self.canvas.active_tool().hover(pointer)
            self.after()

    def release_event(self, event) -> bool:
        if self.gesture is None:
            return False
        self.track(event).released = True
        self.resume()
        return True

    def double_click(self, event) -> bool:
        if event.button() != Qt.MouseButton.LeftButton or self.space or not self.can_draw():
            return self.press(event)
        self.start(self.canvas.active_tool().double_click(self.track(event)))
        return True

    def leave(self) -> None:
        self.canvas.cursor_moved.emit(math.nan, math.nan)
        if self.gesture is None:
            self.canvas.last_pos = None
            self.canvas.active_tool().leave()

    def context_menu(self, event) -> bool:
        """Right-click: the shape under the mouse joins the selection (alone, unless it was in
        it), then the window is asked for the menu. Not while drawing or dragging."""
        c = self.canvas
        if self.gesture is not None or c.has_drawing() or c.record() is None:
            return False
        p = c.view.to_scene(QPointF(event.pos()))
        c.last_pos = (p.x(), p.y())  # "Split part out" takes the part under the mouse
        rid = region_at(c, p.x(), p.y())
        if rid is not None and rid not in c.selection.ids:
            c.select_regions([rid])
        elif rid is None:
            c.select_regions([])
        c.context_menu_requested.emit(event.globalPos(), rid)
        return True

    def can_draw(self) -> bool:
        return self.canvas.view.image_rect is not None and self.canvas.record() is not None

    # ---- keys ---------------------------------------------------------------------------------
    def claims(self, event) -> bool:
        """Keys taken before the window's shortcuts: Ctrl+Z while drawing (the draft's), and
        a key the tool claims (] / [ size the brush)."""
        return (self.canvas.has_drawing() and event.matches(QKeySequence.StandardKey.Undo)) or bool(
            self._claimed(event)
        )

    def _claimed(self, event) -> Callable[[], bool] | None:
        binding = binding_for(event.key())
        if binding is None or not binding.claims_shortcut or event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            return None
        return getattr(self.canvas.active_tool(), f"on_{binding.command}", None)

    def key_press(self, event) -> bool:
        c = self.canvas
        if event.matches(QKeySequence.StandardKey.Undo) and c.undo_draft_vertex():
            return True
        if event.key() == Qt.Key.Key_Space:
            if not event.isAutoRepeat():
                self.space = True
                c.update_cursor()
            return True
        binding = binding_for(event.key())
        if binding is None:
            return False
        handler = getattr(c.active_tool(), f"on_{binding.command}", None)
        if binding.claims_shortcut and event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            handler = None
        if (handler is not None and handler()) or self._default(binding.command, event):
            self.after()
            return True
        return False

    def _default(self, command: str, event) -> bool:
        """What a key does when the tool leaves it: Esc clears the selection, Delete deletes
        it, the arrows nudge it."""
        c = self.canvas
        if command == "cancel":
            c.select_regions([])
        elif command == "delete":
            c.delete_selection()
        elif command == "nudge" and c.selection.ids and self.gesture is None:
            dx, dy = NUDGE[event.key()]
            step = NUDGE_SHIFT_PX if event.modifiers() & Qt.KeyboardModifier.ShiftModifier else 1.0
            record = c.record()
            edit = c.selection.nudge(record, dx * step, dy * step) if record is not None else None
            if edit is not None:
                c.push(edit)
        else:
            return False
        return True

    def key_release(self, event) -> bool:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self.space = False
            self.canvas.update_cursor()
            return True
        return False

    def focus_out(self) -> None:
        self.space = False
        self.canvas.update_cursor()


class EventHandlers(QGraphicsView):
    """The canvas' base: its Qt event overrides, each handed to its `Events`."""

    events: Events
    background: Background
    context_menu_requested = Signal(object, object)  # the global QPoint, the region under it (None: none)

    def contextMenuEvent(self, event) -> None:
        if self.events.context_menu(event):
            return event.accept()
        super().contextMenuEvent(event)

    def mousePressEvent(self, event) -> None:
        if self.events.press(event):
            return event.accept()
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        self.events.move(event)

    def mouseReleaseEvent(self, event) -> None:
        if self.events.release_event(event):
            return event.accept()
        super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event) -> None:
        if self.events.double_click(event):
            return event.accept()
        super().mouseDoubleClickEvent(event)

    def leaveEvent(self, event) -> None:
        self.events.leave()
        super().leaveEvent(event)

    def event(self, event) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and self.events.claims(event):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event) -> None:
        if self.events.key_press(event):
            return event.accept()
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event) -> None:
        if self.events.key_release(event):
            return event.accept()
        super().keyReleaseEvent(event)

    def focusOutEvent(self, event) -> None:
        self.events.focus_out()
        super().focusOutEvent(event)

    def closeEvent(self, event) -> None:
        self.background.wait()
        super().closeEvent(event)
