"""File ▸ Export ▸ VIA / COCO / labelme in the window (issue 25, item 5): the same files as
`polymask convert`, a summary of what was written and what was not, and nothing written over
the project file or over files the user did not agree to replace."""

from __future__ import annotations

import json
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PIL import Image
from PySide6.QtWidgets import QFileDialog, QMessageBox

from annotator.cli import main
from annotator.io.labelme import read_labelme
from annotator.model import Ellipse, Rect, Region

W, H = 120, 90


@pytest.fixture
def win(make_window, tmp_path):
    photos = tmp_path / "photos"
    photos.mkdir()
    for i in range(2):
        Image.new("RGB", (W, H), "#909090").save(photos / f"img_{i}.png")
    w = make_window(photos, settings="settings.ini")
    w.class_panel.add_class("cat")
    first = w.project.images[0]
    first.regions += [
        Region(Rect(10, 10, 40.5, 30), {"class": "cat"}),
        Region(Ellipse(80, 50, 20, 10), {"class": "cat"}),
    ]
    w.save()
    return w


def menu_texts(win):
    return [a.text() for a in win.actions.menus["export"].actions()]


def test_the_export_menu_offers_via_coco_and_labelme(win):
    assert menu_texts(win) == ["VIA &project…", "VIA &annotations…", "&COCO…", "&labelme folder…"]


@pytest.mark.parametrize("fmt, action", [("via", "export_via"), ("coco", "export_coco"), ("labelme", "export_labelme")])
def test_the_window_writes_what_convert_writes(win, tmp_path, monkeypatch, capsys, fmt, action):
    ours = tmp_path / ("ours" if fmt == "labelme" else "ours.json")
    theirs = tmp_path / ("theirs" if fmt == "labelme" else "theirs.json")
    if fmt == "labelme":
        ours.mkdir()
        monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(ours))
    else:
        monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(ours), "JSON (*.json)"))
    win.actions[action].trigger()
    assert main(["convert", str(win.project.path), str(theirs), "--to", fmt]) in (0, 1)
    if fmt == "labelme":
        names = sorted(p.name for p in ours.iterdir() if not p.name.startswith("."))  # less the hidden manifest
        assert (
            names
            == sorted(p.name for p in theirs.iterdir() if not p.name.startswith("."))
            == ["img_0.json", "img_1.json"]
        )
        for name in names:
            assert json.loads((ours / name).read_text()) == json.loads((theirs / name).read_text())
        assert len(read_labelme(ours).project.images[0].regions) == 2
    else:
        mine, cli = json.loads(ours.read_text()), json.loads(theirs.read_text())
        if fmt == "coco":  # the date stamp of the file is the one difference
            mine.get("info", {}).pop("date_created", None), cli.get("info", {}).pop("date_created", None)
        assert mine == cli


def test_a_summary_says_what_was_written_and_what_was_not(win, tmp_path, monkeypatch):
    out = tmp_path / "lm"
    out.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(out))
    win.actions["export_labelme"].trigger()
    dialog = win.problems_dialog
    assert dialog.isVisible() and dialog.windowTitle() == "Export problems"
    intro = dialog.findChildren(type(dialog.layout().itemAt(0).widget()))[0].text()
    assert "Wrote labelme lm/ (one JSON per image): 2 images, 2 regions, 1 classes" in intro
    assert dialog.tree.topLevelItemCount() == 1 and "no ellipse" in dialog.tree.topLevelItem(0).text(2)
    dialog.close()
    target = tmp_path / "v.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), "JSON (*.json)"))
    win.actions["export_via"].trigger()  # VIA holds ellipses: nothing left out
    notice = win.last_notice
    assert notice.isVisible() and notice.windowTitle() == "Exported"
    assert "Wrote VIA annotations v.json: 2 images, 2 regions, 1 classes" in notice.text()
    assert "nothing was left out" in notice.text()
    notice.close()


def test_the_project_file_is_never_exported_over(win, monkeypatch):
    before = win.project.path.read_bytes()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(win.project.path), "JSON (*.json)"))
    assert not win.export("via")
    assert win.last_error.isVisible() and "would replace the project file" in win.last_error.text()
    assert win.project.path.read_bytes() == before


def test_labelme_files_in_the_folder_are_replaced_only_when_the_user_says_so(win, tmp_path, monkeypatch):
    out = tmp_path / "lm"
    out.mkdir()
    (out / "img_0.json").write_text("mine")
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.No)
    assert not win.export("labelme", out)
    assert (out / "img_0.json").read_text() == "mine" and not (out / "img_1.json").exists()
    assert "1 JSON files" in asked[0] and "img_0.json" in asked[0]
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    assert win.export("labelme", out)
    assert json.loads((out / "img_0.json").read_text())["shapes"]
