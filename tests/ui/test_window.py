"""The annotation window driven as a person would: keys and mouse on the canvas
viewport at image points, menus; then assertions on the model, on disk and on undo."""

from __future__ import annotations

import copy
import json
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPoint, QPointF, QSettings, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from annotator import io as pio
from annotator.model import AttributeDef, Rect, Region, RunRecord
from annotator.ui.recent import RecentProjects

W, H = 160, 120


def write_images(folder, n=4, w=W, h=H):
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        Image.new("RGB", (w, h), (40 * i % 255, 90, 140)).save(folder / f"img_{i:02d}.png")
    return folder


def state(project):
    """Everything an edit may change, for exact comparison."""
    return (
        [
            (
                im.key,
                im.done,
                [(r.id, r.shape, copy.deepcopy(r.attributes)) for r in im.regions],
                copy.deepcopy(im.file_attributes),
            )
            for im in project.images
        ],
        copy.deepcopy(project.region_attributes),
        project.class_attribute,
        dict(project.class_colours()),
    )


def saved(path):
    return pio.open_path(path).project


@pytest.fixture
def folder(tmp_path):
    return write_images(tmp_path / "photos")


@pytest.fixture
def win(make_window, folder):
    return make_window(folder)


def vp(canvas, x, y) -> QPoint:
    return canvas.mapFromScene(QPointF(x, y))


def drag(canvas, a, b):
    v = canvas.viewport()
    QTest.mousePress(v, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, vp(canvas, *a))
    for t in (0.25, 0.5, 0.75, 1.0):
        QTest.mouseMove(v, vp(canvas, a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t))
    QTest.mouseRelease(v, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, vp(canvas, *b))


def key(win, k, mods=Qt.KeyboardModifier.NoModifier):
    win.canvas.setFocus()
    QTest.keyClick(win.canvas, k, mods)


def draw_rect(win, a=(20, 20), b=(80, 60)):
    key(win, Qt.Key.Key_R)
    assert win.canvas.tool() == "rect"
    drag(win.canvas, a, b)
    return win.project.image(win.current_key).regions[-1]


# ---- opening -----------------------------------------------------------------------------
def test_open_folder_creates_the_project_file_and_shows_the_first_image(win, folder, qtbot):
    assert win.list_model.rowCount() == 4
    assert win.current_key == win.project.images[0].key
    assert win.project.path == folder / "polymask.json"
    qtbot.waitUntil(lambda: (folder / "polymask.json").exists())
    assert win.canvas.sceneRect().width() == W
    assert win.windowTitle().startswith("photos")
    assert RecentProjects(win.recent.store).last() == str((folder / "polymask.json").resolve())


def test_switch_images_with_d_and_a_and_page_keys(win, qtbot):
    keys = [im.key for im in win.project.images]
    key(win, Qt.Key.Key_D)
    assert win.current_key == keys[1]
    assert win.image_list.current_key() == keys[1]
    key(win, Qt.Key.Key_PageDown)
    assert win.current_key == keys[2]
    key(win, Qt.Key.Key_A)
    key(win, Qt.Key.Key_PageUp)
    assert win.current_key == keys[0]
    key(win, Qt.Key.Key_A)  # at the start: stays
    assert win.current_key == keys[0]
    # the image arrives from the background loader and neighbours are prefetched
    qtbot.waitUntil(lambda: win.image_cache.get(keys[1]) is not None and win.image_cache.get(keys[2]) is not None)


def test_filter_narrows_the_list_and_next_follows_it(win):
    win.image_list.filter_edit.setText("img_03")
    assert win.image_list.proxy.rowCount() == 1
    win.image_list.filter_edit.clear()
    win.image_list.state_combo.setCurrentIndex(2)  # done
    assert win.image_list.proxy.rowCount() == 0
    win.image_list.state_combo.setCurrentIndex(0)
    assert win.image_list.proxy.rowCount() == 4


