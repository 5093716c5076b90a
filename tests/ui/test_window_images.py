"""The window on the layouts users have (tests/real_photos.py): images beside the JSON are found,
one project file per annotation file is found again on every open, missing and unreadable
images are said on the canvas and in the list, and COCO export refuses what it cannot write."""

from __future__ import annotations

import json
import shutil

from PySide6.QtCore import QPointF, QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFileDialog

from annotator import io as pio
from annotator.ui.image_list import ProblemRole
from annotator.ui.main_window import MainWindow
from annotator.ui.recent import RecentProjects

from ..real_photos import write_tutorial_layout
from .test_window import key

SMALL = ((160, 120),)


def n_regions(project):
    return sum(len(im.regions) for im in project.images)


def delete_first_region(w, qtbot):
    """Click inside the current image's first region with the select tool, press Delete."""
    region = w.project.image(w.current_key).regions[0]
    inside = region.shape.geometry().representative_point()
    key(w, Qt.Key.Key_S)
    QTest.mouseClick(
        w.canvas.viewport(), Qt.MouseButton.LeftButton, pos=w.canvas.mapFromScene(QPointF(inside.x, inside.y))
    )
    assert w.canvas.selected_region_ids() == [region.id]
    key(w, Qt.Key.Key_Delete)
    assert region not in w.project.image(w.current_key).regions


def test_the_weapons_layout_opens_with_its_real_sized_photos_found(qtbot, tmp_path, make_window):
    photos = write_tutorial_layout(tmp_path, "weapons", sizes=((2048, 1536),), orientations=(6,), n=2)
    w = make_window(photos.json_path, settings="settings.ini")
    try:
        assert w.project.image_root == photos.image_dir
        image = w.image_cache.get(w.current_key)
        assert (image.width(), image.height()) == (2048, 1536)  # as displayed (stored rotated, EXIF 6)
        assert w.canvas.sceneRect().width() == 2048
        assert not w.image_bar.isVisible()
        first = w.project.images[0].key
        qtbot.waitUntil(lambda: w.thumbnails.get(first) is not None, timeout=10_000)  # no blank thumbnails
        assert "via_region_data.polymask.json" in w.windowTitle()
    finally:
        w.shutdown()


def test_open_edit_close_reopen_three_times_keeps_every_edit(qtbot, tmp_path, make_window):
    photos = write_tutorial_layout(tmp_path, "weapons", sizes=SMALL, n=3)
    total = sum(len(p.objects) for p in photos.photos)
    project_file = tmp_path / "via_region_data.polymask.json"
    for round_ in range(3):
        w = make_window(photos.json_path, settings="settings.ini")
        assert w.project.path == project_file
        assert n_regions(w.project) == total - round_, f"open {round_ + 1} lost or restored work"
        w.step(round_)  # each round edits another image
        delete_first_region(w, qtbot)
        w.close()
        assert n_regions(pio.open_path(project_file).project) == total - round_ - 1
    assert sorted(p.name for p in tmp_path.glob("*.json")) == ["via_region_data.json", "via_region_data.polymask.json"]
    assert RecentProjects(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)).last() == str(
        project_file.resolve()
    )
    # the folder, and File > Open Recent, return to the same project
    w = make_window(tmp_path, settings="settings.ini")
    w.shutdown()
    assert w.project.path == project_file and n_regions(w.project) == total - 3
    w = MainWindow(recent=RecentProjects(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)))
    qtbot.addWidget(w)
    try:
        w.actions.menus["recent"].aboutToShow.emit()
        recent = w.actions.menus["recent"].actions()
        assert recent[0].text() == str(project_file.resolve())
        recent[0].trigger()
        assert w.project.path.resolve() == project_file.resolve() and n_regions(w.project) == total - 3
    finally:
        w.shutdown()


def test_a_changed_annotation_file_is_said_not_reimported(qtbot, tmp_path, make_window):
    photos = write_tutorial_layout(tmp_path, "weapons", sizes=SMALL, n=2)
    w = make_window(photos.json_path, settings="settings.ini")
    delete_first_region(w, qtbot)
    w.close()
    data = json.loads(photos.json_path.read_text())
    data["_via_settings"]["project"]["name"] = "edited in VIA"
    photos.json_path.write_text(json.dumps(data))
    w = make_window(photos.json_path, settings="settings.ini")
    try:
        assert n_regions(w.project) == sum(len(p.objects) for p in photos.photos) - 1
        assert w.last_notice.isVisible() and "changed since it was imported" in w.last_notice.text()
        w.last_notice.close()
    finally:
        w.shutdown()


def test_a_second_project_over_the_same_images_is_asked_for(qtbot, tmp_path, make_window, monkeypatch):
    photos = write_tutorial_layout(tmp_path, "weapons", sizes=SMALL, n=2)
    w = make_window(photos.image_dir, settings="settings.ini")  # a folder project over data/
    w.close()
    w = MainWindow(recent=RecentProjects(QSettings(str(tmp_path / "s2.ini"), QSettings.Format.IniFormat)))
    qtbot.addWidget(w)
    asked = []
    monkeypatch.setattr(w, "ask_existing_project", lambda opened: asked.append(opened.others) or "open")
    try:
        assert w.open_path(photos.json_path)
        assert asked == [[photos.image_dir / "polymask.json"]]
        assert w.project.path == photos.image_dir / "polymask.json"
        assert not (tmp_path / "via_region_data.polymask.json").exists()
    finally:
        w.shutdown()


