"""The Runs list (annotator.app.run_list / run_log / run_files_ops): the project's records merged
with the run folders under its runs/, read back from the files the trainer writes; renaming and
deleting a run's folder together with its records."""

from __future__ import annotations

import json

import pytest

from annotator.app.prelabel_quality import ImageQuality, append_quality
from annotator.app.run_files_ops import TRASH, RunFileError, purge, rename_run, restore, trash_run
from annotator.app.run_list import describe, last_live_quality, list_runs
from annotator.app.run_log import read_folder, read_previews, read_run_curves, save_previews, stamp_time
from annotator.io import load_project, save_project
from annotator.model import RunRecord
from tests.ui.training_fixtures import make_project
from trainer.run import files as run_files


@pytest.fixture
def project(tmp_path):
    return make_project(tmp_path / "proj", n=4, unlabelled=0)


def step(n: int, total: float, **losses) -> dict:
    terms = {"loss_classifier": total / 2, "loss_mask": total / 2, **losses}
    return {"kind": "step", "epoch": 1, "iteration": n, "global_step": n, "iters_per_epoch": 2, "losses": terms,
            "total": total, "lr": 0.01, "images_per_s": 2.0, "memory_mb": 0}  # fmt: skip


def epoch(n: int, segm: float, bbox: float, val: float = 1.0) -> dict:
    return {"kind": "epoch", "epoch": n, "val_losses": {"total": val},
            "metrics": {"segm_AP": segm, "bbox_AP": bbox}, "seconds": 3.0}  # fmt: skip


def write_run(folder, lines, model="fast", weights="coco", epochs=2, checkpoint=True):
    folder.mkdir(parents=True)
    (folder / run_files.CONFIG).write_text(json.dumps({"model": model, "weights": weights, "epochs": epochs}))
    started = {"kind": "started", "iters_per_epoch": 2, "epochs": epochs, "model": model}
    text = "".join(json.dumps(d) + "\n" for d in [started, *lines])
    (folder / run_files.METRICS).write_text(text + '{"kind": "step", "glo')  # a line cut by a kill
    if checkpoint:
        (folder / run_files.LAST).write_bytes(b"x")
    return folder


def test_records_and_unknown_folders_are_listed_with_state_epochs_ap_date_model_and_weights(project):
    runs = project.path.parent / "runs"
    write_run(
        runs / "20261204-141003-fast",
        [step(1, 3.0), step(2, 2.5), epoch(1, 0.20, 0.30), epoch(2, 0.31, 0.28),
         {"kind": "finished", "stopped": False}],
    )  # fmt: skip
    failed = write_run(
        runs / "20261205-090000-accurate", [{"kind": "failed", "reason": "Could not get the pretrained weights"}],
        model="accurate", checkpoint=False,
    )  # fmt: skip
    write_run(
        runs / "cli-run", [step(1, 2.0), epoch(1, 0.5, 0.6), {"kind": "finished", "stopped": True}], weights="none"
    )
    (runs / ".trash" / "old").mkdir(parents=True)  # the trash is not a run
    (runs / "notes").mkdir()  # nor a folder without a config or a log
    project.polymask.runs.extend(
        [
            RunRecord(dir="runs/20261204-141003-fast", model="fast", status="finished", started="2026-12-04T14:10:03",
                      epochs=2, epochs_done=2, last_checkpoint="runs/20261204-141003-fast/last.pth"),
            RunRecord(dir="runs/gone", model="fast", status="finished", started="2026-12-03T10:00:00", epochs=5,
                      epochs_done=5, metrics={"segm_AP": 0.4, "bbox_AP": 0.45}),
            RunRecord(dir=str(failed.relative_to(project.path.parent)), model="accurate", status="failed",
                      error="Could not get the pretrained weights (offline)", started="2026-12-05T09:00:00", epochs=2),
        ]
    )  # fmt: skip
    entries = {e.name: e for e in list_runs(project)}
    assert list(entries) == ["20261204-141003-fast", "gone", "20261205-090000-accurate", "cli-run"]
    done = entries["20261204-141003-fast"]
    assert (done.state, done.epochs_done, done.epochs, done.mask_ap, done.box_ap) == ("finished", 2, 2, 0.31, 0.30)
    assert (done.model, done.weights, done.started, done.known, done.has_checkpoint) == (
        "fast", "coco", "2026-12-04T14:10:03", True, True,
    )  # fmt: skip
    gone = entries["gone"]
    assert gone.missing and gone.known and gone.mask_ap == 0.4 and "folder gone" in gone.state_text()
    bad = entries["20261205-090000-accurate"]
    assert bad.state == "failed" and bad.error == "Could not get the pretrained weights (offline)"
    assert not bad.has_checkpoint and bad.model == "accurate"
    cli = entries["cli-run"]
    assert not cli.known and cli.state == "stopped" and cli.weights == "none" and cli.mask_ap == 0.5
    assert cli.index is None and done.index == 0 and "found in runs/" in cli.state_text()
    assert any("Error: Could not get" in line for line in describe(bad))
    assert any("cannot predict" in line for line in describe(bad))


