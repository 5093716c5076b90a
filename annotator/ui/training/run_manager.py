"""The Runs dock at work: the list refreshed from the project and its runs/ folder
(annotator.app.run_list), a selected run's curves and summary, comparing runs, and renaming,
deleting (to runs/.trash, undoable until the window closes), opening a run's folder.

Dialogs are opened window-modal and answered through their signals (``box.open()``), so nothing
blocks and tests answer them as a person would."""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from pathlib import Path

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QInputDialog, QLineEdit, QMessageBox, QWidget

from polymask_common.text import plural
from trainer.events import Preview, event_from_dict  # torch-free

from ...app.run_files_ops import RunFileError, Trashed, purge, rename_run, restore, trash_run
from ...app.run_list import RunEntry, describe, list_runs
from ...app.run_log import read_previews, read_run_curves, save_previews
from ...app.training_runs import resolve
from ...model import Project, RunRecord
from .docks import TrainingDocks
from .runs import fmt_ap, fmt_date


class RunManager(QObject):
    moved = Signal(object, object)  # a run's folder was renamed: (old Path, new Path)

    def __init__(
        self,
        views: TrainingDocks,
        project: Callable[[], Project | None],
        running: Callable[[], RunRecord | None],  # the record of the run training now (None: none)
        in_use: Callable[[], str | None],  # the checkpoint predicting now
        changed: Callable[[], None],  # the project's run records changed: save them
        status: Callable[[str], None],
        colour_for: Callable[[str | None], str],
        parent: QObject | None = None,
    ):
        super().__init__(parent)
        self.views, self.panel = views, views.runs_panel
        self._project, self._running, self._in_use, self._changed, self._status = (
            project,
            running,
            in_use,
            changed,
            status,
        )
        self.colour_for = colour_for
        self.trashed: list[tuple[str, Trashed]] = []  # deleted this session (name, what to undo)
        self.dialog: QWidget | None = None  # the last question asked (tests answer it)
        self.entries: list[RunEntry] = []
        p = self.panel
        p.selected.connect(self.show_run)
        p.compare_requested.connect(self.compare)
        p.rename_requested.connect(self.ask_rename)
        p.delete_requested.connect(self.ask_delete)
        p.undo_delete_requested.connect(self.undo_delete)
        p.open_requested.connect(self.open_folder)

    @property
    def window(self) -> QWidget:
        return self.views.window

    # ---- the list ---------------------------------------------------------------------------
    def refresh(self, keep: str | None = None) -> list[RunEntry]:
        self.entries = list_runs(self._project(), self._running())
        self.panel.set_entries(self.entries, self._in_use(), keep)
        return self.entries

    def entry(self, name: str) -> RunEntry | None:
        return next((e for e in self.entries if e.name == name), None)

    def opened(self) -> None:
        """A project was opened: its runs, and the newest one's curves and summary."""
        self.trashed_purge()
        entries = self.refresh()
        if entries:  # the runs and the newest one's curves, as they were left
            self.views.show_dock(self.views.runs_dock)
            newest = max(entries, key=lambda e: e.started or "")
            self.show_run(newest, select=True)
        else:
            self.views.pending_curves = None
            if self.views.plots is not None:
                self.views.plots.clear()
            self.views.progress.show_text("No training run yet.")

    def show_run(self, entry: RunEntry | None, select: bool = False) -> None:
        """A run chosen in the list: its summary; its curves when no run is training."""
        if entry is None:
            return
        if select:
            self.panel.select(entry.name)
        lines = describe(entry)
        self.panel.show_summary("<br>".join(escape(line) for line in lines))
        if self._running() is not None:
            return  # the live run keeps the curves; Compare overlays others
        if self.views.plots is not None:
            self.views.plots.set_compare({})  # one run chosen: the comparison is over
        self.views.show_past_run(read_run_curves(entry.folder), entry.name)
        self.views.progress.show_text(self.headline(entry), f"past run: {entry.name}")
        previews = read_previews(entry.folder)
        if previews is None:
            self.views.gallery.clear()
        else:
            self.views.gallery.set_preview(event_from_dict(previews), self._project(), self.colour_for)

    def keep_preview(self, ev: Preview, record: RunRecord | None) -> None:
        """The live run's previews, kept in its folder so they come back with the run."""
        folder = resolve(self._project(), record.dir) if record is not None else None
        if folder is not None:
            save_previews(folder, ev.to_dict())

    @staticmethod
    def headline(entry: RunEntry) -> str:
        head = f"Run {entry.name} ({fmt_date(entry.started)}): {entry.state_text()}; "
        if entry.not_evaluated:
            text = entry.ap_text()
            return head + text[0].lower() + text[1:]
        return head + (
            f"{plural(entry.epochs_done or 0, 'epoch')}, best mask AP {fmt_ap(entry.mask_ap)}, box AP {fmt_ap(entry.box_ap)}."
        )

    def compare(self, entries: list[RunEntry]) -> None:
        data = {e.name: read_run_curves(e.folder) for e in entries}
        self.views.ensure_plots().set_compare(data)
        self.views.show_curves()
        self._status(f"Comparing {', '.join(data)}: dashed curves")

    # ---- rename -----------------------------------------------------------------------------
    def ask_rename(self, entry: RunEntry) -> QInputDialog:
        dialog = QInputDialog(self.window)
        dialog.setWindowTitle("Rename run")
        dialog.setLabelText(f"New name of the run folder {entry.name}:")
        dialog.setTextValue(entry.folder.name if entry.folder is not None else entry.name)
        dialog.setTextEchoMode(QLineEdit.EchoMode.Normal)
        dialog.textValueSelected.connect(lambda name: self.rename(entry, name))
        self.dialog = dialog
        dialog.open()
        return dialog

    def rename(self, entry: RunEntry, name: str) -> bool:
        old = entry.folder
        try:
            new = rename_run(self._project(), entry, name)
        except (RunFileError, OSError) as e:
            self._error("Cannot rename the run", str(e))
            return False
        self._changed()
        if old is not None:
            self.moved.emit(Path(old), new)
        self.refresh(keep=new.name)
        self._status(f"Run renamed to {new.name}")
        return True

    # ---- delete -----------------------------------------------------------------------------
    def ask_delete(self, entry: RunEntry) -> QMessageBox:
        what = "its record (its folder is already gone)" if entry.missing else f"its folder {entry.folder}"
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Delete run",
            f"Delete run {entry.name} and {what}?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self.window,
        )
        box.setInformativeText("You can undo this until the window closes; then the files are removed.")
        box.button(QMessageBox.StandardButton.Yes).setText("Delete")
        box.accepted.connect(lambda: self.delete(entry))
        self.dialog = box
        box.open()
        return box

    def delete(self, entry: RunEntry) -> bool:
        if entry.state == "running":
            self._error("Cannot delete the run", "The run is training: stop it first.")
            return False
        try:
            trashed = trash_run(self._project(), entry)
        except (RunFileError, OSError) as e:
            self._error("Cannot delete the run", str(e))
            return False
        self.trashed.append((entry.name, trashed))
        if trashed.records:
            self._changed()
        self.refresh()
        self.panel.show_undo(entry.name)
        self._status(f"Run {entry.name} deleted (Undo delete puts it back until the window closes)")
        return True

    def undo_delete(self) -> bool:
        if not self.trashed:
            return False
        name, trashed = self.trashed.pop()
        try:
            restore(self._project(), trashed)
        except (RunFileError, OSError) as e:
            self._error("Cannot undo the delete", str(e))
            return False
        if trashed.records:
            self._changed()
        self.refresh(keep=name)
        self.panel.show_undo(self.trashed[-1][0] if self.trashed else None)
        self._status(f"Run {name} is back")
        return True

    def trashed_purge(self) -> None:
        """Remove the deleted runs' files for good (the window closes, or another project opens)."""
        for _, trashed in self.trashed:
            purge(trashed)
        self.trashed.clear()
        self.panel.show_undo(None)

    # ---- open folder ------------------------------------------------------------------------
    def open_folder(self, entry: RunEntry) -> bool:
        if entry.folder is None or not entry.folder.is_dir():
            self._status(f"The folder of run {entry.name} is not there any more.")
            return False
        return QDesktopServices.openUrl(QUrl.fromLocalFile(str(entry.folder)))

    def _error(self, title: str, text: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self.window)
        self.dialog = box
        box.open()
