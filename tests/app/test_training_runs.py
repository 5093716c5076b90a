"""Where a project's runs go and what their records say (annotator.app): one rule for the
window and `polymask train --project`."""

from __future__ import annotations

import json

import pytest

from annotator.app.run_record import Change, RunRecorder
from annotator.app.training import train_settings
from annotator.app.training_data import training_data, unlabelled_keys
from annotator.app.training_runs import (
    last_run_folder,
    latest_checkpoint,
    new_run_folder,
    read_curves,
    resolve,
    run_checkpoint,
    run_folder_for,
    run_list,
    to_stored,
)
from annotator.io import load_project, save_project
from annotator.model import RunRecord
from tests.ui.training_fixtures import make_project
from trainer.events import CheckpointSaved, EpochEnd, Failed, Finished, Preview, Started, Step, WarningEvent


@pytest.fixture
def project(tmp_path):
    return make_project(tmp_path / "proj", n=4, unlabelled=2)


def test_a_new_run_folder_is_named_by_time_and_model_and_never_reused(project):
    runs = project.path.parent / "runs"
    first = new_run_folder(project, "fast")
    assert first.parent == runs and first.name.endswith("-fast")
    first.mkdir(parents=True)
    second = new_run_folder(project, "fast")
    assert second != first and second.name.startswith(first.name) and second.name.endswith("-2")
    # a run that failed before its folder was written keeps its name (its record says it)
    run_list(project).append(RunRecord(dir=to_stored(project, second), status="failed"))
    third = new_run_folder(project, "fast")
    assert third not in (first, second) and not third.exists()


def test_continuing_takes_the_last_run_with_a_checkpoint(project):
    with pytest.raises(ValueError, match="no earlier run to continue"):
        last_run_folder(project)
    run_list(project).extend(
        [
            RunRecord.from_dict({"dir": "runs/a", "last_checkpoint": "runs/a/last.pth"}),
            RunRecord.from_dict({"dir": "runs/b", "last_checkpoint": "runs/b/last.pth"}),
            RunRecord.from_dict({"dir": "runs/c"}),  # failed before its first checkpoint
        ]
    )
    assert run_folder_for(project, "fast", "last") == (project.path.parent / "runs" / "b").resolve()
    assert run_folder_for(project, "accurate", "coco").name.endswith("-accurate")


def test_paths_are_stored_relative_to_the_project_folder(project, tmp_path):
    inside = project.path.parent / "runs" / "x" / "best.pth"
    assert to_stored(project, inside) == "runs/x/best.pth"
    assert resolve(project, "runs/x/best.pth") == inside
    assert to_stored(project, tmp_path / "elsewhere.pth") == str((tmp_path / "elsewhere.pth").resolve())
    assert to_stored(project, None) is None and resolve(project, None) is None


def test_a_malformed_run_list_reads_as_no_runs_and_is_kept(project):
    from annotator.model import PolymaskData

    project.polymask = PolymaskData.from_dict({"runs": "not a list"})
    assert run_list(project) == [] and project.polymask.runs == []
    assert project.polymask.to_dict()["runs"] == "not a list"  # kept as it was, not lost
    assert run_list(None) == []