def test_missing_images_show_a_bar_and_locate_images_fixes_it(qtbot, tmp_path, make_window, monkeypatch):
    photos = write_tutorial_layout(tmp_path / "set", "balloon", sizes=SMALL, n=3)
    elsewhere = tmp_path / "moved" / "far" / "away"
    elsewhere.parent.mkdir(parents=True)
    shutil.move(str(photos.image_dir), elsewhere)
    w = make_window(photos.json_path, settings="settings.ini", wait=None)
    try:
        qtbot.waitUntil(lambda: w.list_model.problem(w.current_key) != "", timeout=5000)
        assert w.image_bar.isVisible() and w.image_bar.locate_button.isVisible()
        text = w.image_bar.text()
        assert "Cannot show photo_000.jpg: file not found at" in text and "None of the 3 images were found" in text
        assert "Cannot be shown" in w.list_model.index(0).data(Qt.ItemDataRole.ToolTipRole)
        monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(elsewhere))
        qtbot.mouseClick(w.image_bar.locate_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: w.image_cache.get(w.current_key) is not None, timeout=5000)
        assert not w.image_bar.isVisible() and w.list_model.problem(w.current_key) == ""
        w.list_model.index(2).data(Qt.ItemDataRole.DecorationRole)  # the row asks for its thumbnail again
        qtbot.waitUntil(lambda: w.thumbnails.get(w.project.images[2].key) is not None, timeout=5000)
        qtbot.waitUntil(lambda: not w.isWindowModified(), timeout=5000)
    finally:
        w.shutdown()
    assert pio.open_path(w.project.path).project.image_root.resolve() == elsewhere.resolve()


def test_the_file_menu_offers_locate_images_and_a_wrong_folder_is_refused(qtbot, tmp_path, make_window, monkeypatch):
    photos = write_tutorial_layout(tmp_path, "weapons", sizes=SMALL, n=2)
    w = make_window(photos.json_path, settings="settings.ini")
    try:
        file_menu = w.actions.menus["&File"]
        assert w.actions["locate_images"] in file_menu.actions()
        (tmp_path / "empty").mkdir()
        monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(tmp_path / "empty"))
        w.actions["locate_images"].trigger()
        assert w.project.image_root == photos.image_dir  # unchanged
        assert "None of the 2 images are in" in w.image_bar.text()
    finally:
        w.shutdown()


def test_unreadable_and_missing_images_are_named_on_the_canvas_and_in_the_list(qtbot, tmp_path, make_window):
    photos = write_tutorial_layout(tmp_path, "weapons", sizes=SMALL, n=4)
    (photos.image_dir / "photo_001.jpg").write_bytes(b"\xff\xd8 this is not a jpeg")
    (photos.image_dir / "photo_002.jpg").unlink()
    w = make_window(photos.json_path, settings="settings.ini")
    try:
        keys = [im.key for im in w.project.images]
        # both are prefetched while the first image shows: the failure must still be said on arrival
        qtbot.waitUntil(
            lambda: w.image_cache.error(keys[1]) is not None and w.image_cache.error(keys[2]) is not None, timeout=5000
        )
        assert (
            w.image_bar.text() == f"1 of 4 images are not in {photos.image_dir} (first missing: photo_002.jpg)."
        )  # the project-wide line only
        key(w, Qt.Key.Key_D)
        assert w.current_key == keys[1]
        assert w.image_bar.isVisible() and "Cannot show photo_001.jpg: cannot be read" in w.image_bar.text()
        assert w.image_bar.text().startswith("Cannot show photo_001.jpg")  # this image's problem first
        key(w, Qt.Key.Key_D)
        assert (
            f"Cannot show photo_002.jpg: file not found at {photos.image_dir / 'photo_002.jpg'}" in w.image_bar.text()
        )
        assert "photo_001" not in w.image_bar.text()  # never a stale message about another image
        assert w.image_bar.locate_button.isVisible()
        for row in (1, 2):
            assert w.list_model.index(row).data(ProblemRole)
            assert "Cannot be shown" in w.list_model.index(row).data(Qt.ItemDataRole.ToolTipRole)
        assert not w.list_model.index(0).data(ProblemRole)
        key(w, Qt.Key.Key_D)
        qtbot.waitUntil(lambda: w.image_cache.get(keys[3]) is not None, timeout=5000)
        assert "Cannot show" not in w.image_bar.text()
    finally:
        w.shutdown()


def test_coco_export_refuses_missing_images_and_asks_about_unreadable_ones(qtbot, tmp_path, make_window, monkeypatch):
    photos = write_tutorial_layout(tmp_path, "weapons", sizes=SMALL, n=3)
    w = make_window(photos.json_path, settings="settings.ini")
    target = tmp_path / "out_coco.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), "JSON (*.json)"))
    try:
        for im in w.project.images:
            im.width = im.height = None  # sizes not learnt yet, as after a fresh import
        (photos.image_dir / "photo_002.jpg").unlink()
        assert not w.export("coco")
        assert not target.exists()
        dialog = w.problems_dialog
        assert dialog.windowTitle() == "Cannot export COCO" and dialog.isVisible()
        assert dialog.tree.topLevelItem(0).text(1) == "photo_002.jpg"
        dialog.close()
        (photos.image_dir / "photo_002.jpg").write_bytes(b"broken")
        w.project.images[2].width = w.project.images[2].height = None
        asked = []
        monkeypatch.setattr(w, "ask_export_without", lambda check: asked.append(check.reason()) or False)
        assert not w.export("coco") and not target.exists()
        assert "photo_002.jpg" in asked[0]
        monkeypatch.setattr(w, "ask_export_without", lambda check: True)
        assert w.export("coco")
        assert [im["file_name"] for im in json.loads(target.read_text())["images"]] == [
            "photo_000.jpg",
            "photo_001.jpg",
        ]
        w.problems_dialog.close()
    finally:
        w.shutdown()
