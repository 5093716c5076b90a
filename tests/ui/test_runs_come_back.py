"""Issue 20: the model half of the window across sessions. Train, close the window, open the
project again and find the run with its curves; run folders the project does not know and failed
runs are listed; runs are renamed, deleted (undoable until the window closes) and compared; the
weights choice sticks, and a failed download asks once."""

from __future__ import annotations

import json
import shutil

import pytest
from PySide6.QtWidgets import QMessageBox

from annotator import io as pio
from annotator.app.run_files_ops import TRASH
from annotator.model import RunRecord
from tests.real_photos import write_tutorial_layout
from tests.tiny_training import TINY
from tests.ui.training_fixtures import make_project
from trainer.run import files as run_files

RUN_TIMEOUT = 240_000  # ms; a tiny run takes ~10-60 s on a busy 2-core machine


def train_with_the_panel(ctl, qtbot, **values):
    ctl.actions["train"].trigger()  # shows the panel
    ctl.panel.set_values(**{**TINY, **values})
    ctl.overrides = {k: v for k, v in TINY.items() if k.startswith(("rpn_", "box_batch"))}
    with qtbot.waitSignal(ctl.run_started, timeout=10_000):
        ctl.panel.train_button.click()
    with qtbot.waitSignal(ctl.run_ended, timeout=RUN_TIMEOUT):
        pass


def steps_in_log(folder) -> int:
    lines = (folder / run_files.METRICS).read_text().splitlines()
    return sum(json.loads(line).get("kind") == "step" for line in lines)


@pytest.mark.slow  # real-sized photos through the window: ~8 s
def test_a_run_on_real_sized_photos_comes_back_with_its_curves_after_the_window_closes(make_window, qtbot, tmp_path):
    photos = write_tutorial_layout(
        tmp_path / "weapons", layout="weapons", sizes=((2048, 1536),), orientations=(1, 6), n=6
    )
    w = make_window(photos.json_path, size=(1280, 800))
    ctl = w.training
    assert ctl.runs_panel.tree.topLevelItemCount() == 0 and "No training run yet" in ctl.progress.detail.text()
    train_with_the_panel(ctl, qtbot, epochs=1)
    assert ctl.terminal is not None and ctl.terminal.kind == "finished", ctl.errors
    project_file = w.project.path
    folder = project_file.parent / w.project.polymask.runs[0].dir
    qtbot.waitUntil(lambda: not w.isWindowModified(), timeout=10_000)
    w.close()

    again = make_window(project_file, size=(1280, 800))
    runs = again.training.runs_panel
    assert [e.name for e in runs.entries] == [folder.name]
    entry = runs.entries[0]
    assert (entry.state, entry.epochs_done, entry.model, entry.weights, entry.known) == (
        "finished", 1, "fast", "none", True,
    )  # fmt: skip
    assert runs.tree.topLevelItem(0).text(1) == "finished" and runs.current() is entry  # shown, selected
    assert again.training.views.runs_dock.isVisible() and again.training.views.curves_dock.isVisible()
    plots = again.training.plots
    assert plots is not None and plots.shown_run == folder.name
    assert plots.point_count() == steps_in_log(folder) > 0  # the curves, read back from its log
    assert folder.name in again.training.progress.detail.text() and "finished" in runs.summary.text()
    gallery = again.training.gallery  # its previews (the last epoch's, kept in its folder)
    kept = json.loads((folder / run_files.PREVIEWS).read_text())
    assert gallery.epoch == kept["epoch"] == 1 and len(gallery.cells) == len(kept["items"]) > 0


def fake_run(folder, lines, model="fast", weights="coco"):
    folder.mkdir(parents=True)
    (folder / run_files.CONFIG).write_text(json.dumps({"model": model, "weights": weights, "epochs": 2}))
    started = {"kind": "started", "iters_per_epoch": 2, "epochs": 2}
    step = {"kind": "step", "epoch": 1, "iteration": 1, "global_step": 1, "losses": {"loss_mask": 0.5}, "total": 1.0}
    (folder / run_files.METRICS).write_text("".join(json.dumps(d) + "\n" for d in [started, step, *lines]))
    return folder


