"""Gestures on the canvas as a person makes them: a right-click on a shape opens its menu
(class, copy, duplicate, paste, merge, split, front / back, delete: the Edit menu's own
commands), a right-click on the empty canvas offers paste and select all, Ctrl+A selects
every shape shown, F1's list fits the window and Esc closes it, and the brush size is
kept between images and sessions in the project."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMenu

from annotator import io as pio
from annotator.model import AddRegions, Polyline, Region

from . import test_window
from .test_window import draw_rect, key, vp

folder, win = test_window.folder, test_window.win  # the window tests' fixtures: a folder of images, a window on it


def right_click(w, x, y) -> QMenu:
    """The right button pressed through the window, as the window system delivers it (Qt then
    sends the context-menu event, on press as on Linux). The menu stays open; the release is
    sent once it is closed (offscreen, QMenu takes a release at once for a move and closes)."""
    close_menu(w)
    at = w.canvas.viewport().mapTo(w, vp(w.canvas, x, y))
    QTest.mousePress(w.windowHandle(), Qt.MouseButton.RightButton, Qt.KeyboardModifier.NoModifier, at)
    w._pressed_at = at
    menu = w.shape_menu.menu
    assert menu is not None and menu.isVisible()
    return menu


def close_menu(w) -> None:
    if w.shape_menu.menu is not None:
        w.shape_menu.menu.close()
    while QApplication.activePopupWidget() is not None:  # one another test left open would take the click
        QApplication.activePopupWidget().close()
    at = getattr(w, "_pressed_at", None)
    if at is not None:
        QTest.mouseRelease(w.windowHandle(), Qt.MouseButton.RightButton, Qt.KeyboardModifier.NoModifier, at)
        w._pressed_at = None


def entry(menu: QMenu, name: str):
    found = [a for a in menu.actions() if a.objectName() == name]
    assert found, f"no {name} in {[a.text() for a in menu.actions()]}"
    return found[0]


def regions(w):
    return w.project.image(w.current_key).regions


def add_classes(w, *names):
    for name in names:
        assert w.class_panel.add_class(name)


def test_right_click_on_a_shape_selects_it_and_its_class_menu_sets_the_class(win):
    add_classes(win, "gun", "sword")
    a = draw_rect(win, (10, 10), (50, 50))
    b = draw_rect(win, (70, 20), (120, 80))
    was = win.project.class_of(a)
    other = "gun" if was == "sword" else "sword"
    key(win, Qt.Key.Key_S)
    menu = right_click(win, 30, 30)
    assert win.canvas.selected_region_ids() == [a.id]
    classes = [m for m in menu.actions() if m.menu() is not None][0].menu()
    assert [c.text() for c in classes.actions()] == ["gun", "sword"]
    assert [c.text() for c in classes.actions() if c.isChecked()] == [was]
    [c for c in classes.actions() if c.text() == other][0].trigger()
    assert win.project.class_of(regions(win)[0]) == other
    assert win.project.class_of(b) == was
    assert not entry(menu, "merge_objects").isEnabled()  # one shape: nothing to merge
    assert not entry(menu, "split_part").isEnabled()  # one part: nothing to split
    assert entry(menu, "delete").shortcuts() == win.actions["delete"].shortcuts()
    close_menu(win)
    key(win, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert win.project.class_of(regions(win)[0]) == was


def test_shape_menu_duplicates_restacks_and_deletes_with_undo(win):
    a = draw_rect(win, (10, 10), (60, 60))
    b = draw_rect(win, (30, 30), (90, 90))  # drawn over a
    key(win, Qt.Key.Key_S)
    right_click(win, 15, 15)  # only a is under here
    entry(win.shape_menu.menu, "bring_front").trigger()
    assert [r.id for r in regions(win)] == [b.id, a.id]
    right_click(win, 20, 12)  # (not the same spot: two presses there would be a double-click)
    entry(win.shape_menu.menu, "send_back").trigger()
    assert [r.id for r in regions(win)] == [a.id, b.id]
    right_click(win, 85, 85)
    entry(win.shape_menu.menu, "duplicate").trigger()
    copy = regions(win)[-1]
    assert len(regions(win)) == 3 and win.canvas.selected_region_ids() == [copy.id]
    assert copy.shape == b.shape.translated(10, 10)
    assert win.doc.undo_text() == "Duplicate shape"
    right_click(win, 95, 95)
    entry(win.shape_menu.menu, "delete").trigger()
    assert [r.id for r in regions(win)] == [a.id, b.id]
    close_menu(win)
    key(win, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(regions(win)) == 3


def test_merge_from_the_menu_with_two_selected_and_empty_canvas_offers_paste_and_select_all(win):
    draw_rect(win, (10, 10), (40, 40))
    draw_rect(win, (60, 60), (90, 90))
    key(win, Qt.Key.Key_S)
    menu = right_click(win, 150, 110)  # empty canvas
    assert [a.objectName() for a in menu.actions()] == ["paste", "select_all"]
    assert not entry(menu, "paste").isEnabled()  # nothing copied yet
    entry(menu, "select_all").trigger()
    assert len(win.canvas.selected_region_ids()) == 2
    menu = right_click(win, 20, 20)  # on a selected shape: the selection stays
    assert len(win.canvas.selected_region_ids()) == 2
    entry(menu, "merge_objects").trigger()
    assert len(regions(win)) == 1
    menu = right_click(win, 25, 32)
    assert entry(menu, "split_part").isEnabled()  # now of two parts
    entry(menu, "split_part").trigger()
    assert len(regions(win)) == 2


def test_ctrl_a_selects_every_shape_shown(win):
    for x in (10, 50, 90):
        draw_rect(win, (x, 10), (x + 30, 40))
    key(win, Qt.Key.Key_S)
    key(win, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert win.canvas.selected_region_ids() == [r.id for r in regions(win)]
    key(win, Qt.Key.Key_Escape)
    assert win.canvas.selected_region_ids() == []


def test_f1_list_fits_the_window_and_esc_closes_it_from_the_list_or_the_window(win, qtbot):
    win.resize(1280, 800)
    key(win, Qt.Key.Key_F1)
    sheet = win.cheat_sheet
    assert sheet.isVisible()
    tree = sheet.tree
    texts = [tree.topLevelItem(i).text(0) for i in range(tree.topLevelItemCount())]
    assert "Go to image" in texts and "Select all shapes" in texts
    frame = win.frameGeometry()
    assert sheet.height() <= frame.height() and sheet.width() <= frame.width()
    widest = max(tree.fontMetrics().horizontalAdvance(t) for t in texts)
    assert tree.columnWidth(0) >= widest  # no command is cut off ("…")
    QTest.keyClick(tree, Qt.Key.Key_Escape)  # Esc in the list
    assert not sheet.isVisible()
    key(win, Qt.Key.Key_F1)
    sheet = win.cheat_sheet
    assert sheet.isVisible()
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)
    key(win, Qt.Key.Key_Escape)  # Esc in the window, the canvas having focus
    assert not sheet.isVisible()
    draw_rect(win)
    key(win, Qt.Key.Key_S)
    QTest.mouseClick(win.canvas.viewport(), Qt.MouseButton.LeftButton, pos=vp(win.canvas, 50, 40))
    assert win.canvas.selected_region_ids()
    key(win, Qt.Key.Key_Escape)  # no list open: Esc is the canvas' again
    assert win.canvas.selected_region_ids() == []


def test_brush_size_is_kept_between_images_and_sessions(make_window, folder):
    w = make_window(folder, settings="s.ini")
    key(w, Qt.Key.Key_B)
    start = w.canvas.brush_size()
    key(w, Qt.Key.Key_BracketRight)
    key(w, Qt.Key.Key_BracketRight)
    size = w.canvas.brush_size()
    assert size > start
    key(w, Qt.Key.Key_D)
    assert w.canvas.brush_size() == size
    w.close()
    assert pio.open_path(w.project.path).project.polymask.brush_radius == size
    again = make_window(folder, settings="s.ini")
    assert again.canvas.brush_size() == size
    # another project has its own size
    other = folder.parent / "other"
    other.mkdir()
    (folder / "img_00.png").rename(other / "img_00.png")
    assert again.open_path(other)
    assert again.canvas.brush_size() == start


def test_no_menu_while_a_polygon_is_being_drawn(win):
    key(win, Qt.Key.Key_P)
    v = win.canvas.viewport()
    for p in ((20, 20), (80, 20)):
        QTest.mouseClick(v, Qt.MouseButton.LeftButton, pos=vp(win.canvas, *p))
    assert win.canvas.has_drawing()
    at = v.mapTo(win, vp(win.canvas, 50, 60))
    QTest.mousePress(win.windowHandle(), Qt.MouseButton.RightButton, Qt.KeyboardModifier.NoModifier, at)
    assert win.shape_menu.menu is None and win.canvas.has_drawing()


def test_a_polyline_object_is_picked_by_a_click_or_right_click_inside_it(win):
    """The VIA gun/sword tutorial outlines objects with polylines; their masks are the closed
    outline, so inside one is on the object."""
    pts = ((20, 20), (100, 20), (100, 90), (20, 90))
    line = Polyline(tuple(float(x) for x, _ in pts), tuple(float(y) for _, y in pts))
    region = Region(line)
    win.push(AddRegions(win.current_key, [region]))
    key(win, Qt.Key.Key_S)
    QTest.mouseClick(win.canvas.viewport(), Qt.MouseButton.LeftButton, pos=vp(win.canvas, 60, 55))
    assert win.canvas.selected_region_ids() == [region.id]
    key(win, Qt.Key.Key_Escape)
    menu = right_click(win, 55, 60)
    assert win.canvas.selected_region_ids() == [region.id] and entry(menu, "delete").isEnabled()
    close_menu(win)
