"""Opening a folder, a project file or a VIA / COCO / labelme file in the window, by the
one rule of annotator.app.project_location, and what the window says about it (imported
from, notices, the problems met, an existing project over the same images)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog

from ..app.project_location import open_for_editing
from ..io.errors import FormatError

if TYPE_CHECKING:
    pass


if TYPE_CHECKING:
    from .window_context import WindowContext


class Opener:
    def __init__(self, window: WindowContext):
        self.window = window

    def open_dialog(self, folder: bool = False) -> None:
        w = self.window
        start = str(w.project.path.parent) if w.project and w.project.path else str(Path.home())
        if folder:
            path = QFileDialog.getExistingDirectory(w, "Open a folder of images", start)
        else:
            path, _ = QFileDialog.getOpenFileName(
                w, "Open a project or annotation file", start, "Projects and annotations (*.json);;All files (*)"
            )
        if path:
            self.open_path(path)

    def open_path(self, path) -> bool:
        """Open a folder, a project file or a VIA / COCO / labelme file, by the one rule of
        annotator.app.project_location (an annotation file keeps one project file beside it,
        found again on every open). Errors go to a dialog."""
        w = self.window
        path = Path(path)
        try:
            opened = open_for_editing(path)
        except FormatError as exc:
            w.show_error("Cannot open", f"Cannot open {exc.path or path}", exc.reason)
            return False
        except Exception as exc:  # a bug in a reader must not reach the user as a traceback
            w.show_error("Cannot open", f"Cannot open {path}", f"{type(exc).__name__}: {exc}")
            return False
        if opened.created and opened.others:  # never a second project over the same images unasked
            choice = w.ask_existing_project(opened)
            if choice != "new":
                return choice == "open" and self.open_path(opened.others[0])
        project, result = opened.project, opened.result
        w.title_note = opened.title_note()  # a symlinked project file says so in the title
        modified = opened.created or opened.root_changed  # a found image folder is stored
        w.set_project(project, modified=modified, disk=result.disk)
        if modified:
            w.autosave.save()  # the project file exists from the start
        w.recent.add(project.path)
        w.image_bar.set_missing_images("" if opened.images.complete else opened.images.summary())
        if opened.imported_from is not None:
            w.status.showMessage(
                f"Imported {path.name} ({result.format}); your work is saved in "
                f"{project.path.name} beside it, which opens again next time",
                10000,
            )
        notices = [n for n in (opened.source_changed, *opened.notes) if n]
        if notices:
            w.show_notice(f"Opened {project.path.name}", "\n\n".join(notices))
        if result.problems:
            w.show_problems(path, result.problems)
        return True
