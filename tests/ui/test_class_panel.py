"""The Classes panel driven as a person would (issue 25, item 1): names with swatches and counts,
recolour with the colour picker, reorder (which changes keys 1-9, the Classes menu and the F1
list), delete asking what happens to the regions, "show only this class" on the canvas and in
the image list; every change undoable and saved."""

from __future__ import annotations

import json
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PIL import Image
from PySide6.QtCore import QPoint, QPointF, Qt, QTimer
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QColorDialog, QMessageBox

from annotator.model import Rect, Region

W, H = 200, 150
CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def win(make_window, tmp_path):
    photos = tmp_path / "photos"
    photos.mkdir()
    for i in range(3):
        Image.new("RGB", (W, H), "#808080").save(photos / f"img_{i}.png")
    w = make_window(photos, settings="settings.ini")
    for name in ("cat", "dog", "bird"):
        w.class_panel.add_class(name)
    # a cat and a dog on the first image, a dog on the second
    first, second = w.project.images[0], w.project.images[1]
    first.regions += [Region(Rect(10, 10, 60, 50), {"class": "cat"}), Region(Rect(110, 60, 60, 50), {"class": "dog"})]
    second.regions.append(Region(Rect(20, 20, 40, 40), {"class": "dog"}))
    w.canvas.refresh()
    w.class_panel.refresh()
    w.image_list.model.images_changed(None)
    return w


def rows(panel):
    tree = panel.tree
    return [tuple(tree.topLevelItem(i).text(c) for c in range(3)) for i in range(tree.topLevelItemCount())]


def item_of(panel, name):
    tree = panel.tree
    return next(tree.topLevelItem(i) for i in range(tree.topLevelItemCount()) if tree.topLevelItem(i).text(1) == name)


def click_class(panel, name):
    tree = panel.tree
    QTest.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=tree.visualItemRect(item_of(panel, name)).center())


def swatch_colour(panel, name) -> str:
    return item_of(panel, name).icon(1).pixmap(14).toImage().pixelColor(7, 7).name()


def click_canvas(win, x, y):
    win.canvas.setFocus()
    point = win.canvas.mapFromScene(QPointF(x, y))
    QTest.mouseClick(win.canvas.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point)


def key(win, k, mods=Qt.KeyboardModifier.NoModifier):
    win.canvas.setFocus()
    QTest.keyClick(win.canvas, k, mods)


def back_to_window(win, qtbot):
    """A dialog has closed: the window is active again (a window manager does this; offscreen Qt does not)."""
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)


def saved(win, qtbot):
    win.save()
    return json.loads(win.project.path.read_text(encoding="utf-8"))


def test_the_panel_lists_keys_names_swatches_and_counts(win):
    assert rows(win.class_panel) == [("1", "cat", "1"), ("2", "dog", "2"), ("3", "bird", "0")]
    assert swatch_colour(win.class_panel, "cat") == win.class_panel.colours["cat"]


def test_recolour_with_the_colour_picker_then_undo(win, qtbot):
    panel = win.class_panel
    click_class(panel, "dog")
    QTest.mouseClick(panel.buttons["colour"], Qt.MouseButton.LeftButton)
    dialog = panel.colour_dialog
    assert isinstance(dialog, QColorDialog) and dialog.isVisible()
    dialog.setCurrentColor(QColor("#ff00aa"))
    dialog.accept()
    qtbot.waitUntil(lambda: swatch_colour(panel, "dog") == "#ff00aa")
    dog = win.project.images[0].regions[1]
    assert win.canvas.layer.items[dog.id].colour == "#ff00aa"  # the canvas follows
    assert saved(win, qtbot)["_polymask"]["class_colours"]["dog"] == "#ff00aa"
    back_to_window(win, qtbot)
    key(win, Qt.Key.Key_Z, CTRL)
    qtbot.waitUntil(lambda: swatch_colour(panel, "dog") != "#ff00aa")
    assert win.canvas.layer.items[dog.id].colour != "#ff00aa"


