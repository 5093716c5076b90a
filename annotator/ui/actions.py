"""Every command of the window as a QAction: menus, toolbar, shortcuts and the
shortcut cheat sheet (F1), which is generated from the window's menus and actions
themselves (also those other parts add, e.g. the Model menu) so it can never
disagree with them."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QMenu,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import getCppPointer

from .canvas.keymap import shortcut_list

TOOLS = [  # name, label, key
    ("select", "Select / edit", "S"),
    ("polygon", "Polygon", "P"),
    ("rect", "Rectangle", "R"),
    ("circle", "Circle", "C"),
    ("ellipse", "Ellipse", "E"),
    ("point", "Point", "O"),
    ("polyline", "Polyline", "L"),
    # parts and holes of the selected object: Shift adds, Alt takes away
    ("part", "Add part", "Shift+P"),
    ("hole", "Cut hole", "Alt+P"),
    ("brush", "Brush", "B"),
    ("eraser", "Eraser", "Alt+B"),
    ("assist", "Assist (box or click → polygon)", "M"),
]

# menu -> [(name, text, shortcuts, icon, tip)]; "-" is a separator
MENUS: dict[str, list] = {
    "&File": [
        ("open", "&Open…", ["Ctrl+O"], "open", "Open a project, or a VIA / COCO / labelme file"),
        ("open_folder", "Open &Folder…", ["Ctrl+Shift+O"], "open", "Open a folder of images"),
        ("@recent", "Open &Recent"),
        ("locate_images", "&Locate Images…", [], "open", "Choose the folder that holds this project's images"),
        "-",
        ("save", "&Save", ["Ctrl+S"], "save", "Save now (Polymask also saves by itself)"),
        ("@export", "&Export"),
        "-",
        ("quit", "&Quit", ["Ctrl+Q"], None, "Save and quit"),
    ],
    "&Edit": [
        ("undo", "&Undo", ["Ctrl+Z"], "undo", "Undo the last change"),
        ("redo", "&Redo", ["Ctrl+Shift+Z", "Ctrl+Y"], "redo", "Redo"),
        "-",
        ("copy", "&Copy shapes", ["Ctrl+C"], "copy", "Copy the selected shapes"),
        ("paste", "&Paste shapes", ["Ctrl+V"], "paste", "Paste shapes onto this image"),
        ("delete", "&Delete shapes\tDel", [], "delete", "Delete the selected shapes (Delete key on the canvas)"),
        "-",
        ("merge_objects", "&Merge objects", ["Ctrl+M"], "merge", "Merge the selected objects into one"),
        (
            "split_part",
            "&Split part out",
            ["Ctrl+Shift+M"],
            "split",
            "Make the part under the cursor (else the smallest) an object of its own",
        ),
        "-",
        ("done", "Image &done", ["Ctrl+D"], "done", "Mark this image done / to do"),
    ],
    "&View": [
        ("zoom_in", "Zoom &in", ["+", "=", "Ctrl++"], "zoom_in", "Zoom in"),
        ("zoom_out", "Zoom &out", ["-", "Ctrl+-"], "zoom_out", "Zoom out"),
        ("fit", "&Fit image", ["F"], "fit", "Fit the image in the window"),
        ("actual", "&Actual size", ["Ctrl+0"], "actual", "One image pixel per screen pixel"),
        "-",
        ("show_labels", "Show class &names", ["N"], None, "Show each shape's class name on the canvas"),
        ("hide_annotations", "&Hide annotations", ["H"], None, "Hide every shape to look at the image itself"),
        (
            "fill_more",
            "&More fill opacity",
            ["]"],
            None,
            "Make the shapes' fill more opaque (with the brush or eraser, ] sizes the brush)",
        ),
        (
            "fill_less",
            "&Less fill opacity",
            ["["],
            None,
            "Make the shapes' fill more transparent (with the brush or eraser, [ sizes the brush)",
        ),
        "-",
        ("@docks", "&Panels"),
    ],
    "&Image": [
        ("next", "&Next image", ["D", "PgDown"], "next", "Next image in the list"),
        ("prev", "&Previous image", ["A", "PgUp"], "prev", "Previous image in the list"),
    ],
    "&Tools": [(name, label, [key], name, f"{label} tool") for name, label, key in TOOLS],
    "&Classes": [
        ("add_class", "&Add class…", ["Ctrl+Shift+N"], "add", "Add a class"),
        ("rename_class", "&Rename class…", ["F2"], "rename", "Rename the selected class everywhere"),
        ("merge_classes", "&Merge classes…", [], "merge", "Merge the selected classes"),
        ("delete_class", "&Delete class…", [], "delete", "Delete the selected class"),
        "-",
        *[
            (f"class_{i}", f"Class {i}", [str(i)], None, f"Give the selection (and the next shape) class {i}")
            for i in range(1, 10)
        ],
    ],
    "&Help": [
        ("shortcuts", "&Keyboard shortcuts", ["F1"], "keyboard", "All shortcuts"),
        ("about", "&About Polymask", [], "help", None),
    ],
}

EXPORTS = [
    ("export_via_project", "VIA &project…", "via-project"),
    ("export_via", "VIA &annotations…", "via"),
    ("export_coco", "&COCO…", "coco"),
]

CHECKABLE = {"done", "show_labels", "hide_annotations", *(t[0] for t in TOOLS)}

TOOLBAR = [
    "open",
    "save",
    "-",
    "undo",
    "redo",
    "-",
    *[t[0] for t in TOOLS],
    "-",
    "zoom_in",
    "zoom_out",
    "fit",
    "-",
    "prev",
    "next",
    "done",
]


class CheatSheet(QDialog):
    """The F1 list: every command and its keys, in `tree`."""

    tree: QTreeWidget


class Actions(QObject):
    """Builds the actions (`self[name]`), the menus and the toolbar."""

    def __init__(self, window, icon):
        super().__init__(window)
        self.window = window
        self.actions: dict[str, QAction] = {}
        self.menus: dict[str, QMenu] = {}
        self.tool_group = QActionGroup(self)
        self.tool_group.setExclusive(True)
        tool_names = {t[0] for t in TOOLS}
        for entries in MENUS.values():
            for entry in entries:
                if entry == "-" or entry[0].startswith("@"):
                    continue
                name, text, keys, icon_name, tip = entry
                a = QAction(text, window)
                if keys:
                    a.setShortcuts([QKeySequence(k) for k in keys])
                if icon_name:
                    a.setIcon(icon(icon_name))
                if tip:
                    a.setToolTip(tooltip(tip, keys))
                    a.setStatusTip(tip)
                a.setShortcutVisibleInContextMenu(True)
                a.setCheckable(name in CHECKABLE)
                if name in tool_names:
                    self.tool_group.addAction(a)
                window.addAction(a)  # shortcuts work even when the menu bar is hidden
                self.actions[name] = a
        for name, text, _fmt in EXPORTS:
            a = QAction(text, window)
            a.setIcon(icon("export"))
            self.actions[name] = a
        self.actions["select"].setChecked(True)

    def __getitem__(self, name: str) -> QAction:
        return self.actions[name]

    def build_menus(self, menubar, docks=()) -> None:
        for title, entries in MENUS.items():
            menu = menubar.addMenu(title)
            self.menus[title] = menu
            for entry in entries:
                if entry == "-":
                    menu.addSeparator()
                elif entry[0] == "@recent":
                    self.menus["recent"] = menu.addMenu(entry[1])
                elif entry[0] == "@export":
                    sub = menu.addMenu(self.actions["export_coco"].icon(), entry[1])
                    for name, _t, _f in EXPORTS:
                        sub.addAction(self.actions[name])
                    self.menus["export"] = sub
                elif entry[0] == "@docks":
                    sub = menu.addMenu(entry[1])
                    for dock in docks:
                        sub.addAction(dock.toggleViewAction())
                else:
                    menu.addAction(self.actions[entry[0]])

    def build_toolbar(self, toolbar) -> None:
        for name in TOOLBAR:
            if name == "-":
                toolbar.addSeparator()
            else:
                toolbar.addAction(self.actions[name])

    def cheat_sheet(self, parent=None) -> CheatSheet:
        dlg = CheatSheet(parent)
        dlg.setWindowTitle("Keyboard shortcuts")
        tree = QTreeWidget()
        tree.setHeaderLabels(["Command", "Shortcut"])
        tree.setRootIsDecorated(False)
        tree.setUniformRowHeights(True)
        tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        tree.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        for title, rows in shortcut_rows(self.window):
            head = QTreeWidgetItem([title, ""])
            f = head.font(0)
            f.setBold(True)
            head.setFont(0, f)
            head.setFlags(Qt.ItemFlag.ItemIsEnabled)
            tree.addTopLevelItem(head)
            for text, keys in rows:
                tree.addTopLevelItem(QTreeWidgetItem([text, keys]))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(dlg.reject)
        lay = QVBoxLayout(dlg)
        lay.addWidget(tree)
        lay.addWidget(buttons)
        dlg.resize(460, 640)
        dlg.tree = tree
        return dlg


def tooltip(tip: str, keys) -> str:
    """The tip with the first shortcut once, e.g. "Polygon tool (P)"."""
    key = keys[0] if keys else ""
    return f"{tip} ({key})" if key and f"({key})" not in tip else tip


def shortcut_text(action: QAction) -> str:
    keys = ", ".join(s.toString(QKeySequence.SequenceFormat.NativeText) for s in action.shortcuts())
    return keys or action.text().partition("\t")[2]  # a key the canvas handles, named after a tab


def _key(action: QAction) -> int:
    return getCppPointer(action)[0]  # the same C++ action, whichever Python wrapper reaches it


def _command_text(action: QAction) -> str:
    text = action.text().replace("&", "").partition("\t")[0]
    return text.rstrip("…").rstrip(".")


def shortcut_rows(window) -> list[tuple[str, list[tuple[str, str]]]]:
    """[(menu title, [(command, keys)])] for every action of the window that has a key:
    its menus in menu-bar order (sub-menus included), then keys on no menu, then the canvas' own."""
    out, seen = [], set()

    def walk(menu, rows):
        for a in menu.actions():
            if a.menu() is not None:
                walk(a.menu(), rows)
            elif not a.isSeparator() and _key(a) not in seen and shortcut_text(a):
                seen.add(_key(a))
                rows.append((_command_text(a), shortcut_text(a)))

    for top in window.menuBar().actions():
        if top.menu() is None:
            continue
        rows: list = []
        walk(top.menu(), rows)
        if rows:
            out.append((top.text().replace("&", ""), rows))
    rest = [
        (_command_text(a), shortcut_text(a))
        for a in QWidget.actions(window)  # (window.actions: ours)
        if _key(a) not in seen and a.shortcuts()
    ]
    if rest:
        out.append(("Other", rest))
    out.append(("On the canvas", shortcut_list()))  # the canvas' key table (canvas/keymap.py)
    return out
