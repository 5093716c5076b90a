"""Model edits as QUndoCommands: the window's only way to change the project."""

from __future__ import annotations

from PySide6.QtGui import QUndoCommand

from ..model import Edit, Project

# Qt offers mergeWith only to commands of the same int id; every mergeable edit shares this
# one and Edit.merge compares the edits' own merge keys (no registry of keys to grow).
MERGEABLE = 1


class EditCommand(QUndoCommand):
    """Wraps one `Edit`; `on_change(edit)` is called after every do/undo."""

    def __init__(self, project: Project, edit: Edit, on_change=None):
        super().__init__(edit.text)
        self.project = project
        self.edit = edit
        self.on_change = on_change
        self._id = -1 if edit.merge_key() is None else MERGEABLE

    def redo(self):
        self.edit.apply(self.project)
        if self.on_change:
            self.on_change(self.edit)

    def undo(self):
        self.edit.revert(self.project)
        if self.on_change:
            self.on_change(self.edit)

    def id(self) -> int:
        return self._id

    def mergeWith(self, other) -> bool:
        if not isinstance(other, EditCommand) or not self.edit.merge(other.edit):
            return False
        self.setText(self.edit.text)
        return True
