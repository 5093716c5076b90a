"""The main window as its helpers see it (navigation, opening, image files, project memory, the
shape menu, the habit actions). `MainWindow` builds them and passes itself; they type it with
this base class, which declares what they use, instead of importing the window module back
(no import circle). The methods here are implemented by `MainWindow`."""

from __future__ import annotations

from typing import Protocol

from PySide6.QtWidgets import QDialog, QMainWindow, QMessageBox

from ..model import Edit, Project
from .actions import Actions
from .autosave import Autosaver
from .canvas import Canvas
from .class_panel import ClassPanel
from .document import Document
from .image_cache import ImageCache
from .image_list import ImageListModel, ImageListPanel
from .image_problem_bar import ImageProblemBar
from .recent import RecentProjects
from .status_bar import StatusBar
from .thumbnails import ThumbnailLoader


class GoesToImages(Protocol):
    """The navigator (annotator.ui.navigation), as the helpers use it."""

    def go_to(self, key: str) -> bool: ...
    def go_to_dialog(self) -> object: ...
    def step_unlabelled(self, direction: int) -> None: ...


class WindowContext(QMainWindow):
    recent: RecentProjects
    doc: Document | None
    project: Project | None
    current_key: str | None
    title_note: str
    canvas: Canvas
    image_bar: ImageProblemBar
    image_cache: ImageCache
    thumbnails: ThumbnailLoader
    list_model: ImageListModel
    image_list: ImageListPanel
    class_panel: ClassPanel
    status: StatusBar
    autosave: Autosaver
    navigator: GoesToImages
    actions: Actions  # type: ignore[assignment]  # the window's commands by name (QWidget.actions() is not used)

    def push(self, edit: Edit) -> None:
        raise NotImplementedError

    def show_image(self, key: str) -> None:
        raise NotImplementedError

    def refresh_panels(self) -> None:
        raise NotImplementedError

    def update_status(self) -> None:
        raise NotImplementedError

    def set_selection_class(self, name: str) -> None:
        raise NotImplementedError

    def set_project(self, project, modified: bool = False, disk=None) -> None:
        raise NotImplementedError

    def ask_existing_project(self, opened) -> str:
        raise NotImplementedError

    def show_error(self, title: str, text: str, detail: str = "") -> QMessageBox:
        raise NotImplementedError

    def show_notice(self, title: str, text: str) -> QMessageBox:
        raise NotImplementedError

    def show_problems(self, path, problems, title="Import problems", intro=None) -> QDialog:
        raise NotImplementedError