def test_a_run_stopped_before_its_first_evaluation_says_why_it_has_no_ap(project):
    runs = project.path.parent / "runs"
    write_run(runs / "early", [step(1, 3.0), {"kind": "finished", "stopped": True}], epochs=40)
    write_run(runs / "evaluated", [step(1, 2.0), epoch(1, 0.5, 0.6), {"kind": "finished", "stopped": True}])
    entries = {e.name: e for e in list_runs(project)}
    early, evaluated = entries["early"], entries["evaluated"]
    assert early.not_evaluated and early.mask_ap is None
    assert early.ap_text().startswith("No AP: the run ended after 0 epochs, before its first evaluation")
    assert not evaluated.not_evaluated and evaluated.ap_text() == ""


def test_a_live_run_is_listed_by_its_steps_and_says_it_is_judged_by_its_pre_labels(project):
    """A live run (trainer.live) writes no metrics.jsonl, only summary.json with its steps."""
    from annotator.ui.training.runs import fmt_epochs

    folder = project.path.parent / "runs" / "20261207-062702-live-fast"
    folder.mkdir(parents=True)
    (folder / run_files.CONFIG).write_text(json.dumps({"model": "fast", "weights": "none"}))
    (folder / run_files.SUMMARY).write_text(json.dumps({"live": True, "last_step": 26, "val_loss": None}))
    (folder / run_files.LAST).write_bytes(b"x")
    live = {e.name: e for e in list_runs(project)}["20261207-062702-live-fast"]
    assert live.live_steps == 26 and fmt_epochs(live) == "26 steps" and live.has_checkpoint
    assert live.ap_text().startswith("No AP: a live run (Learn as I label, 26 steps) is not evaluated")
    assert "judged by its pre-labels' IoU in the Pre-label panel" in live.ap_text()  # it recorded none
    assert read_run_curves(folder).live and not read_run_curves(project.path.parent / "runs").live
    assert last_live_quality(project) == ("", [])

    # the figures it recorded while the user labelled: the list and the curves pane say them
    records = [ImageQuality(i, iou, 1, 1, 30.0, prelabelled=i > 1) for i, iou in enumerate([0, 0.2, 0.4, 0.6], 1)]
    for q in records:
        append_quality(folder, q)
    live = {e.name: e for e in list_runs(project)}["20261207-062702-live-fast"]
    assert "judged by its pre-labels: pre-label IoU 0.40 over the last 3 of 4 images" in live.ap_text()
    assert read_run_curves(folder).quality == records
    assert last_live_quality(project) == ("20261207-062702-live-fast", records)


def test_a_record_left_running_by_a_closed_window_reads_as_interrupted_unless_it_runs(project):
    record = RunRecord(dir="runs/r", model="fast", status="running", epochs=3)
    project.polymask.runs.append(record)
    write_run(project.path.parent / "runs" / "r", [step(1, 2.0)])
    assert list_runs(project)[0].state == "interrupted"
    assert list_runs(project, running=record)[0].state == "running"


def test_a_folder_log_says_how_the_run_ended_and_a_continued_run_starts_again(tmp_path):
    folder = write_run(tmp_path / "r", [{"kind": "failed", "reason": "boom"}, {"kind": "started", "epochs": 4}])
    run = read_folder(folder)
    assert run.state == "interrupted" and run.error is None and run.epochs == 4
    assert stamp_time("20261204-141003-fast") == "2026-12-04T14:10:03" and stamp_time("mine") is None
    assert read_folder(tmp_path / "nothing").state == "interrupted"  # an empty folder: listed, no error


