"""The class panel: the options of the class attribute, with colours, hotkeys
and per-class counts; add, rename, recolour, reorder (which changes the 1-9 keys),
merge and delete classes, and "show only this class".

The panel never changes the project itself: it emits model edits
(`edit_requested`) that the window pushes on the undo stack. The filter is a view
setting (`class_filter_changed(name or None)`), not an edit.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QColorDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..model import (
    AddClass,
    DeleteClass,
    EditGroup,
    KeepFirstClass,
    RenameClass,
    SetClassColour,
    merge_classes,
    move_class,
    several_classes,
)
from . import theme

BUTTONS = (  # name (also the icon), tooltip, slot name
    ("add", "Add a class (Ctrl+Shift+N)", "add_class"),
    ("rename", "Rename the selected class (renames it in every region) (F2)", "rename_class"),
    ("colour", "Change the selected class's colour", "recolour_class"),
    ("up", "Move the class up: earlier keys 1-9, first in exports (Alt+Up)", "move_up"),
    ("down", "Move the class down (Alt+Down)", "move_down"),
    ("filter", "Show only this class, on the canvas and in the image list", "toggle_filter"),
    ("merge", "Merge the selected classes into one", "merge_classes"),
    ("delete", "Delete the selected class (asks what happens to its regions)", "delete_class"),
)


class ClassPanel(QWidget):
    edit_requested = Signal(object)
    current_class_changed = Signal(str)
    class_activated = Signal(str)  # double-click: give the selected regions this class
    class_filter_changed = Signal(object)  # the one class shown, or None for all
    classes_changed = Signal(list)  # the class names in order, after a refresh that changed them
    several_changed = Signal(int)  # how many regions have several classes ticked, when that changes
    refreshed = Signal()  # after every refresh (the project may have changed)

    def __init__(self, parent=None, icons=None):
        super().__init__(parent)
        self.project = None
        self.colours: dict[str, str] = {}
        self.current_class: str | None = None
        self.class_filter: str | None = None
        self.colour_dialog: QColorDialog | None = None
        self._shown_names: list[str] | None = None
        self.several: list[tuple[str, int, list[str]]] = []
        self.several_bar = _SeveralClassesBar(self.keep_first_class)
        icon = self._icon = icons or theme.icon
        self.tree = QTreeWidget()
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels(["Key", "Class", "Regions"])
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tree.setAllColumnsShowFocus(True)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.itemClicked.connect(lambda item, _c: self.set_current_class(item.data(1, Qt.ItemDataRole.UserRole)))
        self.tree.itemDoubleClicked.connect(
            lambda item, _c: self.class_activated.emit(item.data(1, Qt.ItemDataRole.UserRole))
        )
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._context_menu)
        self.buttons = {}
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(2)
        for name, tip, slot in BUTTONS:
            b = QToolButton()
            b.setToolTip(tip)
            b.setAutoRaise(True)
            b.setIcon(icon(name))
            b.setObjectName(f"class_{name}")
            b.clicked.connect(lambda _=False, s=slot: getattr(self, s)())
            row.addWidget(b)
            self.buttons[name] = b
        self.buttons["filter"].setCheckable(True)
        row.addStretch(1)
        for keys, handler in (("Alt+Up", self.move_up), ("Alt+Down", self.move_down)):
            QShortcut(QKeySequence(keys), self.tree, handler, Qt.ShortcutContext.WidgetShortcut)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.setSpacing(4)
        lay.addLayout(row)
        lay.addWidget(self.several_bar)
        lay.addWidget(self.tree, 1)

    # ---- view ----------------------------------------------------------------------
    def set_project(self, project) -> None:
        self.project = project
        self.current_class = None
        self._shown_names = None
        self.set_class_filter(None)
        self.refresh()

    def names(self) -> list[str]:
        return self.project.class_names() if self.project else []

    def refresh(self) -> None:
        names = self.names()
        self.colours = theme.class_colours(self.project, names) if self.project else {}
        counts = self.project.class_counts() if self.project else {}
        selected = set(self.selected_classes())
        if self.current_class not in names:
            self.current_class = names[0] if names else None
        self.tree.blockSignals(True)
        self.tree.clear()
        bold = QFont(self.font())
        bold.setBold(True)
        for i, name in enumerate(names):
            item = QTreeWidgetItem([str(i + 1) if i < 9 else "", name, f"{counts.get(name, 0):,}"])
            item.setData(1, Qt.ItemDataRole.UserRole, name)
            item.setIcon(1, theme.swatch(self.colours[name]))
            item.setTextAlignment(2, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            item.setTextAlignment(0, Qt.AlignmentFlag.AlignCenter)
            item.setToolTip(1, f"{name}: {counts.get(name, 0)} regions" + (f" — key {i + 1}" if i < 9 else ""))
            if name == self.current_class:
                for c in range(3):
                    item.setFont(c, bold)
            self.tree.addTopLevelItem(item)
            item.setSelected(name in selected)
        self.tree.blockSignals(False)
        has = bool(names)
        for key in ("rename", "colour", "filter", "merge", "delete"):
            self.buttons[key].setEnabled(has)
        # a text class attribute has no options, so VIA files cannot keep an order for it
        attr = self.project.class_def if self.project else None
        for key in ("up", "down"):
            self.buttons[key].setEnabled(has and (attr is None or attr.has_options))
        if self.class_filter is not None and self.class_filter not in names:
            self.set_class_filter(None)  # the filtered class was deleted or renamed
        shown = [*names, *self.colours.values()]
        if shown != self._shown_names:
            self._shown_names = shown
            self.classes_changed.emit(names)
        several = several_classes(self.project) if self.project else []
        if len(several) != len(self.several):
            self.several = several
            self.several_bar.show_regions(several)
            self.several_changed.emit(len(several))
        self.several = several
        self.refreshed.emit()

    def selected_classes(self) -> list[str]:
        return [it.data(1, Qt.ItemDataRole.UserRole) for it in self.tree.selectedItems()]

    def set_current_class(self, name: str | None) -> None:
        if name == self.current_class:
            return
        self.current_class = name
        self.refresh()
        if name is not None:
            self.current_class_changed.emit(name)
            if self.class_filter is not None:
                self.set_class_filter(name)  # the filter follows the class you pick

    def class_for_key(self, number: int) -> str | None:
        names = self.names()
        return names[number - 1] if 1 <= number <= len(names) else None

    # ---- editing (dialogs when arguments are not given) -----------------------------------
    def _pick(self) -> str | None:
        sel = self.selected_classes()
        return sel[0] if sel else self.current_class

    def add_class(self, name: str | None = None) -> bool:
        if self.project is None:
            return False
        if name is None:
            name, ok = QInputDialog.getText(self, "Add class", "Name of the new class:")
            if not ok:
                return False
        name = name.strip()
        if not name:
            return False
        if name in self.names():
            QMessageBox.information(self, "Add class", f"There is already a class named “{name}”.")
            return False
        self.edit_requested.emit(AddClass(name, theme.next_free_colour(self.project)))
        self.set_current_class(name)
        return True

    def rename_class(self, old: str | None = None, new: str | None = None) -> bool:
        old = old or self._pick()
        if old is None:
            return False
        if new is None:
            new, ok = QInputDialog.getText(
                self, "Rename class", f"New name for “{old}”\n(an existing name merges the two classes):", text=old
            )
            if not ok:
                return False
        new = new.strip()
        if not new or new == old:
            return False
        self.edit_requested.emit(RenameClass(old, new))
        if self.current_class == old:
            self.set_current_class(new)
        return True

    def merge_classes(self, sources: list[str] | None = None, target: str | None = None) -> bool:
        sources = sources if sources is not None else self.selected_classes()
        if len(sources) < 2 and target is None:
            QMessageBox.information(
                self, "Merge classes", "Select two or more classes to merge (Ctrl+click), then press Merge."
            )
            return False
        if target is None:
            target, ok = QInputDialog.getItem(self, "Merge classes", "Merge into:", sources, 0, False)
            if not ok:
                return False
        edits = merge_classes(sources, target)
        if not edits:
            return False
        self.edit_requested.emit(
            EditGroup(edits, f"Merge {', '.join(s for s in sources if s != target)} into {target}")
        )
        self.set_current_class(target)
        return True

    def delete_class(self, name: str | None = None, delete_regions: bool | None = None) -> bool:
        name = name or self._pick()
        if name is None or self.project is None:
            return False
        if delete_regions is None:
            count = self.project.class_counts().get(name, 0)
            if count:
                box = QMessageBox(
                    QMessageBox.Icon.Question,
                    "Delete class",
                    f"Delete the class “{name}”? {count} regions have it.",
                    parent=self,
                )
                keep = box.addButton("Delete class, keep regions", QMessageBox.ButtonRole.AcceptRole)
                drop = box.addButton(f"Delete class and its {count} regions", QMessageBox.ButtonRole.DestructiveRole)
                box.addButton(QMessageBox.StandardButton.Cancel)
                box.exec()
                if box.clickedButton() not in (keep, drop):
                    return False
                delete_regions = box.clickedButton() is drop
            else:
                delete_regions = False
        self.edit_requested.emit(DeleteClass(name, delete_regions))
        return True

    def keep_first_class(self) -> bool:
        """The one-click fix: each region with several classes ticked keeps the first."""
        if not self.several:
            return False
        self.edit_requested.emit(KeepFirstClass())
        return True

    def recolour_class(self, name: str | None = None, colour: str | None = None) -> bool:
        """Give a class a new colour; without `colour`, a colour picker asks (window-modal)."""
        name = name or self._pick()
        if name is None or self.project is None:
            return False
        if colour is not None:
            self.edit_requested.emit(SetClassColour(name, QColor(colour).name()))
            return True
        dialog = QColorDialog(QColor(self.colours.get(name, "#ffffff")), self)
        dialog.setWindowTitle(f"Colour of {name}")
        dialog.colorSelected.connect(lambda c, n=name: self.recolour_class(n, c.name()))
        dialog.open()
        self.colour_dialog = dialog
        return True

    def move_up(self, name: str | None = None) -> bool:
        return self._move(name, -1)

    def move_down(self, name: str | None = None) -> bool:
        return self._move(name, 1)

    def _move(self, name: str | None, step: int) -> bool:
        name = name or self._pick()
        edit = move_class(self.project, name, step) if self.project is not None and name else None
        if edit is None:
            return False
        self.edit_requested.emit(edit)
        self._select(name)
        return True

    def _select(self, name: str | None) -> None:
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            if item is not None:
                item.setSelected(item.data(1, Qt.ItemDataRole.UserRole) == name)

    # ---- show only one class ---------------------------------------------------------------
    def toggle_filter(self) -> None:
        self.set_class_filter(None if self.class_filter is not None else self._pick())

    def set_class_filter(self, name: str | None) -> None:
        button = self.buttons["filter"]
        button.blockSignals(True)
        button.setChecked(name is not None)
        button.blockSignals(False)
        button.setToolTip(f"Showing only {name}: click to show every class" if name else BUTTONS[5][1])
        if name == self.class_filter:
            return
        self.class_filter = name
        self.class_filter_changed.emit(name)

    def _context_menu(self, pos) -> None:
        item = self.tree.itemAt(pos)
        if item is None:
            menu = QMenu(self)
            menu.addAction("Add class…", self.add_class)
            menu.popup(self.tree.viewport().mapToGlobal(pos))
            return
        name = item.data(1, Qt.ItemDataRole.UserRole)
        self.menu = self.class_menu(name)
        self.menu.popup(self.tree.viewport().mapToGlobal(pos))

    def class_menu(self, name: str) -> QMenu:
        """What a right-click on class `name` offers."""
        menu = QMenu(self)
        icon = self._icon
        menu.addAction(icon("rename"), "Rename…", lambda: self.rename_class(name))
        menu.addAction(icon("colour"), "Colour…", lambda: self.recolour_class(name))
        names = self.names()
        menu.addAction(icon("up"), "Move up", lambda: self.move_up(name)).setEnabled(names.index(name) > 0)
        last = len(names) - 1
        menu.addAction(icon("down"), "Move down", lambda: self.move_down(name)).setEnabled(names.index(name) < last)
        only = menu.addAction(icon("filter"), "Show only this class")
        only.setCheckable(True)
        only.setChecked(self.class_filter == name)
        only.toggled.connect(lambda on: self.set_class_filter(name if on else None))
        menu.addSeparator()
        menu.addAction(icon("delete"), "Delete…", lambda: self.delete_class(name))
        return menu


class _SeveralClassesBar(QFrame):
    """Says how many regions have several classes ticked (so no class), with the one-click fix."""

    def __init__(self, fix):
        super().__init__()
        self.setObjectName("problemBar")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.label = QLabel(wordWrap=True)
        self.fix_button = QPushButton("Keep the first class of each")
        self.fix_button.setToolTip("Each of these regions keeps the first of its ticked classes (one undo step)")
        self.fix_button.clicked.connect(lambda: fix())
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 4, 6, 4)
        lay.addWidget(self.label)
        lay.addWidget(self.fix_button)
        self.hide()

    def show_regions(self, several: list[tuple[str, int, list[str]]]) -> None:
        if not several:
            self.hide()
            return
        pairs = sorted({" and ".join(ticked) for _, _, ticked in several})
        n = len(several)
        self.label.setText(
            f"⚠ {n} region{'s have' if n != 1 else ' has'} several classes ticked ({'; '.join(pairs[:3])}"
            f"{'; …' if len(pairs) > 3 else ''}), so no class: training and COCO export leave "
            f"{'them' if n != 1 else 'it'} out until one is chosen."
        )
        self.show()