@pytest.fixture
def runs_project(tmp_path):
    """A saved project with a recorded run, a recorded failed run, a recorded run whose folder has
    gone, and a run folder it does not know (``polymask train --out runs/from-cli``)."""
    project = make_project(tmp_path / "proj", n=4, unlabelled=1)
    runs = project.path.parent / "runs"
    epoch = {"kind": "epoch", "epoch": 1, "metrics": {"segm_AP": 0.3, "bbox_AP": 0.4}, "val_losses": {"total": 0.9}}
    fake_run(runs / "20261204-141003-fast", [epoch, {"kind": "finished", "stopped": False}])
    fake_run(runs / "20261205-090000-fast", [{"kind": "failed", "reason": "The GPU ran out of memory"}])
    fake_run(runs / "from-cli", [dict(epoch, metrics={"segm_AP": 0.5})], weights="imagenet")
    project.polymask.runs = [
        RunRecord(dir="runs/20261204-141003-fast", model="fast", status="finished", started="2026-12-04T14:10:03"),
        RunRecord(dir="runs/20261205-090000-fast", model="fast", status="failed", started="2026-12-05T09:00:00",
                  error="The GPU ran out of memory: lower the batch size"),
        RunRecord(dir="runs/20261201-000000-fast", model="fast", status="finished", started="2026-12-01T00:00:00"),
    ]  # fmt: skip
    pio.save_project(project, project.path)
    return project.path


def test_unknown_folders_failed_and_vanished_runs_are_listed(make_window, runs_project):
    w = make_window(runs_project)
    panel = w.training.runs_panel
    names = [e.name for e in panel.entries]
    assert names[0] == "from-cli" and set(names) == {
        "20261204-141003-fast", "20261205-090000-fast", "20261201-000000-fast", "from-cli",
    }  # fmt: skip
    texts = {panel.tree.topLevelItem(i).text(0): panel.tree.topLevelItem(i).text(1) for i in range(len(names))}
    assert texts["20261205-090000-fast"].startswith("failed: The GPU ran out of memory")
    assert "folder gone" in texts["20261201-000000-fast"] and "found in runs/" in texts["from-cli"]
    cli = next(e for e in panel.entries if e.name == "from-cli")
    assert cli.mask_ap == 0.5 and cli.weights == "imagenet" and not cli.known
    panel.select("20261205-090000-fast")
    assert "The GPU ran out of memory" in panel.summary.text()
    assert w.training.plots.shown_run == "20261205-090000-fast" and w.training.plots.point_count() == 1


def test_rename_delete_undo_and_compare_in_the_runs_dock(make_window, runs_project, qtbot):
    w = make_window(runs_project)
    ctl = w.training
    panel = ctl.runs_panel
    runs = runs_project.parent / "runs"
    checkpoint = runs / "20261204-141003-fast" / run_files.LAST
    checkpoint.write_bytes(b"weights")
    ctl.predicting.use_checkpoint(checkpoint)  # the run predicting now
    panel.select("20261204-141003-fast")
    panel.rename_button.click()
    dialog = ctl.runs.dialog
    dialog.setTextValue("baseline")
    dialog.accept()
    assert (runs / "baseline").is_dir() and not (runs / "20261204-141003-fast").exists()
    assert w.project.polymask.runs[0].dir == "runs/baseline" and panel.current().name == "baseline"
    assert ctl.predictions.checkpoint == str(runs / "baseline" / run_files.LAST)  # still predicting
    qtbot.waitUntil(lambda: not w.isWindowModified())  # the renamed record is saved
    assert pio.open_path(runs_project).project.polymask.runs[0].dir == "runs/baseline"

    panel.select("baseline", "from-cli")
    assert panel.compare_button.isEnabled()
    panel.compare_button.click()
    assert set(ctl.plots.compare_curves) == {"baseline", "from-cli"}

    panel.select("20261205-090000-fast")  # a failed run's folder, removed on request
    panel.delete_button.click()
    box = ctl.runs.dialog
    assert isinstance(box, QMessageBox) and "20261205-090000-fast" in box.text()
    box.button(QMessageBox.StandardButton.Yes).click()
    assert not (runs / "20261205-090000-fast").exists() and (runs / TRASH / "20261205-090000-fast").is_dir()
    assert "20261205-090000-fast" not in [e.name for e in panel.entries] and len(w.project.polymask.runs) == 2
    assert panel.undo_button.isVisible()
    panel.undo_button.click()
    assert (runs / "20261205-090000-fast" / run_files.METRICS).is_file() and len(w.project.polymask.runs) == 3
    panel.select("from-cli")
    panel.delete_button.click()
    ctl.runs.dialog.button(QMessageBox.StandardButton.Yes).click()
    assert (runs / TRASH / "from-cli").is_dir()
    w.close()  # the delete is final now
    assert not (runs / TRASH).exists() and not (runs / "from-cli").exists()
    assert (runs / "20261205-090000-fast").is_dir()


