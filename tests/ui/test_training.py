"""Click-to-train driven from the window: pre-flight, a tiny run with live curves, progress
and previews, stop, closing mid-run, a failing run, predict + accept + undo. Runs are tiny
(64 px images, 1-2 epochs) so each takes seconds; waits are on signals, never sleeps."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox

from annotator.model import AddRegions, Polygon, Region
from annotator.ui.main_window import MainWindow
from annotator.ui.recent import RecentProjects
from tests.tiny_training import TINY
from tests.ui.training_fixtures import open_project

RUN_TIMEOUT = 240_000  # ms; a tiny run takes ~10-30 s on a busy 2-core machine


@pytest.fixture
def window(qtbot, tmp_path, request):
    store = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    w = MainWindow(
        recent=RecentProjects(store), autosave_delay_ms=100, training_design=getattr(request, "param", "thread")
    )
    qtbot.addWidget(w)
    w.resize(1280, 860)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.training.shutdown()
    w.shutdown()


def wait_run(qtbot, ctl, timeout=RUN_TIMEOUT):
    if ctl.is_running():
        with qtbot.waitSignal(ctl.run_ended, timeout=timeout):
            pass
    assert not ctl.is_running()


@dataclass
class FakeInstance:
    polygons: list
    score: float
    class_name: str
    box: tuple = (0, 0, 1, 1)
    label: int = 1
    mask: np.ndarray | None = None


# ---- the window -----------------------------------------------------------------------------
def test_window_gets_model_menu_and_preflight_blocks(window, qtbot, tmp_path):
    ctl = window.training
    titles = [a.text().replace("&", "") for a in window.menuBar().actions()]
    assert "Model" in titles and titles.index("Model") < titles.index("Help")
    assert ctl.actions["train"].shortcut().toString() == "Ctrl+T"
    assert ctl.actions["predict"].shortcut().toString() == "Ctrl+P"
    project = open_project(window, qtbot, tmp_path, n=2)
    for im in project.images:
        im.regions.clear()
    assert ctl.train(TINY) is False
    assert not ctl.is_running()
    assert isinstance(window.last_error, QMessageBox) and "no annotations" in window.last_error.informativeText()
    assert ctl.panel.preflight.isVisible()


def test_data_notes_show_in_the_preflight_list_without_blocking(window, qtbot, tmp_path):
    ctl = window.training
    open_project(window, qtbot, tmp_path, n=6)  # three squares, three discs
    ctl.actions["train"].trigger()
    text = ctl.panel.preflight.text()
    assert ctl.panel.preflight.isVisible() and "Notes:" in text and "fewer than 5 objects" in text
    assert "Fix before training" not in text


@pytest.mark.parametrize("window", ["process", "thread"], indirect=True)
def test_training_shows_curves_progress_previews_and_records_the_run(window, qtbot, tmp_path):
    ctl = window.training
    project = open_project(window, qtbot, tmp_path)
    seen = []
    ctl.event_received.connect(lambda ev: seen.append(ev.kind))
    ctl.panel.set_values(**TINY)
    ctl.overrides = {k: v for k, v in TINY.items() if k.startswith(("rpn_", "box_batch"))}
    assert ctl.panel.values()["weights"] == "none" and ctl.panel.values()["min_size"] == 64
    with qtbot.waitSignal(ctl.run_started, timeout=5000):
        ctl.actions["train"].trigger()  # shows the panel
        ctl.panel.train_button.click()
    assert ctl.is_running() and not ctl.panel.train_button.isEnabled()
    assert ctl.train(TINY) is False  # one run at a time
    # annotating keeps working while training runs
    n = len(project.images[0].regions)
    window.push(
        AddRegions(
            project.images[0].key,
            [Region(shape=Polygon.from_points([(1, 1), (5, 1), (5, 5)]), attributes={"class": "square"})],
        )
    )
    assert len(project.images[0].regions) == n + 1
    window.doc.undo()
    wait_run(qtbot, ctl)
    assert ctl.terminal is not None and ctl.terminal.kind == "finished", ctl.errors
    assert seen[0] in ("started", "warning") and "step" in seen and "epoch" in seen and seen[-1] == "finished"
    plots = ctl.plots
    qtbot.waitUntil(lambda: plots.redraws > 0)
    assert plots.point_count() == seen.count("step") > 0
    assert len(plots.smooth_curves["total"].getData()[0]) == plots.point_count()
    assert "finished" in ctl.progress.bar.format()
    assert ctl.gallery.epoch == 1 and len(ctl.gallery.cells) == 2  # prediction overlay + ground truth per image
    runs = project.polymask.runs
    assert len(runs) == 1 and runs[0].status == "finished" and runs[0].model == "fast"
    run_dir = tmp_path / "proj" / runs[0].dir
    assert (
        run_dir.parent.name == "runs" and (run_dir / "config.json").is_file() and (run_dir / "metrics.jsonl").is_file()
    )
    assert (tmp_path / "proj" / runs[0].last_checkpoint).is_file()
    assert ctl.runs_panel.tree.topLevelItemCount() == 1
    assert ctl.predictions.checkpoint is not None  # the new model is used for prediction
    qtbot.waitUntil(lambda: not window.isWindowModified(), timeout=10000)  # the run list was saved
    # predict the current image with the real model, in the background
    with qtbot.waitSignal(ctl.predictions.predicted, timeout=60000) as sig:
        assert ctl.predict_current()
    assert sig.args == [window.current_key]
    assert isinstance(ctl.predictions.results[window.current_key], list)
    # predict the unlabelled ones, then jump to the most uncertain
    unlabelled = ctl.unlabelled_keys()
    assert len(unlabelled) == 2 and window.current_key not in unlabelled
    assert ctl.predict_unlabelled() == 2
    qtbot.waitUntil(
        lambda: all(k in ctl.predictions.results for k in unlabelled) and not ctl.predictions.busy(), timeout=60000
    )
    assert ctl.predict_panel.next_list.count() == 2
    key = ctl.next_uncertain()
    assert key in ctl.unlabelled_keys() and window.current_key == key


def test_accept_predictions_adds_polygons_in_one_undo_step(window, qtbot, tmp_path):
    ctl = window.training
    project = open_project(window, qtbot, tmp_path)
    key = project.images[-1].key  # unlabelled
    window.show_image(key)
    mask = np.zeros((64, 64), bool)
    mask[10:30, 10:30] = True
    instances = [
        FakeInstance([[10, 10, 30, 10, 30, 30, 10, 30]], 0.9, "square", (10, 10, 30, 30), mask=mask),
        FakeInstance([[40, 40, 60, 40, 50, 60]], 0.7, "triangle", (40, 40, 60, 60)),
        FakeInstance([[2, 2, 8, 2, 8, 8]], 0.2, "disc", (2, 2, 8, 8)),
    ]
    ctl.predictions.set_results(key, instances)
    layer = window.canvas._predictions
    assert layer is not None and layer.isVisible() and len(layer.instances) == 2  # 0.2 < default 0.5
    assert len(ctl.predict_panel.listed()) == 2
    assert ctl.predict_panel.instances.item(2).text() == "Not listed: 1 below 0.50."
    ctl.predict_panel.slider.setValue(10)  # the overlay follows the slider at once
    assert len(layer.instances) == 3
    ctl.predict_panel.slider.setValue(50)
    assert len(layer.instances) == 2
    assert project.images[-1].regions == []  # predictions are not in the project
    before_classes = list(project.region_attributes["class"].options)
    ctl.accept()
    regions = project.images[-1].regions
    assert [project.class_of(r) for r in regions] == ["square", "triangle"]
    assert isinstance(regions[0].shape, Polygon) and regions[0].shape.xs == (10, 30, 30, 10)
    assert "triangle" in project.region_attributes["class"].options
    assert not layer.isVisible()  # accepted predictions leave the overlay
    window.doc.undo()  # ONE step removes them all
    assert project.images[-1].regions == []
    assert list(project.region_attributes["class"].options) == before_classes
    window.doc.redo()
    assert len(project.images[-1].regions) == 2
    # accept one: the selected row only
    ctl.predictions.set_results(
        key, [FakeInstance([[1, 1, 9, 1, 9, 9]], 0.8, "disc"), FakeInstance([[20, 20, 29, 20, 29, 29]], 0.9, "square")]
    )
    ctl.predict_panel.instances.item(1).setSelected(True)
    ctl.predict_panel.accept_button.click()
    assert [project.class_of(r) for r in project.images[-1].regions][-1] == "square"
    assert len(project.images[-1].regions) == 3 and len(ctl.predictions.visible(key)) == 1
    # switching images clears the overlay; coming back shows it again
    window.show_image(project.images[0].key)
    assert not layer.isVisible()
    window.show_image(key)
    assert layer.isVisible() and len(layer.instances) == 1


def test_stop_keeps_the_checkpoint(window, qtbot, tmp_path):
    ctl = window.training
    project = open_project(window, qtbot, tmp_path)
    steps = []
    ctl.event_received.connect(lambda ev: ev.kind == "step" and steps.append(ev))
    assert ctl.train(dict(TINY, epochs=50))
    qtbot.waitUntil(lambda: len(steps) >= 1, timeout=RUN_TIMEOUT)
    assert ctl.actions["stop"].isEnabled()
    ctl.actions["stop"].trigger()
    wait_run(qtbot, ctl, 60000)
    assert ctl.terminal.kind == "finished" and ctl.terminal.stopped
    assert len(steps) < 50 * 3
    run = project.polymask.runs[-1]
    assert run.status == "stopped" and (tmp_path / "proj" / run.last_checkpoint).is_file()
    assert ctl.actions["train"].isEnabled() and not ctl.actions["stop"].isEnabled()


def test_failing_run_shows_its_error_and_the_window_stays_usable(window, qtbot, tmp_path):
    ctl = window.training
    project = open_project(window, qtbot, tmp_path)
    assert ctl.train(dict(TINY, box_score_thresh=3.0))  # the trainer refuses it
    wait_run(qtbot, ctl, 60000)
    assert ctl.terminal.kind == "failed" and "box_score_thresh" in ctl.terminal.reason
    assert window.last_error is not None and window.last_error.isVisible()
    assert "box_score_thresh" in window.last_error.text()
    assert project.polymask.runs[-1].status == "failed"
    window.last_error.close()
    window.step(1)  # still usable
    assert window.current_key == project.images[1].key
    assert ctl.actions["train"].isEnabled()


def test_window_opens_without_torch_or_pyqtgraph(tmp_path):
    import os
    import subprocess
    import sys

    code = (
        "import os, sys; os.environ['QT_QPA_PLATFORM'] = 'offscreen';"
        "from PySide6.QtWidgets import QApplication; app = QApplication([]);"
        "from annotator.ui.main_window import MainWindow;"
        "w = MainWindow(); c = w.training; w.show(); app.processEvents();"
        "bad = [m for m in ('torch', 'torchvision', 'pyqtgraph') if m in sys.modules]; assert not bad, bad;"
        "c.shutdown(); w.shutdown()"
    )
    # A fresh home: the user's saved layout may show the curves dock, which loads pyqtgraph.
    env = dict(os.environ, HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path / "config"))
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[2], env=env)


def test_out_of_memory_is_a_readable_dialog(window, qtbot, tmp_path, monkeypatch):
    import torch

    import trainer.run.engine

    def oom(config, stop):
        raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        yield  # a generator, like the real one

    monkeypatch.setattr(trainer.run.engine, "_fit", oom)
    ctl = window.training
    open_project(window, qtbot, tmp_path, n=2)
    assert ctl.train(TINY)
    wait_run(qtbot, ctl, 60000)
    assert ctl.terminal.kind == "failed"
    assert window.last_error.isVisible() and "ran out of memory" in window.last_error.text()
    assert "batch size" in window.last_error.text()  # says what to do
    assert ctl.actions["train"].isEnabled()


@pytest.mark.parametrize("design", ["process"])
def test_closing_the_window_mid_training_stops_and_waits(qtbot, tmp_path, design):
    store = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    w = MainWindow(recent=RecentProjects(store), autosave_delay_ms=100, training_design=design)
    ctl = w.training
    qtbot.addWidget(w)
    w.show()
    project = open_project(w, qtbot, tmp_path)
    saved = []
    ctl.event_received.connect(lambda ev: ev.kind == "checkpoint" and saved.append(ev))
    assert ctl.train(dict(TINY, epochs=50))
    # Close once a checkpoint is on disk (an event, not a time): whether the run answers the stop
    # within the window's shutdown bound or is ended at it on a busy machine, that checkpoint is kept.
    qtbot.waitUntil(lambda: bool(saved), timeout=RUN_TIMEOUT)
    w.close()
    assert not ctl.is_running()
    assert ctl.runner._thread.isFinished()
    assert ctl.terminal is not None and ctl.terminal.kind == "finished" and ctl.terminal.stopped
    run = project.polymask.runs[-1]
    assert run.status == "stopped" and Path(tmp_path / "proj" / run.last_checkpoint).is_file()
    from annotator import io as pio

    saved = pio.open_path(tmp_path / "proj" / "polymask.json").project
    assert saved.polymask.runs[-1].status == "stopped"  # recorded before the final save


# ---- the tutorial's photos, the panel's defaults ----------------------------------------------
@pytest.mark.slow  # 2048x1536 JPEGs, DataLoader worker processes: ~17 s
def test_real_photos_train_with_panel_defaults_stop_and_close_leave_no_process(qtbot, tmp_path):
    """2048x1536 JPEGs (some EXIF-rotated) in data/ beside a VIA project: Train with the panel's
    defaults (process runner, 2 DataLoader workers, fast model) but weights none and 1 epoch. A step
    arrives, Stop ends the run within seconds, and closing the window mid-run ends the run and its
    workers within 10 s, leaving no process behind."""
    import json
    import time

    from tests.process_tree import HAS_PROC, descendants, in_group
    from tests.real_photos import write_tutorial_layout

    if not HAS_PROC:
        pytest.skip("counts processes through /proc")
    photos = write_tutorial_layout(
        tmp_path / "weapons", layout="weapons", sizes=((2048, 1536),), orientations=(1, 6, 8), n=12
    )
    before = descendants()
    store = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    w = MainWindow(recent=RecentProjects(store), autosave_delay_ms=100)  # the default runner design
    qtbot.addWidget(w)
    w.show()
    ctl = w.training
    try:
        assert w.open_path(photos.json_path)
        qtbot.waitUntil(lambda: w.current_key is not None)
        project = w.project
        assert all(project.image_path(im).is_file() for im in project.images), "images in data/ not found"
        assert ctl.design == "process"
        ctl.actions["train"].trigger()  # shows the panel with its defaults
        assert ctl.panel.values()["model"] == "fast" and ctl.panel.workers.value() == 2
        ctl.panel.set_values(weights="none", epochs=1)
        steps = []
        ctl.event_received.connect(lambda ev: ev.kind == "step" and steps.append(ev))

        def train_until_a_step():
            steps.clear()
            with qtbot.waitSignal(ctl.run_started, timeout=10000):
                ctl.panel.train_button.click()
            qtbot.waitUntil(lambda: bool(steps) or not ctl.is_running(), timeout=RUN_TIMEOUT)
            assert steps, ctl.errors
            assert steps[0].iters_per_epoch > 2  # Stop comes mid-epoch
            used = json.loads(ctl.runner.child.config_path.read_text())
            assert used["workers"] == 2 and used["weights"] == "none" and used["epochs"] == 1
            return ctl.runner.child.proc.pid

        pid = train_until_a_step()
        assert len(in_group(pid)) >= 3  # the run and its 2 workers, in their own process group
        t0 = time.monotonic()
        with qtbot.waitSignal(ctl.run_ended, timeout=20000):
            ctl.actions["stop"].trigger()
        stop_s = time.monotonic() - t0
        assert ctl.terminal.kind == "finished" and ctl.terminal.stopped, ctl.errors
        assert project.polymask.runs[-1].status == "stopped"
        assert not in_group(pid)

        pid = train_until_a_step()  # again, then close the window mid-run
        t0 = time.monotonic()
        w.close()
        close_s = time.monotonic() - t0
        assert not ctl.is_running() and close_s < 10
        assert not in_group(pid) and descendants() <= before
        print(f"stop latency {stop_s:.1f} s, close {close_s:.1f} s")  # shown with -s
    finally:
        w.training.shutdown()
        w.shutdown()


# A run process that never answers stop (one endless iteration) and has a worker of its own.
UNRESPONSIVE_CHILD = """
import json, subprocess, sys, time
worker = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
print(json.dumps({"kind": "warning", "message": "worker " + str(worker.pid)}), flush=True)
time.sleep(600)
"""


@pytest.mark.parametrize("how", ["stop", "shutdown"])
def test_a_run_that_ignores_stop_is_killed_with_its_workers(qtbot, tmp_path, monkeypatch, how):
    import sys
    import time

    from annotator.ui.training import worker as worker_module
    from tests.process_tree import HAS_PROC, in_group

    if not HAS_PROC:
        pytest.skip("counts processes through /proc")
    script = tmp_path / "child.py"
    script.write_text(UNRESPONSIVE_CHILD)
    from trainer.launch.supervisor import ChildCommand

    class Config:
        out = str(tmp_path / "run")

        def save(self, out):
            Path(out).mkdir(parents=True, exist_ok=True)
            return Path(out) / "config.json"

    runner = worker_module.TrainRunner(
        "process", command=lambda config_path: ChildCommand([sys.executable, str(script)])
    )
    events = []
    runner.event.connect(events.append)
    runner.start(Config())
    qtbot.waitUntil(lambda: bool(events), timeout=30000)
    pid = runner.child.proc.pid
    assert len(in_group(pid)) == 2  # the child and its worker
    t0 = time.monotonic()
    if how == "stop":
        with qtbot.waitSignal(runner.ended, timeout=10000):
            runner.stop(grace_ms=1000)
    else:
        assert runner.shutdown(ms=3000)
    assert time.monotonic() - t0 < (6 if how == "stop" else 4)
    qtbot.waitUntil(lambda: not runner.is_running(), timeout=5000)
    assert not in_group(pid)
    assert [e.kind for e in events][-2:] == ["warning", "finished"] and events[-1].stopped
    assert "did not stop" in events[-2].message
