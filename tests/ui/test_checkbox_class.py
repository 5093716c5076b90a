"""A checkbox class attribute (the VIA gun/sword tutorial's `name: {gun, sword}`) means one class
(issue 25, item 2): one tick at a time in the editor, checkbox kept in the file, a file whose
regions have two ticked is reported on open with a one-click fix, and warnings leave once fixed."""

from __future__ import annotations

import json
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PIL import Image
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDockWidget

W, H = 160, 120
CTRL = Qt.KeyboardModifier.ControlModifier


def _polygon(x0, y0, x1, y1, ticks):
    return {
        "shape_attributes": {"name": "polygon", "all_points_x": [x0, x1, x1, x0], "all_points_y": [y0, y0, y1, y1]},
        "region_attributes": {"name": ticks},
    }


@pytest.fixture
def via_file(tmp_path):
    """A VIA 2 project as the tutorial makes it; on the first photo one region has both ticked."""
    folder = tmp_path / "weapons"
    folder.mkdir()
    metadata, ids = {}, []
    for i, regions in enumerate(
        [
            [_polygon(10, 10, 60, 50, {"gun": True, "sword": True}), _polygon(90, 60, 150, 110, {"sword": True})],
            [_polygon(20, 20, 80, 80, {"gun": True})],
        ]
    ):
        name = f"photo_{i}.png"
        Image.new("RGB", (W, H), "#707070").save(folder / name)
        key = f"{name}{(folder / name).stat().st_size}"
        ids.append(key)
        metadata[key] = {
            "filename": name,
            "size": (folder / name).stat().st_size,
            "regions": regions,
            "file_attributes": {},
        }
    project = {
        "_via_settings": {},
        "_via_img_metadata": metadata,
        "_via_attributes": {
            "region": {
                "name": {
                    "type": "checkbox",
                    "description": "",
                    "options": {"gun": "", "sword": ""},
                    "default_options": {},
                }
            },
            "file": {},
        },
        "_via_data_format_version": "2.0.10",
        "_via_image_id_list": ids,
    }
    path = folder / "via_region_data.json"
    path.write_text(json.dumps(project), encoding="utf-8")
    return path


def click_canvas(win, x, y):
    win.canvas.setFocus()
    point = win.canvas.mapFromScene(QPointF(x, y))
    QTest.mouseClick(win.canvas.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point)


def tick(box):
    """Click the box's tick square (its middle may be past the label of a wide box)."""
    QTest.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))


def back_to_window(win, qtbot):
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)


def test_two_ticked_are_reported_on_open_and_fixed_in_one_click(make_window, via_file, qtbot):
    win = make_window(via_file)
    bar = win.class_panel.several_bar
    qtbot.waitUntil(bar.isVisible)
    assert "1 region has several classes ticked (gun and sword)" in bar.label.text()
    both = win.project.images[0].regions[0]
    assert win.project.class_names() == ["gun", "sword"]
    QTest.mouseClick(bar.fix_button, Qt.MouseButton.LeftButton)
    assert win.project.class_of(both) == "gun"  # the first ticked, in class order
    assert both.attributes["name"] == {"gun": True}
    qtbot.waitUntil(lambda: not bar.isVisible())  # the warning leaves with its cause
    back_to_window(win, qtbot)
    win.canvas.setFocus()
    QTest.keyClick(win.canvas, Qt.Key.Key_Z, CTRL)  # one undo step brings both ticks back
    assert both.attributes["name"] == {"gun": True, "sword": True}
    qtbot.waitUntil(bar.isVisible)


def test_ticking_a_class_unticks_the_other_and_the_file_keeps_checkboxes(make_window, via_file, qtbot):
    win = make_window(via_file)
    sword_region = win.project.images[0].regions[1]
    click_canvas(win, 120, 85)
    assert win.canvas.selected_region_ids() == [sword_region.id]
    win.findChild(QDockWidget, "Attributes").raise_()  # its tab, beside the training docks
    field = win.attribute_panel._region_fields["name"]
    qtbot.waitUntil(lambda: field.boxes["gun"].isVisible())
    gun_box, sword_box = field.boxes["gun"], field.boxes["sword"]
    assert sword_box.isChecked() and not gun_box.isChecked()
    tick(gun_box)  # tick gun: sword goes
    assert gun_box.isChecked() and not sword_box.isChecked()
    assert sword_region.attributes["name"] == {"gun": True}
    assert win.project.class_of(sword_region) == "gun"
    tick(gun_box)  # as a radio button: clicking the ticked class keeps it (never no class)
    assert gun_box.isChecked() and sword_region.attributes["name"] == {"gun": True}
    win.save()
    saved = json.loads(win.project.path.read_text(encoding="utf-8"))
    assert saved["_via_attributes"]["region"]["name"]["type"] == "checkbox"
    out = via_file.parent / "export.json"
    assert win.export("via", out)
    exported = json.loads(out.read_text(encoding="utf-8"))
    regions = [r for im in exported.values() for r in im["regions"]]
    assert all(isinstance(r["region_attributes"]["name"], dict) for r in regions)  # still checkbox values


def test_the_training_warning_leaves_when_its_cause_is_fixed(make_window, via_file, qtbot):
    win = make_window(via_file)
    win.training.show_train_panel()
    warning = win.training.panel.preflight
    assert not warning.isHidden() and "several classes" in warning.text()
    QTest.mouseClick(win.class_panel.several_bar.fix_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: warning.isHidden() or "several classes" not in warning.text())
