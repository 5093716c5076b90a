"""Work is never lost silently: what the window does when autosave cannot save.

- A failed save shows a persistent bar over the canvas (what failed, "Save as…", "Retry")
  until a save succeeds.
- The project file written by someone else: the bar, and a dialog to reload theirs, keep
  mine or merge (conflict_dialog.py); every choice keeps both versions somewhere.
- Closing with changes that cannot be saved asks: Save as… / Discard / Cancel.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog, QMessageBox

from polymask_common.text import plural

from ..app.conflicts import copy_path, merge_projects, project_from
from ..io.disk_state import read_state
from ..io.jsonfile import atomic_write_bytes
from .autosave import write_project
from .conflict_dialog import KEEP, MERGE, RELOAD, ConflictDialog
from .save_problem_bar import SaveProblemBar


class SaveGuard(QObject):
    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.autosave = window.autosave
        self.bar = SaveProblemBar(window.canvas)
        self.dialog: ConflictDialog | None = None
        self.close_box: QMessageBox | None = None  # while the close question is open (tests answer it)
        self.autosave.failed.connect(self._failed)
        self.autosave.saved.connect(self._saved)
        self.autosave.conflict.connect(self._conflict)
        self.autosave.rescued.connect(
            lambda copy: self._status(f"The unsaved changes of the previous project were written to {copy}", 30000)
        )
        self.bar.save_as_requested.connect(self.save_as)
        self.bar.retry_requested.connect(self.retry)
        self.bar.resolve_requested.connect(self.show_conflict)

    def _path(self) -> Path | None:
        project = self.window.project
        return Path(project.path) if project is not None and project.path is not None else None

    def _status(self, text: str, ms: int = 8000) -> None:
        self.window.status.showMessage(text, ms)

    # ---- failures ---------------------------------------------------------------------------
    def _failed(self, error: str) -> None:
        path = self._path()
        self.bar.show_problem(
            f"Could not save {path}: {error}. Your changes are only in this window: "
            "use Save as… to keep them in another file."
        )
        self.window.status.set_saved("Not saved")

    def _saved(self, _path: str) -> None:
        if not self.autosave.in_conflict:
            self.bar.hide()

    def retry(self) -> None:
        self.autosave.mark_dirty([], schedule=False)
        self.autosave.save()

    def save_as(self, path=None) -> bool:
        """Save the project to another file (asked for when `path` is None); it stays there."""
        current = self._path()
        if self.window.project is None:
            return False
        if path is None:
            suggestion = str(current) if current else str(Path.home() / "polymask.json")
            path, _ = QFileDialog.getSaveFileName(
                self.window, "Save the project as", suggestion, "Polymask project (*.json)"
            )
            if not path:
                return False
        if not self.autosave.save_as(path):
            return False  # the bar says why
        self.bar.hide()
        if self.dialog is not None:
            self.dialog.close()
        self.window.recent.add(Path(path))
        self._status(f"Saved as {path}")
        return True

    # ---- conflicts --------------------------------------------------------------------------
    def _conflict(self, path: str) -> None:
        self.bar.show_problem(
            f"{Path(path).name} was changed by another window or program. Autosave is paused "
            "so that neither version is lost.",
            conflict=True,
        )
        self.window.status.set_saved("Not saved: file changed on disk")
        self.show_conflict()

    def show_conflict(self) -> ConflictDialog | None:
        path = self._path()
        if path is None:
            return None
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.raise_()
            return self.dialog
        theirs, result, problem = self._merge_now(path)
        self.dialog = ConflictDialog(self.window, path, result, problem)
        self.dialog.chosen.connect(lambda choice: self.resolve(choice, theirs))
        self.dialog.open()
        return self.dialog

    def _merge_now(self, path: Path):
        """(their file's state, the merge with this window's project or None, why not)."""
        theirs = read_state(path)
        base = self.autosave.disk.data if self.autosave.disk is not None else b""
        if theirs is None:
            return None, None, f"{path.name} is gone from disk"
        if not base:
            return theirs, None, "there is no earlier version of the file to compare with"
        try:
            return theirs, merge_projects(base, theirs.data, self.window.project), ""
        except Exception as exc:  # noqa: BLE001 - their file may be anything
            return theirs, None, f"{path.name} on disk cannot be read as a project ({exc})"

    def resolve(self, choice: str, theirs) -> None:
        path = self._path()
        if path is None:  # the project was closed while the dialog was open
            return
        try:
            if choice == RELOAD:
                self._reload(path)
            elif choice == KEEP:
                self._keep_mine(path, theirs)
            elif choice == MERGE:
                self._merge(path)
        except OSError as exc:  # the copy that keeps the other version could not be written
            self.window.show_error(
                "Could not resolve the conflict", f"Nothing was changed in {path}", f"{type(exc).__name__}: {exc}"
            )

    def _reload(self, path: Path) -> None:
        problem = unreadable_project(path)
        if problem:  # keep this window's version: it may be the only whole one left
            self.bar.show_problem(
                f"Cannot reload {path}: {problem}. Your version is only in this window: "
                "use Save as… to keep it in another file.",
                conflict=True,
            )
            self.window.status.set_saved("Not saved: the file on disk cannot be read")
            self.window.show_error(
                "Cannot reload", f"Cannot reload {path}: {problem}", "Use Save as… to keep your version."
            )
            return
        mine = copy_path(path, "mine")
        write_project_to(self.window.project, mine)
        self.autosave.discard()  # kept in the copy
        if self.window.open_path(path):
            self.bar.hide()
            self._status(f"Reloaded {path.name} from disk; this window's version is in {mine.name}", 15000)

    def _keep_mine(self, path: Path, theirs) -> None:
        kept = None
        if theirs is not None:
            kept = copy_path(path, "theirs")
            atomic_write_bytes(kept, theirs.data, backup=False)
        if self.autosave.overwrite(theirs):  # only the version copied above is overwritten
            self._status(
                f"Saved this window's version; the other one is in {kept.name}" if kept else f"Saved {path.name}", 15000
            )

    def _merge(self, path: Path) -> None:
        theirs, result, _ = self._merge_now(path)  # again: edits made while the dialog was open count
        if result is None or not result.ok:
            self.show_conflict()
            return
        key = self.window.current_key
        merged = project_from(result.data, self.window.project)
        self.autosave.discard()  # the merge holds every change
        self.window.set_project(merged, modified=True)
        self.autosave.disk = theirs  # what the merge read: a newer file is a new conflict
        self.autosave.save()
        if key is not None and any(im.key == key for im in merged.images):
            self.window.show_image(key)
        self.bar.hide()
        self._status(
            f"Merged: {plural(len(result.from_theirs), 'image')} from disk, {len(result.from_mine)} from this window",
            15000,
        )

    # ---- closing ----------------------------------------------------------------------------
    def may_close(self) -> bool:
        """Save; if that is impossible, ask. False: the user chose to stay."""
        a = self.autosave
        if a.closed or a.flush():
            return True
        path = self._path() or Path("the project file")
        reason = (
            f"{path.name} was changed by another window or program."
            if a.in_conflict
            else f"Saving {path} failed: {a.error}"
        )
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Unsaved changes",
            f"Your changes to {path.name if path else 'this project'} are not saved.",
            QMessageBox.StandardButton.NoButton,
            self.window,
        )
        box.setInformativeText(reason + "\n\nSave them to another file, or discard them and close?")
        save_as = box.addButton("Save as…", QMessageBox.ButtonRole.AcceptRole)
        discard = box.addButton(QMessageBox.StandardButton.Discard)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(save_as)
        self.close_box = box
        try:
            box.exec()
            clicked = box.clickedButton()
        finally:
            self.close_box = None
        if clicked is save_as:
            return self.save_as()
        if clicked is discard:
            a.discard()
            return True
        return False


def unreadable_project(path: Path) -> str:
    """What is wrong with the project file at `path` ("" when it opens)."""
    from ..app.project_location import open_for_editing
    from ..io import FormatError

    try:
        open_for_editing(path)
    except FormatError as exc:
        return exc.reason
    except Exception as exc:  # noqa: BLE001 - a reader's bug: said, not raised
        return f"{type(exc).__name__}: {exc}"
    return ""


def write_project_to(project, path) -> Path:
    """A copy of the project at `path`; the project itself keeps its file."""
    snap = project.snapshot()
    snap.path = Path(path)
    return write_project(snap)
