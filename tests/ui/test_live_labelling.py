""" "Learn as I label" in the window (issue 22), on generated images: the toggle starts the trainer
once enough images are done and stops it leaving no child; Done & next (Ctrl+Enter); the image
that opens is pre-labelled with the newest checkpoint; the quality curve from a known pre-label
and a known edit."""

from __future__ import annotations

import queue

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest

from annotator.model import Polygon, SetShape
from annotator.ui.actions import shortcut_rows
from annotator.ui.main_window import MainWindow
from annotator.ui.recent import RecentProjects
from tests.process_tree import HAS_PROC, descendants
from tests.tiny_training import TINY
from tests.ui.training_fixtures import make_project, open_project
from trainer.events import CheckpointSaved, Finished, Started
from trainer.live.events import LivePrediction, LiveSettings

CHILD_TIMEOUT = 180_000  # ms: the real child imports torch and trains a step on a busy 2-core machine


def square(x0, y0, x1, y1, score=0.9):
    """One object of a pre-label as the trainer child sends it."""
    return {
        "class_name": "square",
        "score": score,
        "box": [x0, y0, x1, y1],
        "polygons": [[x0, y0, x1, y0, x1, y1, x0, y1]],
    }


class FakeChild:
    """A live trainer child whose events the test sends (LiveSession's `child`)."""

    made: list[FakeChild] = []

    def __init__(self, config, settings):
        self.config, self.sent, self.out = config, [], queue.Queue()
        self.step = 0  # the step whose weights a pre-label comes from
        self.found: list[dict] = []  # what a pre-label finds
        FakeChild.made.append(self)

    def events(self, stop):
        yield Started(self.config.out, "cpu", "fast", 1, 0, ["square", "disc"], 1, 0)
        while not stop.is_set():
            try:
                yield self.out.get(timeout=0.02)
            except queue.Empty:
                pass
        yield Finished(self.config.out, None, None, stopped=True)

    def put(self, image, annotations, path=None):
        self.sent.append(("put", image["id"]))

    def remove(self, image_id):
        self.sent.append(("remove", image_id))

    def predict(self, key, path, score=0.05, tolerance=None):
        self.sent.append(("predict", key, path))
        self.out.put(LivePrediction(key, self.step, list(self.found)))

    def kill(self):
        pass


@pytest.fixture
def window(qtbot, tmp_path):
    store = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    w = MainWindow(recent=RecentProjects(store), autosave_delay_ms=100)
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.shutdown()


def ctrl_enter(w):
    w.canvas.setFocus()
    QTest.keyClick(w.canvas, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)


def test_done_and_next_is_ctrl_enter_marks_done_and_opens_the_next_image_to_do(window, qtbot, tmp_path):
    project = open_project(window, qtbot, tmp_path, n=3, unlabelled=1)
    keys = [im.key for im in project.images]
    project.images[1].done = True
    rows = dict(r for _, rs in shortcut_rows(window) for r in rs)
    assert rows.get("Done and next image") == "Ctrl+Return, Ctrl+Enter", "listed in F1, no clash"
    assert window.live.state_text() == "off" and not window.live.status_label.isVisible()
    ctrl_enter(window)
    assert project.images[0].done and window.current_key == keys[2], "done, then the next image to do"
    ctrl_enter(window)
    assert project.images[2].done and window.current_key == keys[3]
    ctrl_enter(window)
    assert all(im.done for im in project.images) and window.current_key == keys[3], "nothing left to do: stays"
    assert window.status.currentMessage() == "Every image is done."


@pytest.mark.slow  # the live trainer process through the window: ~10 s
def test_the_toggle_starts_the_trainer_after_five_done_images_and_stopping_leaves_no_child(window, qtbot, tmp_path):
    project = open_project(window, qtbot, tmp_path, n=6, unlabelled=1)
    live = window.live
    window.training.overrides = dict(TINY)
    live.settings = LiveSettings(val_every=0, checkpoint_every_s=1.0, threads=1, nice=0)
    before = descendants() if HAS_PROC else set()
    live.panel.check.click()  # the Pre-label panel's toggle, the Model menu's action follows
    assert live.toggle.isChecked() and live.status_label.isVisible()
    assert live.state_text() == "needs 5 more labelled images"
    for n in range(4):
        ctrl_enter(window)
        need = f"needs {4 - n} more labelled image" + "s" * (n != 3)
        qtbot.waitUntil(lambda need=need: live.status_label.text() == f"Learn as I label: {need}")
    assert live.session is not None and live.session.child is None
    ctrl_enter(window)
    qtbot.waitUntil(lambda: "Learn as I label: learning · step" in live.status_label.text(), timeout=CHILD_TIMEOUT)
    assert live.panel.state.text().startswith("learning · step")
    assert sum(im.done for im in project.images) == 5
    run = live.recorder.record if live.recorder is not None else None
    assert run is not None and run in project.polymask.runs and "live-fast" in (run.dir or "")
    ctrl_enter(window)  # the sixth reaches the running trainer's set
    qtbot.waitUntil(lambda: live.session is not None and len(live.session.done_images) == 6)
    session = live.session
    live.toggle.trigger()  # off, from the Model menu
    assert not live.panel.check.isChecked()
    qtbot.waitUntil(lambda: live.state_text() == "stopped", timeout=60_000)
    assert session is not None and session.child is not None
    qtbot.waitUntil(lambda: not session.running, timeout=30_000)  # its supervisor has reaped the child
    assert session.child.proc is not None and session.child.proc.poll() is not None, "the child has exited"
    if HAS_PROC:
        assert descendants() - before == set(), "no process is left behind"
    assert run.status == "stopped" and run.last_checkpoint, "the live run is listed with its checkpoint"