def test_curves_hold_each_loss_term_validation_and_ap(tmp_path):
    folder = write_run(tmp_path / "r", [step(1, 3.0), step(2, 2.0, loss_box_reg=0.1), epoch(1, 0.25, -1, val=1.5)])
    curves = read_run_curves(folder)
    assert curves.losses["total"].x == [1.0, 2.0] and curves.losses["total"].y == [3.0, 2.0]
    assert curves.losses["loss_mask"].y == [1.5, 1.0] and curves.losses["loss_box_reg"].x == [2.0]
    assert curves.val_loss.x == [1.0] and curves.val_loss.y == [1.5] and curves.iters_per_epoch == 2
    assert curves.metrics["segm_AP"].y == [0.25] and "bbox_AP" not in curves.metrics  # -1: nothing measured
    assert read_run_curves(None).is_empty() and read_run_curves(tmp_path / "missing").is_empty()


def test_rename_moves_the_folder_and_the_records_paths_and_survives_a_save(project):
    folder = write_run(project.path.parent / "runs" / "a", [step(1, 1.0)])
    project.polymask.runs.append(
        RunRecord(dir="runs/a", model="fast", status="stopped", last_checkpoint="runs/a/last.pth")
    )
    entry = list_runs(project)[0]
    new = rename_run(project, entry, "  best-so-far ")
    assert new.name == "best-so-far" and new.is_dir() and not folder.exists()
    record = project.polymask.runs[0]
    assert record.dir == "runs/best-so-far" and record.last_checkpoint == "runs/best-so-far/last.pth"
    save_project(project, project.path)
    assert load_project(project.path).project.polymask.runs[0].dir == "runs/best-so-far"
    entry = list_runs(project)[0]
    for bad in ("", ".hidden", "a/b", "..", "x:y"):
        with pytest.raises(RunFileError, match="cannot name a run folder"):
            rename_run(project, entry, bad)
    write_run(project.path.parent / "runs" / "other", [])
    with pytest.raises(RunFileError, match="already exists"):
        rename_run(project, entry, "other")


def test_delete_moves_to_the_trash_undo_restores_and_purge_removes_the_files(project):
    runs = project.path.parent / "runs"
    write_run(runs / "a", [step(1, 1.0)])
    write_run(runs / "b", [step(1, 1.0)])
    project.polymask.runs.extend([RunRecord(dir="runs/a", model="fast"), RunRecord(dir="runs/b", model="fast")])
    entry = next(e for e in list_runs(project) if e.name == "a")
    trashed = trash_run(project, entry)
    assert not (runs / "a").exists() and (runs / TRASH / "a" / run_files.METRICS).is_file()
    assert [r.dir for r in project.polymask.runs] == ["runs/b"]
    assert [e.name for e in list_runs(project)] == ["b"]  # the trash is not listed
    restore(project, trashed)
    assert (runs / "a" / run_files.METRICS).is_file() and [r.dir for r in project.polymask.runs] == ["runs/a", "runs/b"]
    trashed = trash_run(project, next(e for e in list_runs(project) if e.name == "a"))
    purge(trashed)
    assert not (runs / "a").exists() and not (runs / TRASH).exists()


def test_a_vanished_run_is_deleted_as_a_record_and_a_folder_outside_runs_is_never_moved(project, tmp_path):
    project.polymask.runs.append(RunRecord(dir="runs/gone", model="fast"))
    trashed = trash_run(project, list_runs(project)[0])
    assert project.polymask.runs == [] and trashed.trashed is None
    restore(project, trashed)
    assert [r.dir for r in project.polymask.runs] == ["runs/gone"]
    outside = write_run(tmp_path / "elsewhere", [step(1, 1.0)])
    project.polymask.runs[:] = [RunRecord(dir=str(outside), model="fast")]
    with pytest.raises(RunFileError, match="outside this project's runs folder"):
        trash_run(project, list_runs(project)[0])
    with pytest.raises(RunFileError, match="outside this project's runs folder"):
        rename_run(project, list_runs(project)[0], "x")
    assert (outside / run_files.METRICS).is_file()


def test_a_runs_previews_are_kept_in_its_folder_and_read_back(tmp_path):
    preview = {"kind": "preview", "epoch": 2, "items": [{"file_name": "a.png", "instances": []}]}
    assert save_previews(tmp_path, preview) and read_previews(tmp_path) == preview
    assert not save_previews(tmp_path / "on-another-machine", preview)
    (tmp_path / run_files.PREVIEWS).write_text("{not json")
    assert read_previews(tmp_path) is None and read_previews(None) is None
