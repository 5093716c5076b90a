"""The canvas' right-click menu. On a shape: Class ▸, copy / duplicate / paste, merge, split
part out, bring to front / send to back, delete. On the empty canvas: paste, select all.
Its entries run the window's own actions (the same edits and undo steps as the Edit menu
and the keys, whose shortcuts the menu shows); those that cannot apply to the selection are
greyed out here rather than hidden."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QColor, QIcon, QPixmap
from PySide6.QtWidgets import QMenu

from ..app.selection import PASTE_OFFSET
from ..model import MultiPolygon, RestackRegions, class_or_none, paste_edit

if TYPE_CHECKING:
    from .window_context import WindowContext


def swatch(colour: str) -> QIcon:
    pix = QPixmap(12, 12)
    pix.fill(QColor(colour))
    return QIcon(pix)


class ShapeMenu:
    def __init__(self, window: WindowContext):
        self.window = window
        self.menu: QMenu | None = None  # the one shown last (tests read it)
        window.canvas.context_menu_requested.connect(self.popup)

    def popup(self, at, region_id) -> QMenu:
        menu = self.build(region_id is not None)
        menu.popup(at)
        return menu

    def build(self, on_shape: bool) -> QMenu:
        w = self.window
        if self.menu is not None:
            self.menu.deleteLater()  # one menu at a time
        menu = QMenu(w.canvas)
        self.menu = menu
        ids = w.canvas.selected_region_ids()
        if not on_shape:
            self._entry(menu, "paste", w.canvas.selection.has_clipboard())
            self._entry(menu, "select_all", bool(w.canvas.layer.items))
            return menu
        record = w.canvas.record()
        assert record is not None and w.project is not None  # a shape was clicked
        classes = menu.addMenu("&Class")
        chosen = {class_or_none(w.project, record.region(i)) for i in ids}
        for name in w.class_panel.names():
            a = classes.addAction(swatch(w.class_panel.colours.get(name, "#888888")), name)
            a.setCheckable(True)
            a.setChecked(chosen == {name})
            if a.isChecked():  # with a swatch for an icon, some styles draw no tick: bold says it
                font = a.font()
                font.setBold(True)
                a.setFont(font)
            a.triggered.connect(lambda _=False, n=name: w.set_selection_class(n))
        if not w.class_panel.names():
            classes.addAction("No classes yet: add one in the Classes panel").setEnabled(False)
        menu.addSeparator()
        self._entry(menu, "copy")
        self._entry(menu, "duplicate")
        self._entry(menu, "paste", w.canvas.selection.has_clipboard())
        menu.addSeparator()
        one = record.region(ids[0]).shape if len(ids) == 1 else None
        self._entry(menu, "merge_objects", len(ids) >= 2)
        self._entry(menu, "split_part", isinstance(one, MultiPolygon) and len(one.parts) >= 2)
        menu.addSeparator()
        self._entry(menu, "bring_front")
        self._entry(menu, "send_back")
        menu.addSeparator()
        self._entry(menu, "delete")
        return menu

    def _entry(self, menu: QMenu, name: str, enabled: bool = True) -> QAction:
        """A copy of the window's action `name` (text, icon, keys) that triggers it."""
        source = self.window.actions[name]
        a = menu.addAction(source.icon(), source.text())
        a.setShortcuts(source.shortcuts())
        a.setShortcutVisibleInContextMenu(True)
        a.setObjectName(name)
        a.setEnabled(enabled)
        a.triggered.connect(source.trigger)
        return a


# ---- what the menu's own entries do (they are also Edit-menu actions) ------------------------
def duplicate(window: WindowContext) -> None:
    """Copies of the selected shapes (with their class and attributes), moved a little, selected;
    the clipboard is left as it was."""
    c = window.canvas
    record = c.record()
    ids = c.selected_region_ids()
    if record is None or not ids:
        return
    items = [(record.region(i).shape, copy.deepcopy(record.region(i).attributes)) for i in ids]
    edit, new_ids = paste_edit(items, record.key, PASTE_OFFSET, PASTE_OFFSET, *c.view.image_size())
    edit.text = "Duplicate shape" if len(ids) == 1 else f"Duplicate {len(ids)} shapes"
    c.push(edit)
    c.select_regions(new_ids)


def restack(window: WindowContext, to_front: bool) -> None:
    c = window.canvas
    record = c.record()
    ids = c.selected_region_ids()
    if record is not None and ids:
        c.push(RestackRegions(record.key, ids, to_front))


def select_all(window: WindowContext) -> None:
    """Every shape shown on the image (a class filter hides the others)."""
    c = window.canvas
    record = c.record()
    if record is not None:
        items = c.layer.items
        c.select_regions([r.id for r in record.regions if r.id in items and items[r.id].isVisible()])
