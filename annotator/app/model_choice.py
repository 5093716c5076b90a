"""Which model pre-labels a project, named.

The user's choice is stored in the project (`project.polymask.prediction_model`, a checkpoint path
as the project file writes paths). Without one, or when the chosen file is gone, the default is the
best run by the trainer's own selection metric (the mean of mask and box AP of the epoch its
checkpoint holds), finished runs before stopped ones. A run that never finished an epoch is never
the default: its last.pth holds weights from part of one epoch (the trainer saves them when stopped
early), which predict little but noise. Such runs can still be picked by hand. A live run (Learn as
I label) has no epochs: it counts by its steps, and its figure is its pre-labels' IoU; having no AP,
it is the default only when no evaluated run is there.

Qt-free and torch-free: reads run records and the run folders' summary.json."""

from __future__ import annotations

import datetime as _dt
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from polymask_common.text import plural
from trainer.evaluation.suggested_threshold import suggested_threshold
from trainer.run import files as run_files  # torch-free

from ..model import Project, RunRecord
from .prelabel_quality import quality_text, read_quality
from .run_record import LIVE
from .training_runs import resolve, run_checkpoint, run_list, to_stored

FINISHED = "finished"
NO_RUN = "No model yet: train one (Model ▸ Train…), or pick a checkpoint file."


@dataclass
class ModelOption:
    """A checkpoint one can pre-label with, and what is known of it."""

    checkpoint: Path
    run: RunRecord | None = None  # None: a file outside the project's recorded runs
    epochs_done: int = 0  # epochs the run completed (0: stopped inside its first epoch)
    metrics: dict[str, Any] = field(default_factory=dict)  # of the epoch the checkpoint holds, when known
    threshold: float | None = None  # the score threshold the run suggests (best F1 on validation)
    advice: str | None = None  # the run's own word on a poor fit ("finds 1 of 8 validation objects ...")
    live_steps: int | None = None  # a live run's steps (Learn as I label); None for any other
    live_quality: str = ""  # a live run's pre-label IoU in words, read from its folder once

    @property
    def selection(self) -> float | None:
        """The trainer's selection metric: mean of mask and box AP (None without validation figures)."""
        aps = [v for k in ("segm_AP", "bbox_AP") if (v := _number(self.metrics.get(k))) is not None and v >= 0]
        return sum(aps) / len(aps) if aps else None

    @property
    def can_be_default(self) -> bool:
        status = self.run.status if self.run is not None else None
        trained = self.epochs_done >= 1 or bool(self.live_steps)
        return self.run is not None and trained and status != "running"

    def label(self) -> str:
        """ "run 2026-12-04 14:10 · best.pth · mask AP50 31 %"."""
        run = self.run
        if run is None:
            where = f"file {self.checkpoint.parent.name}/{self.checkpoint.name}"
        else:
            where = f"run {_when(run) or Path(run.dir or '?').name} · {self.checkpoint.name}"
        return f"{where} · {self.figure()}"

    def figure(self) -> str:
        if self.live_steps is not None:
            judged = f", {self.live_quality}" if self.live_quality else ""
            return f"learned while labelling, {plural(self.live_steps, 'step')}{judged}"
        if self.run is not None and self.epochs_done < 1:
            return "stopped before its first epoch ended"
        ap50 = _number(self.metrics.get("segm_AP50"))
        if ap50 is not None and ap50 >= 0:
            return f"mask AP50 {round(100 * ap50)} %"
        return "no validation figures"


@dataclass
class ModelInUse:
    """What pre-labels, and why: `option` None when nothing can; `note` says what was passed over."""

    option: ModelOption | None
    chosen: bool  # the user's stored choice (False: the default)
    note: str | None = None

    def describe(self) -> str:
        if self.option is None:
            return self.note or NO_RUN
        how = "chosen" if self.chosen else "best run"
        text = f"Model ({how}): {self.option.label()}"
        for extra in (self.note, self.option.advice):
            text += f". {extra[0].upper()}{extra[1:]}" if extra else ""
        return text


def _number(v: Any) -> float | None:
    """`v` as a float when it is a number (not a bool), else None."""
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def _when(run: RunRecord) -> str | None:
    try:
        return _dt.datetime.fromisoformat(run.started or "").strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return None


