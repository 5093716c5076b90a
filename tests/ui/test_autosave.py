"""Work is never lost silently: autosave during continuous editing, failing saves,
closing with changes that cannot be saved, and two writers on one project file.
Everything goes through the real window."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QFileDialog, QMessageBox

from annotator import io as pio
from annotator.io import native
from annotator.model import AddRegions, Rect, Region


@pytest.fixture
def folder(tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    for i in range(4):
        Image.new("RGB", (96, 72), (50 * i, 90, 140)).save(folder / f"img_{i}.png")
    return folder


def add_rect(w, index=0, x=10.0) -> None:
    w.push(AddRegions(w.project.images[index].key, [Region(Rect(x, 5, 20, 15))]))


def regions_on_disk(path) -> list[int]:
    return [len(im.regions) for im in pio.open_path(path).project.images]


def fail_saving_to(monkeypatch, path) -> None:
    """Saves to `path` fail as on a full disk; other files are written."""
    real = native.save_project

    def save_project(project, to=None):
        if Path(to or project.path) == Path(path):
            raise OSError(28, "No space left on device")
        return real(project, to)

    monkeypatch.setattr(native, "save_project", save_project)


# ---- 9.4: a maximum wait --------------------------------------------------------------------
def test_continuous_editing_is_saved_within_a_few_seconds(make_window, folder, qtbot):
    w = make_window(folder, delay=1200, wait="saved")  # the app's debounce
    edits = QTimer(interval=300)  # faster than the debounce: it restarts on every edit
    edits.timeout.connect(lambda: add_rect(w, 0, x=len(w.project.images[0].regions)))
    edits.start()
    try:
        with qtbot.waitSignal(w.autosave.saved, timeout=4000) as saved:
            pass
        assert edits.isActive() and len(w.project.images[0].regions) < 14  # still editing, under 4 s
    finally:
        edits.stop()
    assert saved.args[0] == str(w.project.path)
    assert regions_on_disk(w.project.path)[0] >= 1


# ---- 9.5: a failing save is loud, closing asks -------------------------------------------------
def test_a_failing_save_shows_a_bar_that_offers_save_as(make_window, folder, qtbot, monkeypatch, tmp_path):
    w = make_window(folder, wait="saved")
    path = w.project.path
    fail_saving_to(monkeypatch, path)
    add_rect(w, 1)
    qtbot.waitUntil(lambda: w.save_guard.bar.isVisible())
    bar = w.save_guard.bar
    assert "No space left on device" in bar.text() and str(path) in bar.text()
    assert bar.save_as_button.isVisible() and bar.geometry().top() == 0 and bar.width() == w.canvas.width()
    add_rect(w, 2)  # later failures keep it up
    with qtbot.waitSignal(w.autosave.failed, timeout=3000):
        pass
    assert bar.isVisible() and w.isWindowModified()

    other = tmp_path / "elsewhere" / "mine.json"
    other.parent.mkdir()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(other), ""))
    bar.save_as_button.click()
    assert not bar.isVisible() and not w.isWindowModified()
    assert w.project.path == other
    assert regions_on_disk(other) == [0, 1, 1, 0]
    assert regions_on_disk(path) == [0, 0, 0, 0]
    add_rect(w, 3)  # autosave goes on in the new file
    qtbot.waitUntil(lambda: regions_on_disk(other) == [0, 1, 1, 1])


def answer_close(w, qtbot, answer):
    """Close the window; answer the question with the button `answer` picks from the box."""
    asked = []

    def click():
        box = w.save_guard.close_box
        asked.append(box.text() + "\n" + box.informativeText())
        answer(box).click()

    QTimer.singleShot(0, click)
    closed = w.close()
    qtbot.waitUntil(lambda: bool(asked))  # the question was asked
    return closed, asked[0]


def button(text):
    return lambda box: next(b for b in box.buttons() if b.text().replace("&", "") == text)


def test_closing_with_changes_that_cannot_be_saved_asks(make_window, folder, qtbot, monkeypatch, tmp_path):
    w = make_window(folder, delay=60_000, wait="saved")
    path = w.project.path
    fail_saving_to(monkeypatch, path)
    add_rect(w, 0)

    closed, question = answer_close(w, qtbot, button("Cancel"))
    assert not closed and w.isVisible() and w.isWindowModified()
    assert "not saved" in question and "No space left on device" in question

    other = tmp_path / "rescued.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(other), ""))
    closed, _ = answer_close(w, qtbot, button("Save as…"))
    assert closed and not w.isVisible()
    assert regions_on_disk(other) == [1, 0, 0, 0]


def test_discard_closes_without_writing(make_window, folder, qtbot, monkeypatch):
    w = make_window(folder, delay=60_000, wait="saved")
    path = w.project.path
    fail_saving_to(monkeypatch, path)
    add_rect(w, 0)
    closed, _ = answer_close(w, qtbot, lambda box: box.button(QMessageBox.StandardButton.Discard))
    assert closed and not w.isVisible()
    monkeypatch.undo()
    assert regions_on_disk(path) == [0, 0, 0, 0]


def test_opening_another_project_keeps_changes_that_could_not_be_saved(
    make_window, folder, qtbot, monkeypatch, tmp_path
):
    w = make_window(folder, delay=60_000, wait="saved")
    path = w.project.path
    fail_saving_to(monkeypatch, path)
    add_rect(w, 2)
    second = tmp_path / "second"
    second.mkdir()
    Image.new("RGB", (32, 32)).save(second / "a.png")
    with qtbot.waitSignal(w.autosave.rescued) as rescued:
        assert w.open_path(second)
    copy = Path(rescued.args[0])
    assert copy.parent == folder and copy.name.startswith("polymask.unsaved-")
    assert regions_on_disk(copy) == [0, 0, 1, 0]
    assert copy.name in w.status.currentMessage()


# ---- 9.6: two writers -------------------------------------------------------------------------
@pytest.fixture
def two_windows(make_window, folder, qtbot):
    a = make_window(folder, wait="saved")
    b = make_window(folder, wait="saved")
    assert b.project.path == a.project.path
    return a, b


def conflict_in(w, qtbot):
    qtbot.waitUntil(lambda: w.save_guard.dialog is not None and w.save_guard.dialog.isVisible(), timeout=5000)
    return w.save_guard.dialog


def test_a_second_window_does_not_overwrite_the_first_and_merges(two_windows, qtbot):
    a, b = two_windows
    path = a.project.path
    add_rect(a, 0)
    qtbot.waitUntil(lambda: regions_on_disk(path) == [1, 0, 0, 0])
    add_rect(b, 2)
    dialog = conflict_in(b, qtbot)
    assert regions_on_disk(path) == [1, 0, 0, 0]  # not overwritten
    assert b.save_guard.bar.isVisible() and "changed by another" in b.save_guard.bar.text()
    add_rect(b, 3)  # autosave stays paused while the question is open
    assert not b.autosave.flush()
    assert regions_on_disk(path) == [1, 0, 0, 0] and b.isWindowModified()
    assert dialog.merge_button.isEnabled()
    dialog.merge_button.click()
    qtbot.waitUntil(lambda: regions_on_disk(path) == [1, 0, 1, 1])
    qtbot.waitUntil(lambda: not b.isWindowModified())
    assert [len(im.regions) for im in b.project.images] == [1, 0, 1, 1]
    assert not b.save_guard.bar.isVisible()
    b.doc.push(AddRegions(b.project.images[1].key, [Region(Rect(1, 1, 5, 5))]))  # saving goes on
    qtbot.waitUntil(lambda: regions_on_disk(path) == [1, 1, 1, 1])


def test_same_image_changed_in_both_cannot_merge_keep_mine_keeps_theirs_in_a_copy(two_windows, qtbot):
    a, b = two_windows
    path = a.project.path
    add_rect(a, 1, x=3)
    qtbot.waitUntil(lambda: regions_on_disk(path) == [0, 1, 0, 0])
    add_rect(b, 1, x=7)
    dialog = conflict_in(b, qtbot)
    assert not dialog.merge_button.isEnabled() and "img_1.png" in dialog.merge_label.text()
    dialog.keep_button.click()
    qtbot.waitUntil(lambda: not b.isWindowModified())
    mine = pio.open_path(path).project.images[1].regions
    assert [r.shape.x for r in mine] == [7]
    copies = list(path.parent.glob("polymask.theirs-*.json"))
    assert len(copies) == 1
    assert [r.shape.x for r in pio.open_path(copies[0]).project.images[1].regions] == [3]


def test_reload_theirs_keeps_mine_in_a_copy(two_windows, qtbot):
    a, b = two_windows
    path = a.project.path
    add_rect(a, 0)
    qtbot.waitUntil(lambda: regions_on_disk(path) == [1, 0, 0, 0])
    add_rect(b, 3)
    conflict_in(b, qtbot).later_button.click()  # decide later: the bar stays and can reopen the question
    assert not b.save_guard.dialog.isVisible() and b.save_guard.bar.resolve_button.isVisible()
    b.save_guard.bar.resolve_button.click()
    conflict_in(b, qtbot).reload_button.click()
    assert [len(im.regions) for im in b.project.images] == [1, 0, 0, 0]
    assert not b.isWindowModified() and not b.save_guard.bar.isVisible()
    copies = list(path.parent.glob("polymask.mine-*.json"))
    assert len(copies) == 1 and regions_on_disk(copies[0]) == [0, 0, 0, 1]


def test_another_program_writing_the_file_is_noticed(make_window, folder, qtbot):
    w = make_window(folder, wait="saved")
    path = w.project.path
    other = pio.open_path(path).project
    other.images[0].done = True
    native.save_project(other)  # e.g. `polymask convert`, or a script
    add_rect(w, 1)
    conflict_in(w, qtbot)
    assert pio.open_path(path).project.images[0].done and regions_on_disk(path) == [0, 0, 0, 0]
    w.save_guard.dialog.merge_button.click()
    qtbot.waitUntil(lambda: regions_on_disk(path) == [0, 1, 0, 0])
    assert pio.open_path(path).project.images[0].done


# ---- issue 23: reloading a broken file, symlinked project files -------------------------------
def test_reload_of_a_truncated_file_names_it_and_keeps_the_window_modified(make_window, folder, qtbot):
    w = make_window(folder, wait="saved")
    path = w.project.path
    add_rect(w, 0)
    qtbot.waitUntil(lambda: regions_on_disk(path) == [1, 0, 0, 0] and not w.isWindowModified())
    path.write_bytes(b"")  # truncated by another program
    add_rect(w, 1)
    qtbot.waitUntil(lambda: w.save_guard.dialog is not None and w.save_guard.dialog.isVisible(), timeout=5000)
    w.save_guard.dialog.reload_button.click()
    error = w.last_error
    assert error is not None
    said = error.text() + " " + error.informativeText() + " " + error.detailedText()
    assert str(path) in said and "empty" in said, said
    assert w.isWindowModified() and w.autosave.is_modified()
    assert [len(im.regions) for im in w.project.images] == [1, 1, 0, 0]  # the window's data, still here
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
    qtbot.waitUntil(lambda: regions_on_disk(target) == [0, 0, 1, 0])
    assert link.is_symlink() and link.resolve() == target