def start_with_a_fake_trainer(window, qtbot):
    """Learn as I label on, from the first done image, with FakeChild as the trainer: image 0 is
    marked done (Done & next) and the session's child is running; returns the live controller."""
    live = window.live
    live.min_images = 1
    live.child_factory = FakeChild
    live.toggle.trigger()
    ctrl_enter(window)
    qtbot.waitUntil(
        lambda: bool(FakeChild.made) and live.session is not None and live.session.child is FakeChild.made[-1]
    )
    return live


def test_the_image_that_opens_is_prelabelled_by_the_trainer_with_its_newest_weights(window, qtbot, tmp_path):
    project = open_project(window, qtbot, tmp_path, n=1, unlabelled=4)
    live = start_with_a_fake_trainer(window, qtbot)  # image 0 done: the (fake) trainer starts
    child = FakeChild.made[-1]
    shown = window.current_key
    assert not [m for m in child.sent if m[0] == "predict"], "nothing trained yet: no pre-label asked"
    child.step, child.found = 3, [square(2, 2, 20, 20)]
    first = tmp_path / "a.pth"
    first.write_bytes(b"1")
    child.out.put(CheckpointSaved(str(first), 3))
    qtbot.waitUntil(lambda: live.prelabelled_with.get(shown) == 3)
    assert ("predict", shown, str(project.image_path(project.image(shown)).resolve())) in child.sent
    assert window.training.predictions.results[shown], "shown as predictions to accept"
    assert window.training.predict_panel.accept_all_button.isEnabled()
    assert window.training.predictions.checkpoint == str(first), "the live run is the model in use"
    assert project.polymask.prediction_model is None, "for this session only: not stored as the user's choice"
    assert "learning now" in window.training.predict_panel.model_label.text()
    window.training.predictions._predictors[str(first)] = "the model of step 3"
    child.out.put(CheckpointSaved(str(first), 5))  # rewritten: Predict must not keep the old model
    qtbot.waitUntil(lambda: str(first) not in window.training.predictions._predictors)
    child.step = 7
    ctrl_enter(window)
    nxt = window.current_key
    qtbot.waitUntil(lambda: live.prelabelled_with.get(nxt) == 7)
    assert [m[1] for m in child.sent if m[0] == "predict"] == [shown, nxt], "each image asked for once, on open"
    assert window.training.predictions.results[shown], "earlier pre-labels are kept"


def test_the_quality_curve_from_a_known_prelabel_and_a_known_edit(window, qtbot, tmp_path):
    project = open_project(window, qtbot, tmp_path, n=1, unlabelled=3)
    live = start_with_a_fake_trainer(window, qtbot)  # image 0 done: the (fake) trainer starts
    ckpt = tmp_path / "c.pth"
    ckpt.write_bytes(b"1")
    FakeChild.made[-1].found = [square(0, 0, 20, 20)]
    FakeChild.made[-1].out.put(CheckpointSaved(str(ckpt), 1))
    key = window.current_key
    qtbot.waitUntil(lambda: key in live.prelabelled_with)
    assert window.training.accept() == 1
    region = project.image(key).regions[0]
    moved = Polygon(tuple(x + 10 for x in region.shape.xs), region.shape.ys)  # the user moves it half its width
    window.push(SetShape(key, region.id, region.shape, moved))
    ctrl_enter(window)
    qtbot.waitUntil(lambda: len(live.session.quality) == 2)
    first, q = live.session.quality
    assert not first.prelabelled, "the first image had no model yet"
    assert q.prelabelled and q.iou == pytest.approx(1 / 3, abs=1e-3), "20x20 moved by 10: overlap 200 of 600"
    assert q.seconds is not None and q.seconds > 0
    qtbot.waitUntil(lambda: len(live.panel.curves["iou"].getData()[0] or []) == 1)
    xs, ys = live.panel.curves["iou"].getData()
    assert list(xs) == [2.0] and ys[0] == pytest.approx(1 / 3, abs=1e-3)
    assert live.panel.summary.startswith("IoU 0.33 (last 1)") and live.panel.plot.isVisible()

    # learning off, the project opened again (as after closing the window): the curve is read back
    session = live.session
    live.toggle.trigger()
    qtbot.waitUntil(lambda: not session.running)
    live.panel.show_quality([])
    assert not live.panel.summary and not live.panel.plot.isVisible()
    window.set_project(project)
    assert live.panel.summary.startswith(f"Last session ({session.out.name}): IoU 0.33 (last 1)")
    assert list(live.panel.curves["iou"].getData()[0]) == [2.0] and live.panel.plot.isVisible()


def test_opening_another_project_stops_learning(window, qtbot, tmp_path):
    open_project(window, qtbot, tmp_path, n=2, unlabelled=1)
    live = start_with_a_fake_trainer(window, qtbot)  # image 0 done: the (fake) trainer starts
    session = live.session
    window.set_project(make_project(tmp_path / "other", n=1, unlabelled=1))
    assert not live.toggle.isChecked() and live.session is None
    qtbot.waitUntil(lambda: live.state_text() == "stopped: the project changed")
    qtbot.waitUntil(lambda: not session.running)