def test_moving_a_class_up_changes_its_key_the_menu_and_the_f1_list(win, qtbot):
    panel = win.class_panel
    assert win.actions["class_1"].text() == "cat"
    click_class(panel, "dog")
    QTest.mouseClick(panel.buttons["up"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: [r[1] for r in rows(panel)] == ["dog", "cat", "bird"])
    assert rows(panel)[0][0] == "1" and win.actions["class_1"].text() == "dog"
    assert win.actions["class_9"].text() == "Class 9 (none yet)"
    sheet = win.show_shortcuts()
    listed = [
        (sheet.tree.topLevelItem(i).text(0), sheet.tree.topLevelItem(i).text(1))
        for i in range(sheet.tree.topLevelItemCount())
    ]
    assert ("dog", "1") in listed and ("cat", "2") in listed
    sheet.close()
    back_to_window(win, qtbot)
    # key 1 now gives dog
    click_canvas(win, 40, 35)  # the cat
    key(win, Qt.Key.Key_1)
    assert win.project.class_of(win.project.images[0].regions[0]) == "dog"
    # Alt+Down on the list moves it back
    key(win, Qt.Key.Key_Z, CTRL)  # the class of the region
    panel.tree.setFocus()
    click_class(panel, "dog")
    QTest.keyClick(panel.tree, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: [r[1] for r in rows(panel)] == ["cat", "dog", "bird"])
    key(win, Qt.Key.Key_Z, CTRL)
    qtbot.waitUntil(lambda: [r[1] for r in rows(panel)] == ["dog", "cat", "bird"])
    assert list(saved(win, qtbot)["_via_attributes"]["region"]["class"]["options"]) == ["dog", "cat", "bird"]


def _answer(text_start: str):
    def press():
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox), box
        button = next(b for b in box.buttons() if b.text().startswith(text_start))
        QTest.mouseClick(button, Qt.MouseButton.LeftButton)

    QTimer.singleShot(50, press)


@pytest.mark.parametrize("answer, left", [("Delete class and its", 1), ("Delete class, keep", 3)])
def test_delete_asks_what_happens_to_the_regions(win, qtbot, answer, left):
    panel = win.class_panel
    click_class(panel, "dog")
    _answer(answer)
    QTest.mouseClick(panel.buttons["delete"], Qt.MouseButton.LeftButton)
    assert "dog" not in win.project.class_names()
    assert sum(len(im.regions) for im in win.project.images) == left
    back_to_window(win, qtbot)
    key(win, Qt.Key.Key_Z, CTRL)
    assert win.project.class_names() == ["cat", "dog", "bird"]
    assert sum(len(im.regions) for im in win.project.images) == 3


def test_show_only_one_class_on_the_canvas_and_in_the_image_list(win, qtbot):
    panel = win.class_panel
    cat, dog = win.project.images[0].regions
    click_class(panel, "dog")
    QTest.mouseClick(panel.buttons["filter"], Qt.MouseButton.LeftButton)
    assert panel.buttons["filter"].isChecked() and win.actions["class_filter"].isChecked()
    assert win.canvas.layer.items[dog.id].isVisible() and not win.canvas.layer.items[cat.id].isVisible()
    click_canvas(win, 40, 35)  # where the hidden cat is: nothing to pick
    assert win.canvas.selected_region_ids() == []
    assert win.image_list.proxy.rowCount() == 2  # the third image has no dog
    click_class(panel, "cat")  # the filter follows the class you pick
    assert win.canvas.layer.items[cat.id].isVisible() and not win.canvas.layer.items[dog.id].isVisible()
    assert win.image_list.proxy.rowCount() == 1
    win.actions["class_filter"].trigger()  # Classes ▸ Show only this class, off
    assert all(item.isVisible() for item in win.canvas.layer.items.values())
    assert win.image_list.proxy.rowCount() == 3 and not panel.buttons["filter"].isChecked()


def test_right_click_menu_of_a_class(win, qtbot):
    panel = win.class_panel
    menu = panel.class_menu("cat")
    texts = [a.text() for a in menu.actions() if not a.isSeparator()]
    assert texts == ["Rename…", "Colour…", "Move up", "Move down", "Show only this class", "Delete…"]
    assert not menu.actions()[2].isEnabled()  # cat is first
    next(a for a in menu.actions() if a.text() == "Move down").trigger()
    assert win.project.class_names() == ["dog", "cat", "bird"]
    next(a for a in menu.actions() if a.text() == "Show only this class").trigger()
    assert panel.class_filter == "cat"
    panel.tree.customContextMenuRequested.emit(QPoint(5, 5))  # a real right-click shows the same menu
    qtbot.waitUntil(lambda: panel.menu.isVisible())
    panel.menu.close()
