"""The window while drawing and viewing, driven with keys and the mouse: Ctrl+Z and D / A
while drawing, class keys right after drawing, the View menu's class names / fill opacity /
hide annotations (what the canvas draws, and kept in the settings), the F1 cheat sheet and
the tooltips."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PIL import Image
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QAction, QColor, QKeySequence
from PySide6.QtTest import QTest

from annotator.model import Polygon, Polyline, Rect, Region, label_point

W, H = 200, 150
BLUE = "#4e79a7"  # the first class colour, also the colour of the photo's object below


@pytest.fixture
def folder(tmp_path):
    photos = tmp_path / "photos"
    photos.mkdir()
    for i in range(3):
        Image.new("RGB", (W, H), BLUE).save(photos / f"img_{i}.png")
    return photos


@pytest.fixture
def win(make_window, folder):
    w = make_window(folder, size=(1000, 700), settings="settings.ini")
    w.class_panel.add_class("cat")
    w.class_panel.add_class("dog")
    return w


def vp(canvas, x, y) -> QPoint:
    return canvas.mapFromScene(QPointF(x, y))


def key(win, k, mods=Qt.KeyboardModifier.NoModifier):
    win.canvas.setFocus()
    QTest.keyClick(win.canvas, k, mods)


def click(win, x, y):
    QTest.mouseClick(
        win.canvas.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, vp(win.canvas, x, y)
    )


def regions(win):
    return win.project.image(win.current_key).regions


CTRL = Qt.KeyboardModifier.ControlModifier


# ---- Ctrl+Z and D / A while drawing ---------------------------------------------------------------
def test_ctrl_z_while_drawing_removes_the_last_vertex_not_the_previous_shape(win):
    key(win, Qt.Key.Key_L)
    for p in [(20, 20), (60, 30), (90, 20)]:
        click(win, *p)
    key(win, Qt.Key.Key_Return)
    (line,) = regions(win)
    assert isinstance(line.shape, Polyline)
    assert win.actions["undo"].isEnabled()  # the window's Undo would take the key if the canvas did not

    key(win, Qt.Key.Key_P)
    click(win, 30, 60)
    click(win, 120, 60)
    key(win, Qt.Key.Key_Z, CTRL)
    assert regions(win) == [line]  # the committed polyline is still there
    assert win.canvas.has_drawing() and win.canvas.active_tool().points == [pytest.approx((30, 60), abs=1)]
    assert not win.doc.can_redo()  # nothing was undone, so finishing loses no redo step

    win.undo()  # the toolbar / menu Undo also steps back in the draft
    assert not win.canvas.has_drawing() and regions(win) == [line]
    key(win, Qt.Key.Key_Z, CTRL)  # not drawing: an ordinary undo of the polyline
    assert regions(win) == []


def test_d_while_drawing_a_closable_polygon_keeps_it_on_its_image(win):
    first = win.current_key
    key(win, Qt.Key.Key_P)
    for p in [(20, 20), (100, 20), (100, 100)]:
        click(win, *p)
    key(win, Qt.Key.Key_D)
    assert win.current_key != first and not win.canvas.has_drawing()
    (kept,) = win.project.image(first).regions
    assert isinstance(kept.shape, Polygon) and len(kept.shape.xs) == 3
    key(win, Qt.Key.Key_A)
    key(win, Qt.Key.Key_Z, CTRL)  # one undo step on its own image
    assert win.project.image(first).regions == []


def test_d_while_drawing_two_vertices_stays_and_keeps_the_draft(win):
    first = win.current_key
    key(win, Qt.Key.Key_P)
    click(win, 20, 20)
    click(win, 100, 20)
    key(win, Qt.Key.Key_D)
    assert win.current_key == first and win.canvas.has_drawing()
    assert "Finish the shape" in win.status.currentMessage()
    click(win, 100, 100)
    key(win, Qt.Key.Key_Return)
    assert len(regions(win)) == 1 and len(regions(win)[0].shape.xs) == 3


# ---- class keys right after drawing ---------------------------------------------------------------
def test_class_key_right_after_drawing_labels_the_new_shape_in_one_step(win):
    key(win, Qt.Key.Key_1)
    key(win, Qt.Key.Key_P)
    for p in [(20, 20), (100, 20), (100, 100)]:
        click(win, *p)
    key(win, Qt.Key.Key_Return)
    (region,) = regions(win)
    assert win.canvas.selected_region_ids() == [region.id]  # the new shape stays selected
    index = win.doc.stack(win.current_key).index()
    key(win, Qt.Key.Key_2)
    assert win.project.class_of(region) == "dog"
    assert win.doc.stack(win.current_key).index() == index + 1  # one undo step
    key(win, Qt.Key.Key_Z, CTRL)
    assert regions(win) == [region] and win.project.class_of(region) == "cat"


def test_starting_the_next_shape_deselects_so_class_keys_apply_to_it(win):
    key(win, Qt.Key.Key_1)
    key(win, Qt.Key.Key_R)
    QTest.mousePress(
        win.canvas.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, vp(win.canvas, 10, 10)
    )
    QTest.mouseMove(win.canvas.viewport(), vp(win.canvas, 50, 40))
    QTest.mouseRelease(
        win.canvas.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, vp(win.canvas, 50, 40)
    )
    (rect,) = regions(win)
    assert win.canvas.selected_region_ids() == [rect.id]
    key(win, Qt.Key.Key_P)
    click(win, 100, 100)  # a new polygon starts
    assert win.canvas.selected_region_ids() == []
    key(win, Qt.Key.Key_2)  # for the polygon being drawn, not the rectangle
    click(win, 180, 100)
    click(win, 180, 140)
    key(win, Qt.Key.Key_Return)
    assert win.project.class_of(rect) == "cat"
    assert win.project.class_of(regions(win)[1]) == "dog"


# ---- View menu: what the canvas draws --------------------------------------------------------------
def add_rect(win, cls="cat"):
    region = Region(Rect(40, 30, 100, 80), {"class": cls})
    win.project.image(win.current_key).regions.append(region)
    win.canvas.refresh()
    return region, win.canvas.layer.items[region.id]


def test_class_names_are_drawn_and_toggled_with_n(win):
    region, item = add_rect(win)
    assert item.label.isVisible() and item.label.text == "cat"
    click(win, 90, 70)
    key(win, Qt.Key.Key_2)
    assert item.label.text == "dog"  # follows the class
    key(win, Qt.Key.Key_N)
    assert not win.actions["show_labels"].isChecked()
    assert not item.label.isVisible()
    key(win, Qt.Key.Key_N)
    assert item.label.isVisible() and item.label.text == "dog"


def test_fill_opacity_steps_with_brackets_and_reaches_zero(win):
    _region, item = add_rect(win)
    start = item.fill_alphas[0]
    key(win, Qt.Key.Key_BracketRight)
    assert item.fill_alphas[0] > start
    for _ in range(10):
        key(win, Qt.Key.Key_BracketLeft)
    assert item.fill_alphas[0] == 0 and win.canvas.view_options().fill_opacity == 0
    assert "0%" in win.status.currentMessage()


def test_hide_annotations_hides_shapes_and_they_cannot_be_grabbed(win):
    region, item = add_rect(win)
    click(win, 90, 70)
    assert win.canvas.selected_region_ids() == [region.id]
    key(win, Qt.Key.Key_H)
    assert win.actions["hide_annotations"].isChecked()
    assert not item.isVisible() and not item.label.isVisible()
    assert win.canvas.selected_region_ids() == []
    click(win, 90, 70)
    assert win.canvas.selected_region_ids() == []  # a hidden shape is not selected...
    key(win, Qt.Key.Key_Delete)
    assert regions(win) == [region]  # ...nor deleted
    key(win, Qt.Key.Key_H)
    assert item.isVisible()


def test_view_options_are_kept_for_the_next_window(make_window, folder):
    w = make_window(folder, size=(1000, 700), settings="settings.ini")
    key(w, Qt.Key.Key_N)
    key(w, Qt.Key.Key_BracketRight)
    fill = w.canvas.view_options().fill_opacity
    w.shutdown()
    again = make_window(folder, size=(1000, 700), settings="settings.ini")  # same settings file
    assert not again.actions["show_labels"].isChecked()
    assert again.canvas.view_options().show_labels is False
    assert again.canvas.view_options().fill_opacity == fill


def dark_pixels_across(win, region_rect_left_x, y):
    """How many dark pixels a horizontal scan over the shape's left edge meets on screen."""
    c = win.canvas
    img = c.viewport().grab().toImage()
    centre = vp(c, region_rect_left_x, y)
    out = 0
    for dx in range(-8, 9):
        col = QColor(img.pixel(centre.x() + dx, centre.y()))
        if 0.299 * col.red() + 0.587 * col.green() + 0.114 * col.blue() < 50:
            out += 1
    return out


