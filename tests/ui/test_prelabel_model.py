"""The model in charge of pre-labelling, across sessions (issue 20 items 2, 3, 6): a run stopped
inside its first epoch is never the default; a finished run is, named on the Pre-label panel, and
still named after the window is closed and opened again, as is a model the user chose; the panel's
messages say what was predicted. Generated 64 px images (not real photos), tiny runs on CPU."""

from __future__ import annotations

import json
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PySide6.QtCore import QSettings

from annotator.model import RunRecord
from annotator.ui.main_window import MainWindow
from annotator.ui.recent import RecentProjects
from tests.tiny_training import TINY
from tests.ui.training_fixtures import make_project

RUN_TIMEOUT = 600_000  # ms; seconds on a quiet machine, minutes on a loaded 2-core one


@pytest.fixture
def windows(qtbot, tmp_path):
    opened = []

    def make(path=None) -> MainWindow:
        store = QSettings(str(tmp_path / f"settings{len(opened)}.ini"), QSettings.Format.IniFormat)
        w = MainWindow(recent=RecentProjects(store), autosave_delay_ms=100, training_design="thread")
        qtbot.addWidget(w, before_close_func=lambda w: (w.training.shutdown(), w.shutdown()))
        w.resize(1280, 800)
        w.show()
        qtbot.waitExposed(w)
        opened.append(w)
        if path is not None:
            assert w.open_path(path)
            qtbot.waitUntil(lambda: w.current_key is not None)
        return w

    yield make
    for w in opened:
        w.training.shutdown()
        w.shutdown()


def run_to_end(qtbot, ctl, values, stop_after_steps: int | None = None) -> None:
    steps = []
    ctl.event_received.connect(lambda ev: ev.kind == "step" and steps.append(ev))
    with qtbot.waitSignal(ctl.run_ended, timeout=RUN_TIMEOUT):
        assert ctl.train(values)
        if stop_after_steps is not None:
            qtbot.waitUntil(lambda: len(steps) >= stop_after_steps, timeout=RUN_TIMEOUT)
            ctl.stop()


def saved(qtbot, w) -> None:
    qtbot.waitUntil(lambda: not w.isWindowModified(), timeout=10_000)


def test_a_stopped_first_epoch_is_not_the_default_and_the_model_is_named_after_reopening(windows, qtbot, tmp_path):
    w = windows()
    project = make_project(tmp_path / "proj", n=10, unlabelled=2)  # 4 steps an epoch: a stop after 1 lands inside it
    w.set_project(project)
    qtbot.waitUntil(lambda: w.current_key is not None)
    ctl, panel = w.training, w.training.predict_panel
    assert panel.model_label.text().startswith("No model yet")
    assert "not ranked: no model" in panel.next_list.item(0).text()

    run_to_end(qtbot, ctl, dict(TINY, epochs=50), stop_after_steps=1)
    early = project.polymask.runs[-1]
    assert early.status == "stopped" and not early.epochs_done and early.last_checkpoint  # a last.pth exists
    assert ctl.predictions.checkpoint is None  # today's bug: predicting silently used this last.pth
    assert "1 run stopped before finishing an epoch" in panel.model_label.text()
    w.show_image(project.images[-1].key)
    assert not ctl.predict_current()
    assert "stopped before finishing an epoch" in panel.status.text()

    run_to_end(qtbot, ctl, dict(TINY, epochs=1))
    finished = project.polymask.runs[-1]
    assert finished.status == "finished" and finished.epochs_done == 1
    named = panel.model_label.text()
    assert named.startswith("Model (best run): run ") and f"· {finished.best_checkpoint.split('/')[-1]} ·" in named
    assert ctl.predictions.checkpoint == str(tmp_path / "proj" / finished.best_checkpoint)
    assert "click Predict unlabelled" in panel.next_list.item(0).text()
    saved(qtbot, w)
    w.close()

    again = windows(tmp_path / "proj" / "polymask.json")
    ctl2, panel2 = again.training, again.training.predict_panel
    assert panel2.model_label.text() == named  # the same model, named the same, in the next session
    assert ctl2.predictions.checkpoint == str(tmp_path / "proj" / finished.best_checkpoint)

    # predict every unlabelled image: the message says how many, of how many
    panel2.slider.setValue(100)  # nothing can score above 1: every list must explain itself
    with qtbot.waitSignal(ctl2.predictions.busy_changed, timeout=RUN_TIMEOUT, check_params_cb=lambda b: not b):
        assert ctl2.predict_unlabelled() == 2
    assert panel2.status.text() == "2 of 2 unlabelled images predicted (0 with an object at or above 1.00)."
    again.show_image(again.project.images[-1].key)
    (note,) = [panel2.instances.item(i).text() for i in range(panel2.instances.count())]
    assert note.startswith("No object at or above 1.00; best score") or note == "The model found nothing on this image."
    assert panel2.next_list.count() == 2 and panel2.next_list.item(0).data(256) in {
        im.key for im in again.project.images[-2:]
    }

    # the user picks the early run by hand in the Model… menu: stored in the project, named after reopening
    panel2.model_menu.aboutToShow.emit()
    actions = [a.text() for a in panel2.model_menu.actions() if a.text()]
    assert actions[0] == f"The best run (automatic): {ctl2.predicting.in_use.option.label()}"
    assert actions[-1] == "A checkpoint file…" and len(actions) == 4  # automatic, the two runs, a file
    (pick,) = [a for a in panel2.model_menu.actions() if "stopped before its first epoch ended" in a.text()]
    pick.trigger()
    assert panel2.status.text().startswith("Pre-labelling with run ")
    assert panel2.model_label.text().startswith("Model (chosen): run ")
    assert "stopped before its first epoch ended" in panel2.model_label.text()
    saved(qtbot, again)
    again.close()
    third = windows(tmp_path / "proj" / "polymask.json")
    assert third.project.polymask.prediction_model == early.last_checkpoint
    assert third.training.predict_panel.model_label.text() == panel2.model_label.text()


