"""The open project and its undo history.

History design (per image, kept when switching images):

* one `QUndoStack` per image, created on the image's first edit, for every edit
  whose scope is an image: shapes (the canvas' edits, drags merged), region and
  file attributes, setting a region's class (keys 1-9), the done flag;
* one project-wide `QUndoStack` for edits whose scope is the project (class edits:
  add, rename, merge, delete).

Each edit says which it is (`Edit.scope()`). Ctrl+Z undoes the most recent step among
the current image's stack and the project stack (each command carries a sequence
number), Ctrl+Shift+Z / Ctrl+Y redoes the earliest undone one. So on image A, undo
never touches image B's shapes, and B's history is still there when you come back to B.

Class edits in the model restore on undo only what they changed, so undoing a
class edit does not roll back unrelated edits other images made since (the
stacks are independent histories).
"""

from __future__ import annotations

import itertools

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from ..model import Edit, Project
from .undo import EditCommand

_seq = itertools.count(1)


class HistoryCommand(EditCommand):
    def __init__(self, project, edit, on_change=None):
        super().__init__(project, edit, on_change)
        self.seq = next(_seq)

    def mergeWith(self, other) -> bool:
        if super().mergeWith(other):
            self.seq = getattr(other, "seq", self.seq)
            return True
        return False


class Document(QObject):
    """Project + history. `changed(edit)` after every do / undo / redo."""

    changed = Signal(object)
    history_changed = Signal()

    def __init__(self, project: Project, parent=None):
        super().__init__(parent)
        self.project = project
        self.project_stack = self._new_stack(limit=100)
        self._stacks: dict[str, QUndoStack] = {}
        self.current_key: str | None = None

    def _new_stack(self, limit=1000) -> QUndoStack:
        stack = QUndoStack(self)
        stack.setUndoLimit(limit)
        stack.indexChanged.connect(self._emit_history)
        return stack

    def _emit_history(self, *_):
        self.history_changed.emit()

    def stack(self, image_key: str, create: bool = True) -> QUndoStack | None:
        st = self._stacks.get(image_key)
        if st is None and create:
            st = self._stacks[image_key] = self._new_stack()
        return st

    def set_current_image(self, key: str | None) -> None:
        self.current_key = key
        self.history_changed.emit()

    # ---- editing -------------------------------------------------------------
    def push(self, edit: Edit) -> None:
        """Apply `edit` as one undoable step (merged with the previous one if it says so)."""
        scope = edit.scope()
        stack: QUndoStack | None = self.project_stack
        if not scope.project:
            key = scope.images[0] if scope.images else self.current_key
            if key is None:
                raise ValueError(f"{edit.text}: no image to attach the edit to")
            stack = self.stack(key)
        assert stack is not None  # created on demand
        stack.push(HistoryCommand(self.project, edit, self._on_change))

    def _on_change(self, edit: Edit) -> None:
        self.changed.emit(edit)

    # ---- undo / redo across the image stack and the project stack ---------------
    def _candidates(self) -> list[QUndoStack]:
        out = [self.project_stack]
        if self.current_key is not None and self.current_key in self._stacks:
            out.append(self._stacks[self.current_key])
        return out

    def _next_undo(self):
        best = None
        for st in self._candidates():
            if st.canUndo():
                cmd = st.command(st.index() - 1)
                assert isinstance(cmd, HistoryCommand)  # the only command pushed
                if best is None or cmd.seq > best[1].seq:
                    best = (st, cmd)
        return best

    def _next_redo(self):
        best = None
        for st in self._candidates():
            if st.canRedo():
                cmd = st.command(st.index())
                assert isinstance(cmd, HistoryCommand)  # the only command pushed
                if best is None or cmd.seq < best[1].seq:
                    best = (st, cmd)
        return best

    def can_undo(self) -> bool:
        return self._next_undo() is not None

    def can_redo(self) -> bool:
        return self._next_redo() is not None

    def undo_text(self) -> str:
        nxt = self._next_undo()
        return nxt[1].text() if nxt else ""

    def redo_text(self) -> str:
        nxt = self._next_redo()
        return nxt[1].text() if nxt else ""

    def undo(self) -> bool:
        nxt = self._next_undo()
        if nxt:
            nxt[0].undo()
        return nxt is not None

    def redo(self) -> bool:
        nxt = self._next_redo()
        if nxt:
            nxt[0].redo()
        return nxt is not None
