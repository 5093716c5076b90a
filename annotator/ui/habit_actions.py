"""The commands a VIA or labelme user reaches for, added to the window's menus where they
would look: File ▸ Add images…; Image ▸ Go to image (Ctrl+G), next / previous unlabelled
(Shift+D / Shift+A), Remove from project; Edit ▸ Duplicate, Select all (Ctrl+A), Bring to
front, Send to back. They are window actions like the others (the F1 list, the toolbar's
tooltips and the canvas' right-click menu read them), wired to the window's helpers:
image_files.py, navigation.py, shape_menu.py."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QMenu, QTreeWidget

from .actions import tooltip
from .image_files import ImageFiles
from .project_memory import ProjectMemory
from .shape_menu import ShapeMenu, duplicate, restack, select_all

if TYPE_CHECKING:
    pass

# menu title -> (the action after which they go, or None for the end) -> [(name, text, keys, tip)]
HABIT_ACTIONS: dict[str, tuple[str | None, list]] = {
    "&File": ("locate_images", [("add_images", "&Add Images…", [], "Add image files from the image folder")]),
    "&Image": (
        None,
        [
            "-",
            ("go_to_image", "&Go to image…", ["Ctrl+G"], "Go to an image by its number or file name"),
            ("next_unlabelled", "Next &unlabelled image", ["Shift+D"], "Next image with no regions that is not done"),
            ("prev_unlabelled", "Previous un&labelled image", ["Shift+A"], "Previous image with no regions, not done"),
            "-",
            ("remove_image", "&Remove image from project", [], "Take this image out of the project (the file stays)"),
        ],
    ),
    "&Edit": (
        "paste",
        [
            ("duplicate", "D&uplicate shapes", [], "Copies of the selected shapes, beside them"),
            ("select_all", "Select &all shapes", ["Ctrl+A"], "Select every shape shown on this image"),
            ("bring_front", "Bring to &front", [], "Draw the selected shapes over the others"),
            ("send_back", "Send to &back", [], "Draw the selected shapes under the others"),
        ],
    ),
}


if TYPE_CHECKING:
    from .window_context import WindowContext


def install_habit_actions(window: WindowContext) -> tuple[ImageFiles, ProjectMemory, ShapeMenu]:
    """Create the actions, put them in the menus and connect them; the helpers behind them."""
    a = window.actions
    for title, (after, entries) in HABIT_ACTIONS.items():
        menu = a.menus[title]
        before = _action_after(menu, a[after]) if after is not None else None
        for entry in entries:
            if entry == "-":
                menu.insertSeparator(before) if before is not None else menu.addSeparator()
                continue
            name, text, keys, tip = entry
            action = QAction(text, window)
            action.setShortcuts([QKeySequence(k) for k in keys])
            action.setToolTip(tooltip(tip, keys))
            action.setStatusTip(tip)
            action.setShortcutVisibleInContextMenu(True)
            window.addAction(action)
            a.actions[name] = action
            menu.insertAction(before, action) if before is not None else menu.addAction(action)

    files, memory, shapes = ImageFiles(window), ProjectMemory(window), ShapeMenu(window)
    nav = window.navigator
    a["add_images"].triggered.connect(files.add_dialog)
    a["remove_image"].triggered.connect(files.remove_current)
    a["go_to_image"].triggered.connect(nav.go_to_dialog)
    a["next_unlabelled"].triggered.connect(lambda: nav.step_unlabelled(1))
    a["prev_unlabelled"].triggered.connect(lambda: nav.step_unlabelled(-1))
    a["duplicate"].triggered.connect(lambda: duplicate(window))
    a["select_all"].triggered.connect(lambda: select_all(window))
    a["bring_front"].triggered.connect(lambda: restack(window, True))
    a["send_back"].triggered.connect(lambda: restack(window, False))
    return files, memory, shapes


def _action_after(menu: QMenu, anchor: QAction) -> QAction | None:
    actions = menu.actions()
    i = actions.index(anchor)
    return actions[i + 1] if i + 1 < len(actions) else None


class EscapeCloses(QObject):
    """Esc anywhere in the window closes `widget` (e.g. the F1 list) while it is shown; at other
    times Esc is the canvas' (cancel the drawing, clear the selection)."""

    def __init__(self, window, widget):
        super().__init__(widget)
        self.widget = widget
        self.shortcut = QShortcut(QKeySequence(Qt.Key.Key_Escape), window)
        self.shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
        self.shortcut.activated.connect(widget.close)
        self.shortcut.setEnabled(widget.isVisible())
        widget.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:
        if event.type() in (QEvent.Type.Show, QEvent.Type.Hide):
            self.shortcut.setEnabled(event.type() == QEvent.Type.Show)
        return False


def show_cheat_sheet(window: WindowContext):
    """The F1 list: one at a time (F1 again brings it forward), as tall as its rows up to the
    window's height (it scrolls beyond), wide enough for its longest row, over the window; Esc
    closes it from the list or from the window."""
    dlg = getattr(window, "cheat_sheet", None)
    if dlg is not None and dlg.isVisible():
        dlg.raise_()
        dlg.activateWindow()
        return dlg
    dlg = window.actions.cheat_sheet(window)
    tree = dlg.findChild(QTreeWidget)
    assert tree is not None  # the list Actions.cheat_sheet builds
    tree.header().setStretchLastSection(False)  # else both columns stretch and long commands end in "…"
    frame = window.frameGeometry()
    # the columns' widest rows (sizeHintForColumn: the stretched first column ignores resizeToContents)
    want_w = tree.sizeHintForColumn(0) + tree.sizeHintForColumn(1) + tree.verticalScrollBar().sizeHint().width() + 64
    rows = tree.topLevelItemCount()
    want_h = rows * max(tree.sizeHintForRow(0), 1) + tree.header().sizeHint().height() + 80
    width = max(420, min(want_w, int(frame.width() * 0.9)))
    height = max(300, min(want_h, int(frame.height() * 0.9)))
    dlg.resize(width, height)
    dlg.move(frame.center().x() - width // 2, frame.center().y() - height // 2)
    EscapeCloses(window, dlg)
    dlg.show()
    dlg.raise_()
    dlg.activateWindow()
    return dlg