def test_draw_then_class_hotkeys_set_selection_and_next_shape(win, qtbot):
    win.class_panel.add_class("cat")
    win.class_panel.add_class("dog")
    assert win.project.class_names() == ["cat", "dog"]
    assert win.class_panel.current_class == "dog"  # a new class is the current one
    key(win, Qt.Key.Key_1)  # nothing selected: only the class of the next shape
    assert win.class_panel.current_class == "cat" and win.canvas.current_class() == "cat"
    region = draw_rect(win)
    assert isinstance(region.shape, Rect)
    assert region.shape.width == pytest.approx(60, abs=1.5)
    assert win.project.class_of(region) == "cat"  # the current class
    key(win, Qt.Key.Key_S)
    QTest.mouseClick(
        win.canvas.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, vp(win.canvas, 50, 40)
    )
    assert win.canvas.selected_region_ids() == [region.id]
    key(win, Qt.Key.Key_2)
    assert win.project.class_of(region) == "dog"
    assert win.class_panel.current_class == "dog"
    second = draw_rect(win, (100, 70), (140, 100))
    assert win.project.class_of(second) == "dog"
    key(win, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # undo the second rect
    key(win, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # undo class 2
    assert win.project.class_of(region) == "cat"


def test_add_rename_merge_delete_class_with_undo(win):
    p = win.project
    panel = win.class_panel
    start = state(p)
    panel.add_class("cat")
    panel.add_class("dog")
    panel.add_class("kitty")
    after_add = state(p)
    key(win, Qt.Key.Key_1)
    rect = draw_rect(win)  # a cat
    win.class_panel.set_current_class("kitty")
    kitty = draw_rect(win, (90, 20), (140, 60))
    assert [p.class_of(rect), p.class_of(kitty)] == ["cat", "kitty"]
    before_rename = state(p)
    assert panel.rename_class("cat", "feline")
    assert p.class_of(rect) == "feline" and "cat" not in p.class_names()
    assert panel.merge_classes(["feline", "kitty"], "feline")
    assert p.class_of(kitty) == "feline" and "kitty" not in p.class_names()
    assert panel.tree.topLevelItemCount() == 2
    assert panel.delete_class("dog", delete_regions=False)
    assert p.class_names() == ["feline"]
    for _ in range(3):
        win.actions["undo"].trigger()
    assert state(p) == before_rename
    win.actions["redo"].trigger()
    assert p.class_of(rect) == "feline"
    for _ in range(3):  # rename, then both rectangles
        win.actions["undo"].trigger()
    assert state(p) == after_add
    for _ in range(3):
        win.actions["undo"].trigger()
    assert state(p) == start
    assert not win.actions["undo"].isEnabled()


def test_undo_redo_restores_exactly_the_previous_model(win):
    p = win.project
    win.class_panel.add_class("cat")
    s0 = state(p)
    region = draw_rect(win)
    s1 = state(p)
    key(win, Qt.Key.Key_S)
    drag(win.canvas, (50, 40), (70, 55))  # move the rectangle: one merged step
    s2 = state(p)
    assert s2 != s1
    assert p.image(win.current_key).region(region.id).shape.x == pytest.approx(40, abs=1.5)
    key(win, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert state(p) == s1
    key(win, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert state(p) == s0
    key(win, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert state(p) == s1
    key(win, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert state(p) == s2


def test_history_per_image_is_kept_across_switches(win):
    p = win.project
    first, second = p.images[0], p.images[1]
    a = draw_rect(win)
    key(win, Qt.Key.Key_D)
    b = draw_rect(win, (10, 10), (50, 50))
    key(win, Qt.Key.Key_A)
    assert win.current_key == first.key
    assert win.actions["undo"].isEnabled()
    key(win, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # undoes A's rectangle, not B's
    assert first.regions == [] and [r.id for r in second.regions] == [b.id]
    assert not win.actions["undo"].isEnabled()
    key(win, Qt.Key.Key_D)
    key(win, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert second.regions == []
    key(win, Qt.Key.Key_A)
    key(win, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert [r.id for r in first.regions] == [a.id]


def test_undoing_a_class_edit_keeps_later_edits_of_other_images(win):
    p = win.project
    win.class_panel.add_class("cat")
    key(win, Qt.Key.Key_D)
    region = draw_rect(win)
    key(win, Qt.Key.Key_A)
    win.actions["undo"].trigger()  # the project-wide "Add class cat"
    assert p.class_def is None or "cat" not in p.class_def.options
    assert [r.id for r in p.images[1].regions] == [region.id]


def test_done_flag_is_an_undoable_edit(win):
    im = win.project.image(win.current_key)
    win.actions["done"].trigger()
    assert im.done
    win.actions["undo"].trigger()
    assert not im.done


def test_attribute_panel_edits_every_type(win):
    p = win.project
    p.region_attributes["note"] = AttributeDef("note", "text")
    p.region_attributes["flags"] = AttributeDef("flags", "checkbox", options={"occluded": "", "truncated": ""})
    p.region_attributes["pose"] = AttributeDef("pose", "radio", options={"front": "", "side": ""})
    p.file_attributes["weather"] = AttributeDef("weather", "dropdown", options={"sun": "", "rain": ""})
    win.class_panel.add_class("cat")
    region = draw_rect(win)
    win.canvas.select_regions([region.id])
    win.attribute_panel.set_context(p, win.current_key, [region.id])
    fields = win.attribute_panel._region_fields
    fields["note"].widget.setText("hello")
    fields["note"].widget.editingFinished.emit()
    fields["flags"].boxes["occluded"].setChecked(True)
    fields["pose"].radios["side"].setChecked(True)
    fw = win.attribute_panel._file_fields["weather"].widget
    fw.setCurrentIndex(fw.findData("rain"))
    assert region.attributes["note"] == "hello"
    assert region.attributes["flags"] == {"occluded": True}
    assert region.attributes["pose"] == "side"
    assert p.image(win.current_key).file_attributes["weather"] == "rain"
    for _ in range(4):
        win.actions["undo"].trigger()
    assert "note" not in region.attributes and "weather" not in p.image(win.current_key).file_attributes


# ---- saving ---------------------------------------------------------------------------------
def test_autosave_writes_the_edit_to_disk(win, folder, qtbot):
    draw_rect(win)
    assert win.isWindowModified()
    path = folder / "polymask.json"

    def on_disk():
        return path.exists() and sum(len(im.regions) for im in saved(path).images) == 1

    qtbot.waitUntil(on_disk, timeout=5000)
    qtbot.waitUntil(lambda: not win.isWindowModified())
    assert win.autosave.last_ui_ms < 200


def test_reopen_after_a_crash_keeps_the_work(make_window, folder, qtbot):
    w = make_window(folder)
    w.class_panel.add_class("cat")
    r = draw_rect(w)
    key(w, Qt.Key.Key_D)  # a switch saves too
    path = folder / "polymask.json"
    qtbot.waitUntil(lambda: any(im.regions for im in saved(path).images), timeout=5000)
    # simulated kill -9: no close(), no final save; a new window opens what is on disk
    again = make_window(folder)
    first = again.project.images[0]
    assert len(first.regions) == 1
    assert again.project.class_of(first.regions[0]) == "cat"
    assert first.regions[0].shape.width == pytest.approx(r.shape.width, abs=0.01)  # files hold 0.01 px


def test_close_saves(make_window, folder, qtbot):
    w = make_window(folder, delay=60_000)  # the debounce never fires by itself
    draw_rect(w)
    w.close()
    assert len(saved(folder / "polymask.json").images[0].regions) == 1


def test_export_menu_writes_files(win, tmp_path, monkeypatch):
    win.class_panel.add_class("cat")
    draw_rect(win)
    targets = {
        "export_via_project": tmp_path / "p.json",
        "export_via": tmp_path / "a.json",
        "export_coco": tmp_path / "c.json",
    }
    for name, target in targets.items():
        monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, t=target, **k: (str(t), "JSON (*.json)"))
        win.actions[name].trigger()
        assert target.exists(), name
    coco = json.loads(targets["export_coco"].read_text())
    assert [c["name"] for c in coco["categories"]] == ["cat"] and len(coco["annotations"]) == 1
    via = json.loads(targets["export_via"].read_text())
    assert sum(len(v["regions"]) for v in via.values()) == 1


def test_export_lists_what_coco_cannot_hold(win, tmp_path, monkeypatch):
    win.class_panel.add_class("cat")
    draw_rect(win)
    win.canvas.set_tool("point")
    QTest.mouseClick(win.canvas.viewport(), Qt.MouseButton.LeftButton, pos=vp(win.canvas, 100, 40))
    assert len(win.project.image(win.current_key).regions) == 2
    target = tmp_path / "c.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), "JSON (*.json)"))
    win.actions["export_coco"].trigger()
    assert len(json.loads(target.read_text())["annotations"]) == 1
    dialog = win.problems_dialog
    assert dialog.isVisible() and dialog.windowTitle() == "Export problems"
    assert dialog.tree.topLevelItemCount() == 1 and "no area" in dialog.tree.topLevelItem(0).text(2)
    dialog.close()


# ---- errors, import, drag and drop ----------------------------------------------------------
def test_bad_file_shows_an_error_not_a_traceback(make_window, tmp_path):
    w = make_window()
    bad = tmp_path / "broken.json"
    bad.write_text("{ not json")
    assert not w.open_path(bad)
    assert isinstance(w.last_error, QMessageBox) and w.last_error.isVisible()
    assert "broken.json" in w.last_error.text()
    assert "JSON" in w.last_error.informativeText()
    w.last_error.close()
    weird = tmp_path / "weird.json"
    weird.write_text('{"hello": 1}')
    assert not w.open_path(weird)
    assert "weird.json" in w.last_error.text()
    w.last_error.close()
    assert w.project is None


def test_import_via_file_lists_problems_and_saves_beside_it(make_window, tmp_path):
    folder = write_images(tmp_path / "via", n=2)
    data = {
        f"img_00.png{(folder / 'img_00.png').stat().st_size}": {
            "filename": "img_00.png",
            "size": (folder / "img_00.png").stat().st_size,
            "file_attributes": {},
            "regions": [
                {
                    "shape_attributes": {"name": "rect", "x": 10, "y": 10, "width": 30, "height": 20},
                    "region_attributes": {"class": "gun"},
                },
                {
                    "shape_attributes": {"name": "polygon", "all_points_x": [1], "all_points_y": []},
                    "region_attributes": {"class": "gun"},
                },
            ],
        },
    }
    src = folder / "via_region_data.json"
    src.write_text(json.dumps(data))
    w = make_window()
    assert w.open_path(src)
    assert w.project.path == folder / "via_region_data.polymask.json"  # one project file per annotation file
    assert w.project.class_names() == ["gun"]
    assert w.problems_dialog is not None and w.problems_dialog.tree.topLevelItemCount() >= 1
    w.problems_dialog.close()


def test_drop_a_folder_opens_it(make_window, folder, qtbot):
    w = make_window()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(folder))])
    ev = QDropEvent(
        QPointF(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier
    )
    w.dropEvent(ev)
    assert w.project is not None and len(w.project.images) == 4


def test_cheat_sheet_lists_every_shortcut(win):
    dlg = win.show_shortcuts()
    texts = []
    for i in range(dlg.tree.topLevelItemCount()):
        it = dlg.tree.topLevelItem(i)
        texts.append((it.text(0), it.text(1)))
    shortcuts = dict(texts)
    assert shortcuts["Polygon"] == "P" and shortcuts["Next image"].startswith("D")
    assert "Ctrl+Z" in shortcuts["Undo"] and "Ctrl+Y" in shortcuts["Redo"]
    dlg.close()


def test_tool_keys_switch_the_canvas_tool(win):
    for k, name in (
        (Qt.Key.Key_P, "polygon"),
        (Qt.Key.Key_C, "circle"),
        (Qt.Key.Key_E, "ellipse"),
        (Qt.Key.Key_O, "point"),
        (Qt.Key.Key_L, "polyline"),
        (Qt.Key.Key_S, "select"),
    ):
        key(win, k)
        assert win.canvas.tool() == name
        assert win.actions[name].isChecked()


def test_status_bar_shows_cursor_zoom_and_size(win):
    QTest.mouseMove(win.canvas.viewport(), vp(win.canvas, 30, 40))
    QApplication.processEvents()
    assert "30" in win.status.position.text() and "40" in win.status.position.text()
    assert win.status.image_size.text().startswith(f"{W} × {H}")
    assert win.status.zoom.text().endswith("%")


def test_image_region_is_added_through_the_model_list(win):
    im = win.project.image(win.current_key)
    draw_rect(win)
    idx = win.list_model.index(0)
    from annotator.ui.image_list import RegionCountRole

    assert idx.data(RegionCountRole) == len(im.regions) == 1
    assert isinstance(im.regions[0], Region)


# ---- a project file cannot choose where we write; a broken one never stops the app ------------
def test_continue_the_last_run_refuses_run_folders_outside_the_projects_runs(make_window, tmp_path):
    from annotator.app.training_runs import RunFolderOutside, run_folder
    from annotator.io.native import save_project
    from tests.tiny_training import TINY
    from tests.ui.training_fixtures import make_project

    project = make_project(tmp_path / "proj")
    victim = tmp_path / "another-program"
    victim.mkdir()
    (victim / "config.json").write_text('{"theirs": true}')
    (project.path.parent / "runs").mkdir()
    (project.path.parent / "runs" / "link").symlink_to(victim)
    crafted = [str(victim), "../another-program", "runs/link", "runs", "runs/../../another-program"]
    for stored in crafted:
        with pytest.raises(RunFolderOutside, match="outside this project's runs folder"):
            run_folder(project, stored)
    assert run_folder(project, "runs/20260101-fast") == (project.path.parent / "runs" / "20260101-fast").resolve()

    project.polymask.runs = [RunRecord(dir=str(victim), model="fast", last_checkpoint=str(victim / "last.pth"))]
    save_project(project)
    w = make_window(project.path)
    assert not w.training.train(dict(TINY, weights="last"))
    assert "outside this project's runs folder" in w.last_error.informativeText()
    assert (victim / "config.json").read_text() == '{"theirs": true}'
    assert sorted(p.name for p in victim.iterdir()) == ["config.json"]


def test_a_project_that_breaks_the_window_does_not_stop_the_app_from_starting(qtbot, tmp_path, monkeypatch, folder):
    from annotator.ui import app
    from annotator.ui.class_panel import ClassPanel

    path = folder / "polymask.json"
    pio.save_project(pio.open_path(folder).project, path)
    before = path.read_bytes()

    def broken(self, project):
        raise AttributeError("'str' object has no attribute 'get'")  # e.g. class_colours written as a string

    monkeypatch.setattr(ClassPanel, "set_project", broken)
    store = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    w = app.create_window(str(path), recent=RecentProjects(store))
    qtbot.addWidget(w, before_close_func=lambda w: w.shutdown())
    assert w.isVisible() and w.project is None
    assert str(path) in w.last_error.text() and "has no attribute" in w.last_error.informativeText()
    assert path.read_bytes() == before