def test_outline_has_a_dark_halo_on_an_object_of_its_own_colour(win):
    # a blue class on a blue photo: without the halo the outline is invisible
    win.canvas.set_class_colours({"cat": BLUE, "dog": "#e15759"})
    _region, item = add_rect(win)
    assert item.colour == BLUE and not item.selected and not item.hovered
    win.canvas.viewport().repaint()
    assert dark_pixels_across(win, 40, 70) >= 1


# ---- F1 and tooltips --------------------------------------------------------------------------------
def all_actions(win) -> list[QAction]:
    return [a for a in win.findChildren(QAction) if a.shortcuts()]


def test_cheat_sheet_lists_every_action_with_a_shortcut(win):
    dlg = win.show_shortcuts()
    rows = [
        (dlg.tree.topLevelItem(i).text(0), dlg.tree.topLevelItem(i).text(1))
        for i in range(dlg.tree.topLevelItemCount())
    ]
    listed = {keys for _text, keys in rows}
    actions = all_actions(win)
    assert len(actions) >= 35  # the window's and the Model menu's
    for a in actions:
        first = a.shortcuts()[0].toString(QKeySequence.SequenceFormat.NativeText)
        assert any(first in keys.split(", ") for keys in listed), (a.text(), first)
    texts = dict(rows)
    assert texts["Train"] == "Ctrl+T" and texts["Predict current image"] == "Ctrl+P"
    assert texts["Hide annotations"] == "H"
    dlg.close()