def test_curves_are_read_back_from_metrics_jsonl(tmp_path):
    lines = [
        {"kind": "step", "global_step": 1, "total": 2.0},
        {"kind": "epoch", "epoch": 1, "metrics": {"segm_AP": 0.25}},
        {"kind": "epoch", "epoch": 2, "metrics": {"segm_AP": -1}},  # nothing to measure
    ]
    (tmp_path / "metrics.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines) + "not json\n")
    assert read_curves(tmp_path) == {"steps": ([1], [2.0]), "epochs": ([1], [0.25])}
    assert read_curves(tmp_path / "missing") == read_curves(None) == {"steps": ([], []), "epochs": ([], [])}


def test_training_data_is_the_labelled_images_as_coco_with_their_sizes(project):
    project.images[4].done = True  # an unlabelled image marked done is a negative
    project.images[0].width = project.images[0].height = None
    project.polymask.split = {project.images[0].filename: "val"}
    data = training_data(project)
    assert [im["file_name"] for im in data.coco["images"]] == [im.filename for im in project.images[:5]]
    assert data.images == str(project.image_root)
    assert data.unsized == [project.images[0].key] and project.images[0].width == 64  # kept in the project
    assert project.take_learnt() == {project.images[0].key}  # a fact the next save copies (Project.learn_size)
    assert data.split == {project.images[0].filename: "val"} and data.problems == []


def test_a_split_with_other_values_than_train_and_val_is_not_used(project):
    project.polymask.split = {project.images[0].filename: "test"}
    assert training_data(project).split is None


def test_window_settings_add_the_data_and_the_run_folder(project):
    project.polymask.split = {project.images[0].filename: "val"}
    settings, data = train_settings(project, {"model": "accurate", "epochs": 3})
    assert settings["epochs"] == 3 and settings["coco"] is data.coco and settings["images"] == data.images
    assert settings["split"] == data.split
    assert settings["out"].startswith(str(project.path.parent / "runs")) and settings["out"].endswith("-accurate")
    assert train_settings(project, {"split": {}})[0]["split"] == {}  # a split the form gives wins
    with pytest.raises(ValueError, match="no earlier run"):
        train_settings(project, {"weights": "last"})


def test_the_record_follows_the_run_from_start_to_finish(project):
    out = project.path.parent / "runs" / "r1"
    recorder = RunRecorder(project, str(out), "fast", 2, "thread")
    assert run_list(project) == [recorder.record]
    assert recorder.record.dir == "runs/r1" and recorder.record.status == "running"
    started = Started(str(out), "cpu", "fast", 4, 1, ["square", "disc"], 2, 2)
    assert recorder.apply(started) is Change.PROGRESS and recorder.record.classes == ["square", "disc"]
    step = Step(1, 1, 1, 2, {}, 1.0, 0.01, 3.21456, 0.0)
    assert recorder.apply(step) is Change.NONE
    assert recorder.apply(Preview(1, [])) is recorder.apply(WarningEvent("slow")) is Change.NONE
    assert recorder.apply(EpochEnd(1, {}, {"segm_AP": 0.5}, 1.0)) is Change.PROGRESS
    assert recorder.record.epochs_done == 1 and recorder.record.metrics == {"segm_AP": 0.5}
    assert recorder.apply(CheckpointSaved(str(out / "best.pth"), 1, best=True)) is Change.SAVE
    assert recorder.record.best_checkpoint == "runs/r1/best.pth"
    finished = Finished(str(out), str(out / "best.pth"), str(out / "last.pth"), stopped=True)
    assert recorder.apply(finished) is Change.SAVE
    assert recorder.record.status == "stopped" and recorder.record.last_checkpoint == "runs/r1/last.pth"
    assert recorder.record.metrics == {"segm_AP": 0.5} and recorder.record.images_per_s == 3.215
    recorder.ended()
    assert recorder.record.status == "stopped"


def test_a_continued_run_reuses_its_record_and_a_silent_end_is_a_stop(project):
    out = project.path.parent / "runs" / "r1"
    first = RunRecorder(project, str(out), "fast", 2, "thread")
    first.apply(Failed("out of memory"))
    assert first.record.status == "failed" and first.record.error == "out of memory"
    again = RunRecorder(project, str(out), "fast", 4, "process")
    assert run_list(project) == [again.record] and again.record is first.record
    assert again.record.status == "running" and again.record.epochs == 4
    again.ended()  # the thread ended without a finished or failed event
    assert again.record.status == "stopped"


def test_only_trainer_events_are_recorded(project):
    recorder = RunRecorder(project, str(project.path.parent / "runs" / "r"), "fast", 1, "thread")
    with pytest.raises(TypeError):
        recorder.apply(object())  # type: ignore[arg-type]


def test_unlabelled_images_are_those_training_leaves_out(project):
    project.images[4].done = True
    assert unlabelled_keys(project) == [project.images[5].key]
    assert unlabelled_keys(None) == []


def test_predicting_uses_the_newest_run_with_a_checkpoint_on_disk(project):
    runs = project.path.parent / "runs"
    (runs / "a").mkdir(parents=True)
    (runs / "a" / "last.pth").write_bytes(b"")
    run_list(project).extend(
        [
            RunRecord.from_dict(
                {"dir": "runs/a", "best_checkpoint": "runs/a/best.pth", "last_checkpoint": "runs/a/last.pth"}
            ),
            RunRecord.from_dict({"dir": "runs/b", "last_checkpoint": "runs/b/last.pth"}),  # deleted since
        ]
    )
    assert run_checkpoint(project, run_list(project)[1]) is None
    assert (
        run_checkpoint(project, RunRecord.from_dict({"best_checkpoint": "runs/a/last.pth"})) == runs / "a" / "last.pth"
    )
    assert latest_checkpoint(project) is None  # runs/a's record names its best, which is not on disk
    (runs / "a" / "best.pth").write_bytes(b"")
    assert latest_checkpoint(project) == runs / "a" / "best.pth"


def test_continuing_a_finished_run_never_rewrites_its_record(project):
    # issue 23, item 6: `--weights last` on a finished run turned its record into "failed".
    out = project.path.parent / "runs" / "r1"
    first = RunRecorder(project, str(out), "fast", 2, "thread")
    first.apply(Finished(str(out), str(out / "best.pth"), str(out / "last.pth"), metrics={"segm_AP": 0.7}))
    kept = RunRecord.from_dict(first.record.to_dict())
    again = RunRecorder(project, str(out), "fast", 4, "cli")
    again.apply(Failed("the checkpoint has finished its epochs"))
    first_record, second = run_list(project)
    assert first_record == kept and first_record.status == "finished"
    assert second is again.record and second.status == "failed" and second.dir == "runs/r1"
    assert second.continues == kept.started
    third = RunRecorder(project, str(out), "fast", 4, "cli")  # the failed continuation is the one continued
    assert third.record is second and len(run_list(project)) == 2
    save_project(project)  # `continues` is a field of the record: written and read back
    reread = run_list(load_project(project.path).project)
    assert [r.continues for r in reread] == [None, kept.started]
    assert "continues" not in reread[0].to_dict() and reread[1].to_dict()["continues"] == kept.started


def test_run_paths_stay_relative_when_runs_is_a_symlink(project, tmp_path):
    # issue 23, item 14: runs/ linked to another disk was recorded with absolute paths.
    storage = tmp_path / "big-disk" / "runs"
    storage.mkdir(parents=True)
    (project.path.parent / "runs").symlink_to(storage)
    inside = project.path.parent / "runs" / "x" / "best.pth"
    assert to_stored(project, inside) == "runs/x/best.pth"
    assert to_stored(project, storage / "x" / "best.pth") == "runs/x/best.pth"  # reported through the link's target
    assert resolve(project, "runs/x/best.pth") == inside
