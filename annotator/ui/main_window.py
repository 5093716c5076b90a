"""The annotation window: wiring only.

Canvas in the middle, image list on the left, classes and attributes on the
right. The window owns the project and its history (document.py); the canvas
and the panels emit model edits, which go through `push` onto the undo stacks;
every do / undo / redo comes back through `_on_change`, which refreshes the
views and schedules the autosave.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QByteArray, Qt, QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDockWidget,
    QMessageBox,
)

from ..model import Edit, SetClass, SetDone
from .actions import EXPORTS, MENUS, TOOLS, Actions
from .attribute_panel import AttributePanel
from .autosave import Autosaver
from .canvas import Canvas
from .class_panel import ClassPanel
from .class_wiring import wire_class_panel
from .document import Document
from .export_menu import export_project, install_export_menu
from .habit_actions import install_habit_actions, show_cheat_sheet
from .image_cache import ImageCache
from .image_list import ImageListModel, ImageListPanel
from .image_problem_bar import ImageProblemBar
from .navigation import Navigator
from .opening import Opener
from .problems_dialog import ProblemsDialog
from .recent import RecentProjects, settings
from .save_guard import SaveGuard
from .status_bar import StatusBar
from .theme import Theme
from .thumbnails import ThumbnailLoader
from .training import TrainingController
from .training.live_labelling import LiveLabelling
from .view_menu import ViewMenu
from .window_context import WindowContext


class MainWindow(WindowContext):
    navigator: Navigator

    def __init__(
        self,
        theme: Theme | None = None,
        recent: RecentProjects | None = None,
        autosave_delay_ms: int = 1200,
        training_design: str | None = None,
    ):
        super().__init__()
        self.theme = theme or Theme()
        self.recent = recent or RecentProjects()
        self.doc: Document | None = None
        self.project = None
        self.current_key: str | None = None
        self.last_error: QMessageBox | None = None
        self.problems_dialog: QDialog | None = None
        self.setWindowTitle("Polymask[*]")
        self.setWindowIcon(self.theme.icon("app"))
        self.setAcceptDrops(True)
        self.resize(1440, 900)

        self.canvas = Canvas(self)
        self.setCentralWidget(self.canvas)
        self.image_bar = ImageProblemBar(self.canvas)  # images not found / not readable, over the canvas
        self.last_notice: QMessageBox | None = None
        self.image_cache = ImageCache(self)
        self.thumbnails = ThumbnailLoader(self)
        self.list_model = ImageListModel(self.thumbnails, self)
        self.image_list = ImageListPanel(self.list_model)
        self.class_panel = ClassPanel(icons=self.theme.icon)
        self.attribute_panel = AttributePanel()
        self.status = StatusBar(self)
        self.setStatusBar(self.status)
        self.autosave = Autosaver(autosave_delay_ms, self)
        self.navigator = Navigator(self)
        self.opener = Opener(self)
        self.title_note = ""  # e.g. " (link X → Y)": set by the opener for a symlinked project file
        self.docks = [
            self._dock("Images", self.image_list, Qt.DockWidgetArea.LeftDockWidgetArea),
            self._dock("Classes", self.class_panel, Qt.DockWidgetArea.RightDockWidgetArea),
            self._dock("Attributes", self.attribute_panel, Qt.DockWidgetArea.RightDockWidgetArea),
        ]
        self.resizeDocks(self.docks[:2], [300, 280], Qt.Orientation.Horizontal)

        self.actions = Actions(self, self.theme.icon)
        self.actions.build_menus(self.menuBar(), self.docks)
        self.toolbar = self.addToolBar("Tools")
        self.toolbar.setObjectName("toolbar")
        self.toolbar.setMovable(False)
        self.actions.build_toolbar(self.toolbar)
        self._panel_timer = QTimer(self, singleShot=True, interval=0)
        self._panel_timer.timeout.connect(self.refresh_panels)
        self._connect()
        wire_class_panel(self)  # class names on keys 1-9 in the menus, "show only this class"
        install_export_menu(self, self.theme.icon)  # File ▸ Export ▸ labelme
        # add / remove / go to images, unlabelled, what the project remembers, the shape menu, Ctrl+A
        self.image_files, self.memory, self.shape_menu = install_habit_actions(self)
        self._update_history()
        self.training = TrainingController(  # before the layout restore: it adds docks
            self,
            host=self,
            canvas=self.canvas,
            status=self.status,
            autosave=self.autosave,
            toolbar=self.toolbar,
            tab_with=self.docks[-1],
            design=training_design,
        )
        # Learn as I label (issue 22): the toggle, Done & next (Ctrl+Enter), pre-label on open
        self.live = LiveLabelling(self.training, self, self.canvas, self.status, self.actions.menus["&Edit"])
        self._restore_layout()

    def _dock(self, title, widget, area) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(title)
        dock.setWidget(widget)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        self.addDockWidget(area, dock)
        return dock

    def _connect(self) -> None:
        a, c = self.actions, self.canvas
        a["open"].triggered.connect(lambda: self.open_dialog(folder=False))
        a["open_folder"].triggered.connect(lambda: self.open_dialog(folder=True))
        a["save"].triggered.connect(self.save)
        a["quit"].triggered.connect(self.close)
        a["undo"].triggered.connect(self.undo)
        a["redo"].triggered.connect(lambda: self.doc and self.doc.redo())
        a["copy"].triggered.connect(c.copy_selection)
        a["paste"].triggered.connect(c.paste)
        a["delete"].triggered.connect(c.delete_selection)
        a["merge_objects"].triggered.connect(c.merge_selection)
        a["split_part"].triggered.connect(c.split_selected_part)
        a["done"].triggered.connect(self.toggle_done)
        a["zoom_in"].triggered.connect(c.zoom_in)
        a["zoom_out"].triggered.connect(c.zoom_out)
        a["fit"].triggered.connect(c.fit)
        a["actual"].triggered.connect(c.actual_size)
        a["next"].triggered.connect(lambda: self.step(1))
        a["prev"].triggered.connect(lambda: self.step(-1))
        for name, _label, _key in TOOLS:
            a[name].triggered.connect(lambda _=False, n=name: c.set_tool(n))
        for i in range(1, 10):
            a[f"class_{i}"].triggered.connect(lambda _=False, n=i: self.class_hotkey(n))
        a["add_class"].triggered.connect(lambda: self.class_panel.add_class())
        a["rename_class"].triggered.connect(lambda: self.class_panel.rename_class())
        a["merge_classes"].triggered.connect(lambda: self.class_panel.merge_classes())
        a["delete_class"].triggered.connect(lambda: self.class_panel.delete_class())
        a["shortcuts"].triggered.connect(self.show_shortcuts)
        a["about"].triggered.connect(self._about)
        for name, _text, fmt in EXPORTS:
            a[name].triggered.connect(lambda _=False, f=fmt: self.export(f))
        a.menus["recent"].aboutToShow.connect(self._fill_recent)
        a["locate_images"].triggered.connect(lambda: self.locate_images())
        self.image_bar.locate_requested.connect(lambda: self.locate_images())
        self.view_menu = ViewMenu(self)  # class names, fill opacity, hide annotations

        c.edit_requested.connect(self.push)
        c.selection_changed.connect(self._selection_changed)
        c.cursor_moved.connect(self.status.set_cursor)
        c.zoom_changed.connect(self.status.set_zoom)
        c.tool_changed.connect(lambda n: a[n].setChecked(True) if n in a.actions else None)
        if hasattr(c, "hint_changed"):
            c.hint_changed.connect(lambda h: self.status.showMessage(h, 4000) if h else None)
        self.class_panel.edit_requested.connect(self.push)
        self.class_panel.current_class_changed.connect(c.set_current_class)
        self.class_panel.class_activated.connect(self.set_selection_class)
        self.attribute_panel.edit_requested.connect(self.push)
        self.image_list.current_changed.connect(self.show_image)
        self.image_cache.loaded.connect(self.navigator.image_loaded)
        self.image_cache.failed.connect(self.navigator.image_failed)
        self.list_model.size_learnt.connect(lambda k: self.autosave.touch([k]))
        self.autosave.modified_changed.connect(self.setWindowModified)
        self.autosave.saved.connect(lambda p: self.status.set_saved("Saved"))
        self.autosave.modified_changed.connect(lambda m: self.status.set_saved("Unsaved changes") if m else None)
        self.save_guard = SaveGuard(self)  # failed saves: a bar over the canvas; conflicts: a dialog
        self.theme.changed.connect(self._retint)

    # ---- opening (opening.py) -----------------------------------------------------------
    def open_dialog(self, folder: bool = False) -> None:
        self.opener.open_dialog(folder)

    def open_path(self, path) -> bool:
        return self.opener.open_path(path)

    def ask_existing_project(self, opened) -> str:
        """ "open" the existing project over these images, make a "new" one, or "cancel"."""
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "A project already exists",
            f"{opened.others[0]} already holds a project over these images. "
            f"Open it, or start a second project {opened.project.path.name}?",
            QMessageBox.StandardButton.Cancel,
            self,
        )
        open_it = box.addButton("Open the existing project", QMessageBox.ButtonRole.AcceptRole)
        new = box.addButton("Start a new project", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(open_it)
        box.exec()
        clicked = box.clickedButton()
        return "open" if clicked is open_it else "new" if clicked is new else "cancel"

    def show_notice(self, title: str, text: str) -> QMessageBox:
        box = QMessageBox(QMessageBox.Icon.Information, title, text, QMessageBox.StandardButton.Ok, self)
        box.open()  # window-modal, does not block the caller
        self.last_notice = box
        return box

    def set_project(self, project, modified: bool = False, disk=None) -> None:
        """Show `project`; `disk` is the state of the file bytes it was parsed from (None: read it now)."""
        self.memory.leave()  # the image shown is remembered in the project it leaves
        self.autosave.flush()
        self.image_cache.clear()
        self.thumbnails.clear()
        self.project = project
        if self.doc is not None:
            self.doc.changed.disconnect(self._on_change)
            self.doc.history_changed.disconnect(self._update_history)
            self.doc.deleteLater()
        self.doc = Document(project, self)
        self.doc.changed.connect(self._on_change)
        self.doc.history_changed.connect(self._update_history)
        self.live.set_document(self.doc)  # learning on another project stops
        self.autosave.set_project(project, modified, disk)
        self.current_key = None
        self.image_bar.set_missing_images("")
        self.list_model.set_project(project)
        self.class_panel.set_project(project)
        self.training.project_opened()  # its runs, curves and remembered training choices
        self.canvas.set_class_colours(self.class_panel.colours)
        self.canvas.set_current_class(self.class_panel.current_class)
        name = project.path.parent.name if project.path else "Untitled"
        self.setWindowTitle(f"{name} — {project.path.name if project.path else ''}{self.title_note}[*] — Polymask")
        self._update_history()
        # The project's objects live as long as it is open: keep the cyclic GC from walking
        # them (a full collection over a 10,000-image project holds the GIL for ~300 ms).
        gc.freeze()
        if project.images:
            self.show_image(self.memory.start_key(project))  # where the project was left
        else:
            self.canvas.set_image(project, None, None)
            self.refresh_panels()

    def show_error(self, title: str, text: str, detail: str = "") -> QMessageBox:
        box = QMessageBox(QMessageBox.Icon.Critical, title, text, QMessageBox.StandardButton.Ok, self)
        box.setInformativeText(detail)
        box.open()  # window-modal, does not block the caller
        self.last_error = box
        return box

    def show_problems(self, path, problems, title="Import problems", intro=None) -> QDialog:
        self.problems_dialog = ProblemsDialog(self, path, problems, title, intro)
        self.problems_dialog.show()
        return self.problems_dialog

    def _fill_recent(self) -> None:
        menu = self.actions.menus["recent"]
        menu.clear()
        paths = self.recent.paths()
        for p in paths:
            menu.addAction(p).triggered.connect(lambda _=False, p=p: self.open_path(p))
        if not paths:
            menu.addAction("No recent projects").setEnabled(False)

    # ---- images (navigation.py) ---------------------------------------------------------------
    def show_image(self, key: str) -> None:
        self.navigator.show_image(key)

    def step(self, delta: int) -> None:
        self.navigator.step(delta)

    def locate_images(self, folder=None) -> bool:
        return self.navigator.locate_images(folder)

    # ---- editing -------------------------------------------------------------------------------
    def push(self, edit: Edit) -> None:
        if self.doc is None:
            return
        try:
            self.doc.push(edit)
        except (ValueError, KeyError) as exc:  # e.g. a class that already exists
            self.status.showMessage(str(exc), 8000)

    def _on_change(self, edit: Edit) -> None:
        """After every do / undo / redo: routed by what the edit says it touched (its scope)."""
        scope = edit.scope()
        self.autosave.edited(scope)
        shown = scope.project or self.current_key in scope.images
        if shown:
            self.canvas.refresh(scope.regions)  # a drag: only the dragged regions
        if scope.regions is not None:
            return  # shapes only: the image list, the panels and the done flag are as they were
        self.list_model.images_changed(None if scope.project else set(scope.images))
        if shown and self.current_key is not None and self.project is not None:
            self.actions["done"].setChecked(self.project.image(self.current_key).done)
        self._panel_timer.start()

    def refresh_panels(self) -> None:
        if self.project is None:
            return
        self.class_panel.refresh()
        self.canvas.set_class_colours(self.class_panel.colours)
        if self.class_panel.current_class != self.canvas.current_class():
            self.canvas.set_current_class(self.class_panel.current_class)
        self.attribute_panel.set_context(self.project, self.current_key, self.canvas.selected_region_ids())
        self.image_list.refilter()
        self.update_status()

    def update_status(self) -> None:
        if self.project is None or self.current_key is None:
            self.status.set_image(None, None, 0, len(self.project.images) if self.project else 0, 0)
            return
        im = self.project.image(self.current_key)
        row = self.list_model.row_of(self.current_key)
        self.status.set_image(im.width, im.height, row, len(self.project.images), len(im.regions))
        self.status.set_zoom(self.canvas.zoom())

    def _selection_changed(self, ids) -> None:
        self.attribute_panel.set_context(self.project, self.current_key, ids)

    def _update_history(self) -> None:
        undo, redo = self.actions["undo"], self.actions["redo"]
        undo.setEnabled(bool(self.doc and self.doc.can_undo()))
        redo.setEnabled(bool(self.doc and self.doc.can_redo()))
        undo.setText(f"&Undo {self.doc.undo_text()}" if self.doc and self.doc.can_undo() else "&Undo")
        redo.setText(f"&Redo {self.doc.redo_text()}" if self.doc and self.doc.can_redo() else "&Redo")

    def class_hotkey(self, number: int) -> None:
        name = self.class_panel.class_for_key(number)
        if name is None:
            self.status.showMessage(f"No class {number}: add classes in the Classes panel", 5000)
            return
        self.class_panel.set_current_class(name)
        self.canvas.set_current_class(name)
        self.set_selection_class(name)

    def set_selection_class(self, name: str) -> None:
        ids = self.canvas.selected_region_ids()
        if ids and self.current_key is not None:
            self.push(SetClass(self.current_key, ids, name))

    def toggle_done(self) -> None:
        if self.current_key is not None and self.project is not None:
            self.push(SetDone(self.current_key, not self.project.image(self.current_key).done))

    # ---- saving / export ---------------------------------------------------------------------------
    def save(self) -> None:
        if self.project is not None:
            self.autosave.mark_dirty([], schedule=False)
            if self.autosave.flush():  # else the save bar says what failed
                self.status.showMessage(f"Saved {self.project.path}", 4000)

    def export(self, fmt: str, path=None) -> bool:
        return export_project(self, fmt, path)  # export_menu.py: convert's code, then a summary

    def ask_export_without(self, check) -> bool:
        answer = QMessageBox.question(
            self, "Export COCO without some images?", f"{check.reason()}.\n\nExport the other images?"
        )
        return answer == QMessageBox.StandardButton.Yes

    def undo(self) -> None:
        # while drawing, Undo (toolbar, menu) steps back in the draft, not in the history
        if not self.canvas.undo_draft_vertex() and self.doc is not None:
            self.doc.undo()

    # ---- window -----------------------------------------------------------------------------
    def show_shortcuts(self) -> QDialog:
        self.cheat_sheet = show_cheat_sheet(self)  # sized to the window; Esc closes it
        return self.cheat_sheet

    def _about(self) -> None:
        from .. import __version__

        QMessageBox.about(
            self,
            "About Polymask",
            f"<b>Polymask {__version__}</b><p>Label images with polygons, "
            "export VIA and COCO, train Mask R-CNN in the same window.</p>",
        )

    def _retint(self) -> None:
        for entries in MENUS.values():
            for e in entries:
                if e != "-" and not e[0].startswith("@") and e[3]:
                    self.actions[e[0]].setIcon(self.theme.icon(e[3]))

    def _restore_layout(self) -> None:
        s = settings()
        geo, state = s.value("window/geometry"), s.value("window/state")
        if isinstance(geo, QByteArray):
            self.restoreGeometry(geo)
        if isinstance(state, QByteArray):
            self.restoreState(state)

    def dragEnterEvent(self, event) -> None:
        if any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        for url in event.mimeData().urls():
            if url.isLocalFile():
                event.acceptProposedAction()
                self.open_path(url.toLocalFile())
                return

    def closeEvent(self, event) -> None:
        if not self.save_guard.may_close():  # changes that cannot be saved: Save as / Discard / Cancel
            event.ignore()
            return
        self.shutdown()
        s = settings()
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState())
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Save and stop every background thread (also called by tests)."""
        self.live.shutdown()  # no live trainer child outlives the window
        self.training.shutdown()  # first, so the run's final record is in the last save
        self.memory.leave()
        self.autosave.close()
        self.image_cache.close()
        self.thumbnails.close()


__all__ = ["MainWindow", "QKeySequence"]
