"""Reloading a project file that is broken on disk, and project files that are symlinks
(issue 23, items 4 and 5). Through the real window."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PIL import Image

from annotator import io as pio
from annotator.model import AddRegions, Rect, Region


@pytest.fixture
def folder(tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    for i in range(3):
        Image.new("RGB", (96, 72), (50 * i, 90, 140)).save(folder / f"img_{i}.png")
    return folder


def add_rect(w, index=0, x=10.0) -> None:
    w.push(AddRegions(w.project.images[index].key, [Region(Rect(x, 5, 20, 15))]))


def regions_on_disk(path) -> list[int]:
    return [len(im.regions) for im in pio.open_path(path).project.images]


def test_reload_of_a_truncated_file_names_it_and_keeps_the_window_modified(make_window, folder, qtbot):
    w = make_window(folder, wait="saved")
    path = w.project.path
    add_rect(w, 0)
    qtbot.waitUntil(lambda: regions_on_disk(path) == [1, 0, 0] and not w.isWindowModified())
    path.write_bytes(b"")  # truncated by another program
    add_rect(w, 1)
    qtbot.waitUntil(lambda: w.save_guard.dialog is not None and w.save_guard.dialog.isVisible(), timeout=5000)
    w.save_guard.dialog.reload_button.click()
    error = w.last_error
    assert error is not None
    said = error.text() + " " + error.informativeText() + " " + error.detailedText()
    assert str(path) in said and "empty" in said, said
    assert w.isWindowModified() and w.autosave.is_modified()
    assert [len(im.regions) for im in w.project.images] == [1, 1, 0]  # the window's data, still here
    bar = w.save_guard.bar
    assert bar.isVisible() and bar.save_as_button.isVisible() and str(path) in bar.text()
    assert path.read_bytes() == b""  # nothing written over it unasked


def test_a_symlinked_project_file_says_so_in_the_title_and_saves_to_its_target(make_window, folder, qtbot, tmp_path):
    first = make_window(folder, wait="saved")
    target = first.project.path
    first.shutdown()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    link = elsewhere / "polymask.json"
    link.symlink_to(target)
    w = make_window(link)
    assert w.project.path == target
    assert "link" in w.windowTitle() and str(link) in w.windowTitle() and str(target) in w.windowTitle()
    add_rect(w, 2)
    qtbot.waitUntil(lambda: regions_on_disk(target) == [0, 0, 1])
    assert link.is_symlink() and link.resolve() == target
