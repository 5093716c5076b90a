"""Which model pre-labels (annotator.app.model_choice): the stored choice, else the best run that
completed an epoch, by the trainer's selection metric; named as the panel shows it."""

from __future__ import annotations

import json

import pytest

from annotator.app import model_choice
from annotator.app.model_choice import choose, default_option, model_in_use, options
from annotator.io import load_project, save_project
from annotator.model import ImageRecord, Project, RunRecord


def project_in(folder) -> Project:
    folder.mkdir(parents=True, exist_ok=True)
    return Project(images=[ImageRecord(filename="a.png")], path=folder / "p.json", image_root=folder)


def add_run(
    project: Project,
    name: str,
    status: str = "finished",
    epochs_done: int | None = 2,
    ap: float | None = 0.3,
    summary: dict | None = None,
    best: bool = True,
    started: str = "2026-12-04T14:10:00",
) -> RunRecord:
    """A recorded run with a checkpoint file on disk (best.pth when `best`, else only last.pth)."""
    folder = project.path.parent / "runs" / name
    folder.mkdir(parents=True)
    (folder / "last.pth").write_bytes(b"x")
    if best:
        (folder / "best.pth").write_bytes(b"x")
    if summary is not None:
        (folder / "summary.json").write_text(json.dumps(summary))
    metrics = {} if ap is None else {"segm_AP": ap, "bbox_AP": ap, "segm_AP50": ap + 0.01}
    checkpoint = f"runs/{name}/{'best' if best else 'last'}.pth"
    run = RunRecord(
        dir=f"runs/{name}",
        model="fast",
        status=status,
        started=started,
        epochs_done=epochs_done,
        best_checkpoint=checkpoint,
        last_checkpoint=f"runs/{name}/last.pth",
        metrics=metrics,
    )
    project.polymask.runs.append(run)
    return run


def test_a_run_stopped_inside_its_first_epoch_is_never_the_default(tmp_path):
    project = project_in(tmp_path / "p")
    # what the trainer records when stopped mid-epoch 1: no EpochEnd, last.pth as "best", summary last_epoch 0
    add_run(project, "early", status="stopped", epochs_done=None, ap=None, best=False, summary={"last_epoch": 0})
    assert default_option(project) is None
    in_use = model_in_use(project)
    assert in_use.option is None and "1 run stopped before finishing an epoch" in in_use.describe()
    (early,) = options(project)  # it can still be picked by hand
    assert not early.can_be_default and early.figure() == "stopped before its first epoch ended"
    good = add_run(project, "good", ap=0.2)
    add_run(project, "newest-early", status="stopped", epochs_done=0, ap=None, best=False)
    assert default_option(project).run is good  # the newest run is passed over


def test_the_default_is_the_best_finished_run_by_selection_metric(tmp_path):
    project = project_in(tmp_path / "p")
    add_run(project, "a", ap=0.2)
    best = add_run(project, "b", ap=0.4)
    add_run(project, "c", ap=0.3)
    add_run(project, "d", status="stopped", ap=0.9)  # finished runs come first
    add_run(project, "e", status="running", ap=0.95)
    add_run(project, "f", status="finished", ap=0.99).best_checkpoint = "runs/f/gone.pth"  # file missing
    (project.path.parent / "runs" / "f" / "last.pth").unlink()
    assert default_option(project).run is best
    project.polymask.runs = [r for r in project.polymask.runs if r.status != "finished"]
    assert default_option(project).run.dir == "runs/d"  # with no finished run, a stopped one that did an epoch