def _summary(folder: Path) -> dict[str, Any]:
    try:
        data = json.loads((folder / run_files.SUMMARY).read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def _epochs_done(run: RunRecord, summary: dict[str, Any]) -> int:
    """Completed epochs: the record's, else the summary's (a run stopped inside epoch 1 says 0)."""
    for value in (run.epochs_done, summary.get("last_epoch"), summary.get("best_epoch")):
        if (n := _number(value)) is not None:
            return max(0, int(n))
    return 0


def _metrics_for(checkpoint: Path, run: RunRecord | None, summary: dict[str, Any]) -> dict[str, Any]:
    """The figures of the epoch `checkpoint` holds: best.pth the best epoch's, last.pth the last's."""
    key = "best_metrics" if checkpoint.name == run_files.BEST else "last_metrics"
    found = summary.get(key)
    if isinstance(found, dict) and found:
        return found
    return dict(run.metrics) if run is not None and isinstance(run.metrics, dict) else {}


def option_for_run(project: Project | None, run: RunRecord) -> ModelOption | None:
    """The run's checkpoint (best, else last) as an option; None when no checkpoint is on disk."""
    checkpoint = run_checkpoint(project, run)
    if checkpoint is None:
        return None
    return _option(checkpoint, run)


def option_for_file(project: Project | None, path: str | os.PathLike) -> ModelOption:
    """Any checkpoint file: named by the recorded run whose folder holds it, when one does."""
    checkpoint = Path(path)
    folder = checkpoint.parent.resolve()
    for run in reversed(run_list(project)):
        run_dir = resolve(project, run.dir)
        if run_dir is not None and run_dir.resolve() == folder:
            return _option(checkpoint, run)
    return _option(checkpoint, None)


def _option(checkpoint: Path, run: RunRecord | None) -> ModelOption:
    summary = _summary(checkpoint.parent)
    advice = summary.get("advice") if checkpoint.name == run_files.BEST else None
    live = run is not None and run.design == LIVE
    quality = read_quality(checkpoint.parent) if live else []
    return ModelOption(
        checkpoint,
        run,
        _epochs_done(run, summary) if run is not None else 0,
        _metrics_for(checkpoint, run, summary),
        suggested_threshold(checkpoint),
        advice if isinstance(advice, str) else None,
        int(_number(summary.get("last_step")) or 0) if live else None,
        quality_text(quality) if quality else "",
    )


def options(project: Project | None) -> list[ModelOption]:
    """Every recorded run with a checkpoint on disk, newest first."""
    found = (option_for_run(project, run) for run in reversed(run_list(project)))
    return [o for o in found if o is not None]


def default_option(project: Project | None) -> ModelOption | None:
    """The best run that completed an epoch: finished before stopped, then by selection metric, then newest."""
    candidates = [o for o in options(project) if o.can_be_default]
    if not candidates:
        return None

    def rank(o: ModelOption) -> tuple:
        selection = o.selection
        return (o.run is not None and o.run.status == FINISHED, selection if selection is not None else -1.0)

    return max(reversed(candidates), key=rank)  # options are newest first: ties go to the newest


def model_in_use(project: Project | None) -> ModelInUse:
    """The stored choice when its file exists, else the default, with a note on what was passed over."""
    stored = project.polymask.prediction_model if project is not None else None
    note = None
    if stored:
        path = resolve(project, stored)
        if path is not None and path.is_file():
            return ModelInUse(option_for_file(project, path), chosen=True)
        note = f"The chosen model {stored} is missing"
    best = default_option(project)
    if best is None:
        early = [o for o in options(project) if not o.can_be_default and o.run is not None]
        if early and note is None:
            note = (
                f"No model yet: {plural(len(early), 'run')} stopped before finishing an epoch, too early to "
                "predict with. Train at least one epoch, or pick one by hand."
            )
        return ModelInUse(None, chosen=False, note=f"{note}. {NO_RUN}" if stored else note)
    return ModelInUse(best, chosen=False, note=f"{note}: using the best run instead." if note else None)


def choose(project: Project, path: str | os.PathLike | None) -> None:
    """Store the user's choice (None: go back to the best run). The caller saves the project."""
    project.polymask.prediction_model = to_stored(project, Path(path)) if path else None
