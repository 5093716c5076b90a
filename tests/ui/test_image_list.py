"""The image list model: Qt's model rules (qtmodeltester), filtering, thumbnails."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from annotator.model import ImageRecord, Project, Rect, Region
from annotator.ui.image_list import DoneRole, ImageFilterProxy, ImageListModel, ImageListPanel, KeyRole, RegionCountRole
from annotator.ui.thumbnails import ThumbnailLoader


def project(n=20):
    images = [ImageRecord(f"dir/img_{i:03d}.png", 100 + i) for i in range(n)]
    images[3].regions.append(Region(Rect(1, 1, 5, 5)))
    images[5].done = True
    return Project(images=images)


def test_qtmodeltester_on_the_model_and_the_proxy(qtmodeltester):
    model = ImageListModel()
    model.set_project(project())
    qtmodeltester.check(model)
    proxy = ImageFilterProxy()
    proxy.setSourceModel(model)
    proxy.set_text("img_01")
    qtmodeltester.check(proxy)


def test_roles_and_updates():
    p = project()
    model = ImageListModel()
    model.set_project(p)
    idx = model.index(3)
    assert idx.data(Qt.ItemDataRole.DisplayRole) == "dir/img_003.png"
    assert idx.data(KeyRole) == p.images[3].key
    assert idx.data(RegionCountRole) == 1
    assert model.index(5).data(DoneRole) is True
    seen = []
    model.dataChanged.connect(lambda a, b, roles: seen.append((a.row(), b.row())))
    p.images[7].regions.append(Region(Rect(0, 0, 1, 1)))
    model.images_changed([p.images[7].key])
    assert seen == [(7, 7)]


def test_filter_by_name_and_state():
    model = ImageListModel()
    model.set_project(project())
    proxy = ImageFilterProxy()
    proxy.setSourceModel(model)
    proxy.set_text("IMG_00")
    assert proxy.rowCount() == 10
    proxy.set_text("")
    proxy.set_state(2)  # done
    assert proxy.rowCount() == 1
    proxy.set_state(1)  # to do
    assert proxy.rowCount() == 19
    proxy.set_state(3)  # with regions
    assert proxy.rowCount() == 1


def test_thumbnails_load_in_the_background_and_teach_the_size(qtbot, tmp_path):
    for i in range(3):
        Image.new("RGB", (300, 200), (i * 60, 20, 20)).save(tmp_path / f"t{i}.png")
    p = Project(images=[ImageRecord(f"t{i}.png") for i in range(3)], image_root=tmp_path)
    loader = ThumbnailLoader()
    model = ImageListModel(loader)
    model.set_project(p)
    assert model.index(1).data(Qt.ItemDataRole.DecorationRole) is None  # requested, not there yet
    qtbot.waitUntil(lambda: isinstance(model.index(1).data(Qt.ItemDataRole.DecorationRole), QImage))
    thumb = model.index(1).data(Qt.ItemDataRole.DecorationRole)
    assert max(thumb.width(), thumb.height()) <= 2 * 56
    assert (p.images[1].width, p.images[1].height) == (300, 200)
    loader.close()


def test_panel_steps_through_the_filtered_order(qtbot):
    model = ImageListModel()
    model.set_project(project())
    panel = ImageListPanel(model)
    qtbot.addWidget(panel)
    assert panel.select_key(model.project.images[0].key)
    assert panel.step(1) == model.project.images[1].key
    panel.filter_edit.setText("img_01")
    assert panel.proxy.rowCount() == 10
    panel.select_key(model.project.images[10].key)
    assert panel.step(1) == model.project.images[11].key
    assert panel.step(-1) is None
