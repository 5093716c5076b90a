"""The project's image files as the window keeps up with them: a watch on the image folders
(QFileSystemWatcher, and a rescan when the window comes back to the front, both debounced)
that offers new files in a bar over the image list ("3 new images in data/ — Add / Ignore")
and names images whose files went away; File ▸ Add images…; Image ▸ Remove from project
(the files are not touched). Every change of the image list is an undoable edit of the
project (annotator.model.image_edits); what to look at is annotator.app.image_folders."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from PySide6.QtCore import QFileSystemWatcher, QObject, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QBoxLayout, QFileDialog, QMenu

from polymask_common.text import plural

from ..app.image_folders import (
    MAX_WATCHED_FOLDERS,
    FolderScan,
    image_folders,
    image_root,
    new_records,
    relative_names,
    scan,
)
from ..io.images import IMAGE_SUFFIXES
from ..model import AddImages, IgnoreImages, Project, RemoveImages
from .image_roles import KeyRole
from .new_images_bar import NewImagesBar

if TYPE_CHECKING:
    pass

if TYPE_CHECKING:
    from .window_context import WindowContext


RESCAN_DELAY_MS = 400  # a copy of many files fires many changes: look once they settle


class ImageFiles(QObject):
    def __init__(self, window: WindowContext):
        super().__init__(window)
        self.window = window
        self.project: Project | None = None
        self.last = FolderScan(None)
        self._dismissed: tuple[frozenset[str], frozenset[str]] | None = None
        self._seen: set[str] = set()  # the project's image files found present since it was opened
        self.bar = NewImagesBar()
        layout = window.image_list.layout()
        assert isinstance(layout, QBoxLayout)
        layout.insertWidget(1, self.bar)  # under the filter, over the list
        self.watcher = QFileSystemWatcher(self)
        self.watcher.directoryChanged.connect(self.schedule)
        self.timer = QTimer(self, singleShot=True, interval=RESCAN_DELAY_MS)
        self.timer.timeout.connect(self.rescan)
        self.scroll_timer = QTimer(self, singleShot=True, interval=0)  # once the list has its new height
        self.scroll_timer.timeout.connect(self._keep_current_in_view)
        app = QGuiApplication.instance()
        if isinstance(app, QGuiApplication):
            app.applicationStateChanged.connect(self._app_state)
        self.bar.add_requested.connect(self.add_new)
        self.bar.ignore_requested.connect(self.ignore_new)
        self.bar.remove_gone_requested.connect(self.remove_gone)
        self.bar.dismissed.connect(self._dismiss)
        window.list_model.modelReset.connect(self._images_changed)
        window.canvas.image_changed.connect(self.note_row)
        view = window.image_list.view
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.customContextMenuRequested.connect(self.list_menu)
        self.menu: QMenu | None = None

    # ---- watching ------------------------------------------------------------------------
    def _images_changed(self) -> None:
        """A project was opened, or images were added or removed (an edit, its undo)."""
        w = self.window
        if w.project is not self.project:
            self.project = w.project
            self._dismissed = None
            self._seen = set()
        elif w.current_key is not None and w.project is not None:
            self._keep_a_current_image()
        self._watch()
        self.schedule()

    def _watch(self) -> None:
        old = self.watcher.directories()
        if old:
            self.watcher.removePaths(old)
        project = self.project
        root = image_root(project) if project is not None else None
        if project is None or root is None:
            return
        folders = [str(root / f) if f else str(root) for f in image_folders(project)]
        existing = [f for f in folders[:MAX_WATCHED_FOLDERS] if os.path.isdir(f)]
        if existing:
            self.watcher.addPaths(existing)

    def _app_state(self, state) -> None:
        if state == Qt.ApplicationState.ApplicationActive:
            self.schedule()  # files copied in while the window was in the back

    def schedule(self, *_args) -> None:
        if self.project is not None:
            self.timer.start()

    def rescan(self) -> FolderScan:
        """Look at the image folders now and show (or hide) the bar."""
        self.timer.stop()
        if self.project is None:
            self.last = FolderScan(None)
            self.bar.show_changes(0, "", 0, "")
            return self.last
        found = scan(self.project)
        # "no longer there" is said only of files seen while the project was open: images missing
        # from the start (a wrong image folder) are the Locate images bar's, not files to take out
        self._seen |= {im.filename for im in self.project.images} - set(found.gone)
        found.gone = [name for name in found.gone if name in self._seen]
        self.last = found
        if self._dismissed == (frozenset(found.new), frozenset(found.gone)):
            return found  # hidden by the user for exactly these files
        self._dismissed = None
        shown = self.bar.isVisible()
        self.bar.show_changes(len(found.new), found.where(found.new), len(found.gone), found.where(found.gone))
        if self.bar.isVisible() != shown:  # the list got shorter or taller: keep the shown image in view
            self.scroll_timer.start()
        return found

    def _keep_current_in_view(self) -> None:
        view = self.window.image_list.view
        if view.currentIndex().isValid():
            view.scrollTo(view.currentIndex())

    def _dismiss(self) -> None:
        self._dismissed = (frozenset(self.last.new), frozenset(self.last.gone))

    def list_menu(self, pos) -> QMenu | None:
        """Right-click on a row of the image list: that image is shown, then Remove / Add / Go to."""
        w = self.window
        index = w.image_list.view.indexAt(pos)
        key = index.data(KeyRole) if index.isValid() else None
        if key is not None and key != w.current_key and not w.navigator.go_to(key):
            return None
        if self.menu is not None:
            self.menu.deleteLater()
        self.menu = menu = QMenu(w.image_list.view)
        for name in ("remove_image", "add_images", "go_to_image"):
            if name != "remove_image" or key is not None:
                menu.addAction(w.actions[name])
        menu.popup(w.image_list.view.viewport().mapToGlobal(pos))
        return menu

    # ---- the bar's answers ---------------------------------------------------------------
    def add_new(self) -> int:
        """Add the new files the last scan found; the number added."""
        return self.add_names(self.rescan().new)

    def ignore_new(self) -> None:
        names = self.rescan().new
        if names:
            self.window.push(IgnoreImages(names))
            self.window.status.showMessage(
                f"{plural(len(names), 'file')} will not be offered again (Ctrl+Z undoes)", 6000
            )
        self.rescan()

    def remove_gone(self) -> None:
        project = self.project
        gone = set(self.rescan().gone)
        if project is None or not gone:
            return
        self.remove([im.key for im in project.images if im.filename in gone])

    # ---- File ▸ Add images…, Image ▸ Remove from project -------------------------------------
    def add_dialog(self) -> int:
        w = self.window
        if self.project is None:
            return 0
        root = image_root(self.project)
        pattern = " ".join(f"*{s}" for s in sorted(IMAGE_SUFFIXES))
        paths, _ = QFileDialog.getOpenFileNames(w, "Add images", str(root or ""), f"Images ({pattern})")
        return self.add_paths(paths)

    def add_paths(self, paths: list[str]) -> int:
        """Add image files (inside the image folder; others are refused with the reason)."""
        if self.project is None or not paths:
            return 0
        inside, outside = relative_names(self.project, paths)
        if outside:
            root = image_root(self.project)
            self.window.show_error(
                "Add images",
                f"{plural(len(outside), 'file')} not added: an image must be inside the project's image "
                f"folder {root} (copy it there first, or use File ▸ Locate Images…).",
                "\n".join(outside[:20]),
            )
        return self.add_names(inside)

    def add_names(self, names: list[str]) -> int:
        w = self.window
        if self.project is None:
            return 0
        records = new_records(self.project, names)
        if not records:
            if names:
                w.status.showMessage("Those images are in the project already", 5000)
            return 0
        w.push(AddImages(records))
        w.status.showMessage(
            f"Added {plural(len(records), 'image')} (first: {records[0].filename}); Ctrl+Z takes them out again", 8000
        )
        self.rescan()
        return len(records)

    def remove_current(self) -> None:
        w = self.window
        if w.current_key is not None:
            self.remove([w.current_key])

    def remove(self, keys: list[str]) -> None:
        """Take images out of the project (not off the disk); the image shown moves on if it went."""
        w = self.window
        project = self.project
        if project is None or not keys:
            return
        if w.current_key in keys:
            w.canvas.finish_drawing()
        names = [project.image(k).filename for k in keys]
        w.push(RemoveImages(list(keys)))
        what = names[0] if len(names) == 1 else plural(len(names), "image")
        w.status.showMessage(f"Removed {what} from the project; the file stays on disk (Ctrl+Z brings it back)", 8000)
        self.rescan()

    def _keep_a_current_image(self) -> None:
        """The image shown left the project: show the one that took its place in the list."""
        w = self.window
        project = w.project
        assert project is not None and w.current_key is not None
        try:
            project.image(w.current_key)
            return
        except KeyError:
            pass
        row = max(0, min(self._last_row, len(project.images) - 1))
        w.current_key = None
        if project.images:
            w.show_image(project.images[row].key)
        else:
            w.canvas.set_image(project, None, None)
            w.refresh_panels()

    _last_row = 0

    def note_row(self, key: str | None) -> None:
        """The row of the image shown (where the next one is taken from if it is removed)."""
        if key is None:
            return
        row = self.window.list_model.row_of(key)
        if row >= 0:
            self._last_row = row