def test_no_tooltip_repeats_its_shortcut(win):
    for a in all_actions(win):
        for seq in a.shortcuts():
            text = seq.toString(QKeySequence.SequenceFormat.NativeText)
            assert a.toolTip().count(f"({text})") <= 1, a.toolTip()
    assert win.actions["polygon"].toolTip() == "Polygon tool (P)"


def test_a_class_name_sits_inside_its_object_and_keeps_its_size_at_any_zoom(win, qtbot):
    """Issue 25, item 7: a U-shaped object's label is on the object, not at the box corner
    (nor in the notch), and is as large on screen zoomed out as zoomed in."""
    u = Polygon.from_points([(20, 20), (180, 20), (180, 140), (140, 140), (140, 50), (60, 50), (60, 140), (20, 140)])
    region = Region(u, {"class": "cat"})
    win.project.image(win.current_key).regions.append(region)
    win.canvas.refresh()
    label = win.canvas.layer.items[region.id].label
    centre = label.mapToScene(label.boundingRect().center())
    assert win.canvas.layer.items[region.id].path.contains(centre)
    sizes = []
    for zoom_key in (Qt.Key.Key_Minus, Qt.Key.Key_Plus, Qt.Key.Key_Plus, Qt.Key.Key_Plus):
        key(win, zoom_key)
        rect = label.deviceTransform(win.canvas.viewportTransform()).mapRect(label.boundingRect())
        sizes.append((round(rect.width(), 3), round(rect.height(), 3)))
    assert len(set(sizes)) == 1 and sizes[0][0] > 20, sizes
    # and it follows the shape when the shape changes
    moved = u.translated(5, 3)
    win.project.image(win.current_key).regions[-1].shape = moved
    win.canvas.refresh()
    assert (label.pos().x(), label.pos().y()) == label_point(moved)


def test_a_label_waits_for_the_end_of_a_drag_to_move(win):
    region, item = add_rect(win)
    start = (item.label.pos().x(), item.label.pos().y())
    item.interactive = True  # as the canvas sets it when a drag starts
    item.set_shape(Rect(60, 50, 100, 80))
    assert (item.label.pos().x(), item.label.pos().y()) == start
    item.interactive = False
    assert (item.label.pos().x(), item.label.pos().y()) == label_point(Rect(60, 50, 100, 80)) != start