def test_a_failed_download_asks_once_and_the_answer_sticks_to_the_project(make_window, qtbot, tmp_path, monkeypatch):
    import trainer.model.weights
    from trainer.errors import WeightsUnavailableError

    def offline(enum):
        raise WeightsUnavailableError(
            f"Could not get the pretrained weights {enum.url.rsplit('/', 1)[-1]} (URLError: <urlopen error "
            "[Errno -3] Temporary failure in name resolution>)."
        )

    monkeypatch.setattr(trainer.model.weights, "fetch_state_dict", offline)
    project = make_project(tmp_path / "proj", n=6, unlabelled=0)
    pio.save_project(project, project.path)
    w = make_window(project.path)
    ctl = w.training
    ctl.session.runner.design = "thread"  # the download is refused in this process
    assert ctl.panel.values()["weights"] == "coco"
    assert "Box detector pretrained on COCO, mask head from scratch" in ctl.panel.weights_hint.text()
    train_with_the_panel(ctl, qtbot, weights="coco")
    assert ctl.terminal.kind == "failed"
    question = ctl.weights_memory.question
    assert question is not None and question.isVisible() and getattr(w, "last_error", None) is None
    assert ctl.progress.bar.format() == "failed"
    failed = ctl.runs_panel.entries[0]
    assert failed.state == "failed" and "Could not get the pretrained weights" in failed.error
    assert not failed.has_checkpoint
    ctl.runs_panel.select(failed.name)
    assert "ended before its first step" in ctl.plots.status.text()
    ctl.weights_memory.scratch_button.click()
    assert ctl.panel.values()["weights"] == "none" and "trains from scratch" in ctl.panel.weights_note.text()
    assert "(random weights)" in ctl.panel.weights_hint.text().lower() or "scratch" in ctl.panel.weights_hint.text()
    # the next run starts clean: the old error is gone from the panel as soon as it starts
    ctl.actions["train"].trigger()
    ctl.panel.set_values(**{k: v for k, v in TINY.items() if k != "weights"})
    with qtbot.waitSignal(ctl.run_started, timeout=10_000):
        ctl.panel.train_button.click()
    assert "Could not get" not in ctl.progress.detail.text() and ctl.progress.bar.format() != "failed"
    with qtbot.waitSignal(ctl.run_ended, timeout=RUN_TIMEOUT):
        pass
    assert ctl.terminal.kind == "finished", ctl.errors
    qtbot.waitUntil(lambda: not w.isWindowModified(), timeout=10_000)
    w.close()

    again = make_window(project.path)
    assert again.training.panel.values()["weights"] == "none"  # remembered, not back to COCO
    assert again.training.panel.weights_note.isVisibleTo(again.training.panel)
    states = [e.state for e in again.training.runs_panel.entries]
    assert states == ["finished", "failed"]


def test_a_vanished_folder_is_kept_in_the_list_when_it_goes_while_the_window_is_open(make_window, runs_project):
    w = make_window(runs_project)
    shutil.rmtree(runs_project.parent / "runs" / "20261204-141003-fast")
    w.training.runs.refresh()
    entry = w.training.runs.entry("20261204-141003-fast")
    assert entry is not None and entry.missing and entry.known
