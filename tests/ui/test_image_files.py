"""The window keeps up with the image folders as a person uses it: a real-sized, EXIF-rotated
JPEG copied into `data/` beside the annotation file while the window is open is offered in a bar
and added with a click; a file deleted is named and can be taken out of the project; File ▸
Add Images… and Image ▸ Remove image from project are undoable and never touch the files;
Ctrl+G goes to an image by number or name; Shift+D / Shift+A go to the next / previous
unlabelled image; the project reopens at the image where the user stopped."""

from __future__ import annotations

import shutil

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFileDialog

from annotator import io as pio
from annotator.ui.image_roles import KeyRole

from ..real_photos import make_photo, write_tutorial_layout
from .test_window import key

REAL = ((2048, 1536),)  # real photos' size, stored rotated (EXIF orientation 6)


def weapons(tmp_path, n=3):
    return write_tutorial_layout(tmp_path, "weapons", sizes=REAL, orientations=(6,), n=n)


def listed(w):
    return [im.filename for im in w.project.images]


def click(button):
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)


def test_a_photo_copied_into_data_while_open_is_offered_added_with_a_click_and_undone(qtbot, tmp_path, make_window):
    photos = weapons(tmp_path)
    w = make_window(photos.json_path)
    bar = w.image_files.bar
    assert not bar.isVisible()
    # a 12-megapixel phone photo, stored sideways with EXIF orientation 6, copied in beside the others
    make_photo(tmp_path / "scratch" / "phone.jpg", 4000, 3000, 6, np.random.default_rng(1))
    shutil.copy(tmp_path / "scratch" / "phone.jpg", photos.image_dir / "phone.jpg")
    qtbot.waitUntil(lambda: bar.isVisible(), timeout=5000)  # the folder watch, no focus change needed
    assert bar.text() == "1 new image in data/"
    click(bar.add_button)
    assert listed(w)[-1] == "phone.jpg" and not bar.isVisible()
    added = w.project.images[-1]
    assert added.size == (photos.image_dir / "phone.jpg").stat().st_size
    # shown as it is displayed: 4000 x 3000 (its pixels are stored 3000 x 4000)
    key(w, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(w.navigator.dialog.entry, "phone")
    QTest.keyClick(w.navigator.dialog.entry, Qt.Key.Key_Return)
    assert w.current_key == added.key
    qtbot.waitUntil(lambda: w.image_cache.get(added.key) is not None, timeout=20_000)
    assert (w.canvas.sceneRect().width(), w.canvas.sceneRect().height()) == (4000, 3000)
    assert (added.width, added.height) == (4000, 3000)
    qtbot.waitUntil(lambda: "phone.jpg" in [im.filename for im in pio.open_path(w.project.path).project.images])
    # Ctrl+Z takes it out again (the image shown moves to its neighbour); the offer comes back
    w.activateWindow()  # the dialog closed: the window is active again (offscreen does not do it by itself)
    qtbot.waitUntil(w.isActiveWindow)
    key(w, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert "phone.jpg" not in listed(w) and w.current_key == w.project.images[-1].key
    qtbot.waitUntil(lambda: bar.text() == "1 new image in data/", timeout=5000)


def test_ignore_is_remembered_by_the_project_and_a_vanished_file_can_be_taken_out(qtbot, tmp_path, make_window):
    photos = weapons(tmp_path)
    w = make_window(photos.json_path, settings="s.ini")
    bar = w.image_files.bar
    shutil.copy(photos.image_dir / "photo_000.jpg", photos.image_dir / "copy_of_photo.jpg")
    qtbot.waitUntil(lambda: bar.isVisible(), timeout=5000)
    click(bar.ignore_button)
    assert not bar.isVisible() and "copy_of_photo.jpg" not in listed(w)
    w.close()
    w = make_window(photos.json_path, settings="s.ini")
    assert not w.image_files.rescan().new and not w.image_files.bar.isVisible()  # not offered again
    bar = w.image_files.bar
    (photos.image_dir / "photo_002.jpg").unlink()
    qtbot.waitUntil(lambda: bar.isVisible(), timeout=5000)
    assert bar.text() == "1 image of the project is no longer in data/"
    assert not bar.add_button.isVisible() and bar.remove_button.isVisible()
    click(bar.remove_button)
    assert listed(w) == ["photo_000.jpg", "photo_001.jpg"] and not bar.isVisible()


def test_remove_image_from_project_leaves_the_file_shows_the_next_and_undo_brings_it_back(tmp_path, make_window):
    photos = weapons(tmp_path)
    w = make_window(photos.json_path)
    w.step(1)
    second = w.project.images[1]
    n_regions = len(second.regions)
    w.actions["remove_image"].trigger()
    assert listed(w) == ["photo_000.jpg", "photo_002.jpg"]
    assert (photos.image_dir / "photo_001.jpg").is_file()  # the file is not touched
    assert w.current_key == w.project.images[1].key  # the image that took its place
    assert w.image_list.current_key() == w.current_key
    assert "Removed photo_001.jpg" in w.status.currentMessage()
    assert not w.image_files.bar.isVisible()  # removed on purpose: not offered back
    key(w, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert listed(w) == ["photo_000.jpg", "photo_001.jpg", "photo_002.jpg"]
    assert w.project.images[1] is second and len(second.regions) == n_regions


def test_add_images_dialog_adds_files_of_the_image_folder_and_refuses_others(tmp_path, make_window, monkeypatch):
    photos = weapons(tmp_path, n=2)
    w = make_window(photos.json_path)
    inside = photos.image_dir / "later" / "extra.jpg"
    make_photo(inside, 640, 480, 1, np.random.default_rng(2))
    outside = tmp_path / "elsewhere.jpg"
    shutil.copy(inside, outside)
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: ([str(inside), str(outside)], ""))
    w.actions["add_images"].trigger()
    assert listed(w)[-1] == "later/extra.jpg"
    assert "elsewhere.jpg" in w.last_error.informativeText()
    assert "inside the project's image folder" in w.last_error.text()
    row = w.list_model.row_of(w.project.images[-1].key)
    assert w.list_model.index(row).data(KeyRole) == w.project.images[-1].key  # the list shows it


def test_go_to_image_by_number_and_a_wrong_entry_says_why(qtbot, tmp_path, make_window):
    photos = weapons(tmp_path, n=3)
    w = make_window(photos.json_path)
    key(w, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    dlg = w.navigator.dialog
    QTest.keyClicks(dlg.entry, "7")
    QTest.keyClick(dlg.entry, Qt.Key.Key_Return)
    assert dlg.isVisible() and dlg.error.text() == "There is no image 7: the project has 3 images"
    dlg.entry.clear()
    QTest.keyClicks(dlg.entry, "3")
    QTest.keyClick(dlg.entry, Qt.Key.Key_Return)
    assert not dlg.isVisible()
    assert w.current_key == w.project.images[2].key and w.image_list.current_key() == w.current_key


def test_shift_d_and_shift_a_go_to_the_next_and_previous_unlabelled_image(tmp_path, make_window):
    photos = weapons(tmp_path, n=5)  # every photo has regions
    w = make_window(photos.json_path)
    for i in (1, 3):
        w.project.images[i].regions.clear()
    w.project.images[3].done = True  # done, though empty: not "unlabelled"
    key(w, Qt.Key.Key_D, Qt.KeyboardModifier.ShiftModifier)
    assert w.current_key == w.project.images[1].key
    key(w, Qt.Key.Key_D, Qt.KeyboardModifier.ShiftModifier)  # the only one: stays, and says so
    assert w.current_key == w.project.images[1].key
    assert "none is left unlabelled" in w.status.currentMessage()
    w.project.images[4].regions.clear()
    key(w, Qt.Key.Key_A, Qt.KeyboardModifier.ShiftModifier)  # back, round the start to the end
    assert w.current_key == w.project.images[4].key
    assert "end of the list" in w.status.currentMessage()


def test_the_project_reopens_at_the_image_where_the_user_stopped(tmp_path, make_window):
    photos = weapons(tmp_path, n=4)
    w = make_window(photos.json_path, settings="s.ini")
    key(w, Qt.Key.Key_D)
    key(w, Qt.Key.Key_D)
    assert w.current_key == w.project.images[2].key
    w.close()  # nothing was edited: the image is still written
    assert pio.open_path(w.project.path).project.polymask.current_image == "photo_002.jpg"
    again = make_window(photos.json_path, settings="s.ini")
    assert again.current_key == again.project.images[2].key
    assert again.image_list.current_key() == again.current_key
    assert not again.isWindowModified()


def test_the_list_model_keeps_qts_rules_while_images_come_and_go(qtmodeltester, tmp_path):
    from annotator.model import AddImages, ImageRecord, Project, RemoveImages
    from annotator.ui.image_list import ImageListModel

    project = Project(images=[ImageRecord(f"{i}.jpg", size=i) for i in range(4)])
    model = ImageListModel()
    model.set_project(project)
    qtmodeltester.check(model)  # and it keeps watching the signals below
    edit = AddImages([ImageRecord("new.jpg", size=9)])
    edit.apply(project)
    model.images_changed(None)
    assert model.rowCount() == 5 and model.index(4).data(KeyRole) == "new.jpg9"
    RemoveImages(["1.jpg1", "new.jpg9"]).apply(project)
    model.images_changed(None)
    assert [model.index(r).data(KeyRole) for r in range(model.rowCount())] == ["0.jpg0", "2.jpg2", "3.jpg3"]


def test_right_click_on_a_row_of_the_list_shows_that_image_and_offers_to_remove_it(tmp_path, make_window):
    photos = weapons(tmp_path, n=3)
    w = make_window(photos.json_path)
    view = w.image_list.view
    rect = view.visualRect(w.image_list.proxy.index(2, 0))
    at = view.viewport().mapTo(w, rect.center())
    # the right button pressed through the window (Qt sends the context-menu event on press, as on Linux)
    QTest.mousePress(w.windowHandle(), Qt.MouseButton.RightButton, Qt.KeyboardModifier.NoModifier, at)
    menu = w.image_files.menu
    assert menu is not None and menu.isVisible()
    assert w.current_key == w.project.images[2].key
    remove = [a for a in menu.actions() if a is w.actions["remove_image"]]
    assert remove
    remove[0].trigger()
    menu.close()
    QTest.mouseRelease(w.windowHandle(), Qt.MouseButton.RightButton, Qt.KeyboardModifier.NoModifier, at)
    assert listed(w) == ["photo_000.jpg", "photo_001.jpg"]


def test_closing_the_bar_hides_it_until_the_folder_changes_again(qtbot, tmp_path, make_window):
    photos = weapons(tmp_path, n=2)
    w = make_window(photos.json_path)
    bar = w.image_files.bar
    shutil.copy(photos.image_dir / "photo_000.jpg", photos.image_dir / "a_copy.jpg")
    qtbot.waitUntil(bar.isVisible, timeout=5000)
    click(bar.close_button)
    assert not bar.isVisible()
    w.image_files.rescan()  # e.g. the window comes back to the front: the same files, no bar
    assert not bar.isVisible() and "a_copy.jpg" not in listed(w)
    shutil.copy(photos.image_dir / "photo_000.jpg", photos.image_dir / "another_copy.jpg")
    qtbot.waitUntil(bar.isVisible, timeout=5000)
    assert bar.text() == "2 new images in data/"


def test_coming_back_to_the_window_looks_at_the_folders_again(qtbot, tmp_path, make_window):
    """Where a file watch sees nothing (a network share), switching back to the window does."""
    from PySide6.QtGui import QGuiApplication

    photos = weapons(tmp_path, n=2)
    w = make_window(photos.json_path)
    files = w.image_files
    files.watcher.removePaths(files.watcher.directories())  # as if the watch saw nothing
    shutil.copy(photos.image_dir / "photo_000.jpg", photos.image_dir / "from_the_share.jpg")
    QGuiApplication.instance().applicationStateChanged.emit(Qt.ApplicationState.ApplicationActive)
    qtbot.waitUntil(files.bar.isVisible, timeout=5000)
    assert files.bar.text() == "1 new image in data/"


def test_images_missing_from_the_start_are_not_offered_for_removal(qtbot, tmp_path, make_window):
    photos = weapons(tmp_path, n=3)
    (photos.image_dir / "photo_001.jpg").rename(tmp_path / "photo_001.jpg")  # gone before the window opens
    w = make_window(photos.json_path)
    assert w.image_files.rescan().gone == []
    assert not w.image_files.bar.isVisible()  # the image's own problem bar says it is missing
    (photos.image_dir / "photo_002.jpg").unlink()  # gone while the window is open
    qtbot.waitUntil(w.image_files.bar.isVisible, timeout=5000)
    assert w.image_files.last.gone == ["photo_002.jpg"]