def fake_run(project, name: str, ap50: float, started: str):
    """A finished run's record and files (checkpoint bytes are never loaded: nothing predicts here)."""
    folder = project.path.parent / "runs" / name
    folder.mkdir(parents=True)
    (folder / "best.pth").write_bytes(b"x")
    (folder / "summary.json").write_text(
        json.dumps({"best_epoch": 3, "best_metrics": {"segm_AP": ap50 / 2, "bbox_AP": ap50 / 2, "segm_AP50": ap50}})
    )
    run = RunRecord(dir=f"runs/{name}", status="finished", started=started, epochs_done=3)
    run.best_checkpoint = run.last_checkpoint = f"runs/{name}/best.pth"
    project.polymask.runs.append(run)
    return folder / "best.pth"


def test_a_better_run_takes_over_unless_the_user_chose_a_model(windows, qtbot, tmp_path):
    w = windows()
    project = make_project(tmp_path / "proj", n=4, unlabelled=1)
    fake_run(project, "a", 0.2, "2026-12-04T10:00:00")
    w.set_project(project)
    qtbot.waitUntil(lambda: w.current_key is not None)
    ctl, panel = w.training.predicting, w.training.predict_panel
    assert panel.model_label.text() == "Model (best run): run 2026-12-04 10:00 · best.pth · mask AP50 20 %"
    b = fake_run(project, "b", 0.4, "2026-12-05T10:00:00")
    ctl.run_finished(str(b))
    assert panel.model_label.text() == "Model (best run): run 2026-12-05 10:00 · best.pth · mask AP50 40 %"
    assert panel.status.text() == "Pre-labelling now uses run 2026-12-05 10:00 · best.pth · mask AP50 40 %."
    worse = fake_run(project, "c", 0.1, "2026-12-06T10:00:00")
    ctl.run_finished(str(worse))  # a worse run does not take over
    assert "2026-12-05 10:00" in panel.model_label.text()
    assert panel.status.text().startswith("Pre-labelling keeps run 2026-12-05 10:00")
    ctl.use_checkpoint(project.path.parent / "runs" / "a" / "best.pth")  # the user's choice is saved
    saved(qtbot, w)
    stored = json.loads(project.path.read_text())["_polymask"]["prediction_model"]
    assert stored == "runs/a/best.pth"
    ctl.run_finished(str(fake_run(project, "d", 0.9, "2026-12-07T10:00:00")))  # better, but the user chose
    assert panel.model_label.text().startswith("Model (chosen): run 2026-12-04 10:00")
    assert "pick the new run with Model… to use it" in panel.status.text()