def test_the_best_epoch_figures_come_from_the_summary(tmp_path):
    project = project_in(tmp_path / "p")
    summary = {
        "best_epoch": 3,
        "last_epoch": 5,
        "best_metrics": {"segm_AP": 0.5, "bbox_AP": 0.6, "segm_AP50": 0.314},
        "last_metrics": {"segm_AP": 0.1, "bbox_AP": 0.1, "segm_AP50": 0.12},
        "score_threshold": 0.83,
        "advice": "this model finds 1 of 8 validation objects (best F1 0.05); label more images or train longer",
    }
    add_run(project, "r", ap=0.1, summary=summary)
    in_use = model_in_use(project)
    assert in_use.option.selection == pytest.approx(0.55)
    assert in_use.option.threshold == pytest.approx(0.83)
    assert in_use.option.label() == "run 2026-12-04 14:10 · best.pth · mask AP50 31 %"
    assert in_use.describe() == (
        "Model (best run): run 2026-12-04 14:10 · best.pth · mask AP50 31 %. "
        "This model finds 1 of 8 validation objects (best F1 0.05); label more images or train longer"
    )
    last = model_choice.option_for_file(project, project.path.parent / "runs" / "r" / "last.pth")
    assert last.label() == "run 2026-12-04 14:10 · last.pth · mask AP50 12 %"


def test_the_choice_is_stored_in_the_project_file_and_survives_a_missing_file(tmp_path):
    project = project_in(tmp_path / "p")
    best = add_run(project, "best", ap=0.5)
    add_run(project, "worse", ap=0.1)
    worse_ckpt = project.path.parent / "runs" / "worse" / "best.pth"
    choose(project, worse_ckpt)
    assert project.polymask.prediction_model == "runs/worse/best.pth"  # relative, as the file writes paths
    save_project(project, project.path)
    again = load_project(project.path).project
    assert again.polymask.prediction_model == "runs/worse/best.pth"
    in_use = model_in_use(again)
    assert in_use.chosen and in_use.option.run.dir == "runs/worse"
    assert in_use.describe().startswith("Model (chosen): run ")
    worse_ckpt.unlink()
    (worse_ckpt.parent / "last.pth").unlink()
    in_use = model_in_use(again)
    assert not in_use.chosen and in_use.option.run.dir == best.dir
    assert "The chosen model runs/worse/best.pth is missing: using the best run instead." in in_use.describe()
    choose(again, None)
    assert again.polymask.prediction_model is None


def test_a_checkpoint_file_outside_the_runs_is_named_by_its_file(tmp_path):
    project = project_in(tmp_path / "p")
    outside = tmp_path / "elsewhere" / "model.pth"
    outside.parent.mkdir()
    outside.write_bytes(b"x")
    choose(project, outside)
    in_use = model_in_use(project)
    assert in_use.chosen and in_use.option.checkpoint == outside
    assert in_use.option.label() == "file elsewhere/model.pth · no validation figures"


def test_no_run_says_so(tmp_path):
    project = project_in(tmp_path / "p")
    assert model_in_use(project).option is None
    assert model_in_use(project).describe() == model_choice.NO_RUN
    assert model_in_use(None).option is None


def test_a_live_run_counts_by_its_steps_and_is_the_default_only_without_an_evaluated_run(tmp_path):
    """Learn as I label writes last.pth and no epochs: Predict can use it after the session."""
    from annotator.app.prelabel_quality import ImageQuality, append_quality

    project = project_in(tmp_path / "p")
    live = add_run(project, "live", status="stopped", epochs_done=0, ap=None, best=False)
    live.design = "live"
    (project.path.parent / "runs" / "live" / "summary.json").write_text(json.dumps({"live": True, "last_step": 91}))
    append_quality(project.path.parent / "runs" / "live", ImageQuality(1, 0.4, 1, 1, 20.0))
    assert default_option(project).run is live
    figure = model_in_use(project).describe()
    assert "learned while labelling, 91 steps, pre-label IoU 0.40 over the last 1 of 1 images" in figure
    assert "stopped before" not in figure
    evaluated = add_run(project, "evaluated", status="stopped", ap=0.05, started="2026-12-04T10:00:00")
    assert default_option(project).run is evaluated, "a run with validation figures comes first"
    project.polymask.runs = [live]
    live.design = None  # the same folder recorded as a plain run stopped inside its first epoch
    assert default_option(project) is None
