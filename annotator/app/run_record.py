"""A run's record in the project (`project.polymask.runs`), kept up to date from the
trainer's events: what the Runs list shows and what is saved with the project."""

from __future__ import annotations

import datetime as _dt
import enum
from pathlib import Path

from trainer.events import (  # torch-free
    CheckpointSaved,
    EpochEnd,
    Event,
    Failed,
    Finished,
    Preview,
    Started,
    Step,
    WarningEvent,
    as_trainer_event,
    unhandled,
)

from ..model import Project, RunRecord
from .training_runs import resolve, run_list, to_stored

FINISHED = "finished"
LIVE = "live"  # the design of a run that learned while the user labelled (RunRecord.design)


class Change(enum.Enum):
    NONE = "none"  # the record is as it was
    PROGRESS = "progress"  # epochs done, metrics, device: shown now, saved with the next save
    SAVE = "save"  # a checkpoint or the outcome: worth saving now


class RunRecorder:
    """The record of one run: created (or the continued run's reused) when it starts."""

    def __init__(self, project: Project, out: str, model: str, epochs: int | None, design: str):
        self.project = project
        runs = run_list(project)
        same = [r for r in runs if resolve(project, r.dir) == Path(out)]
        existing = same[-1] if same else None
        # A finished run's record is its result: never rewritten by another run. Continuing
        # it gets a record of its own (same folder); a stopped or failed one is taken up.
        continues = existing.started if existing is not None and existing.status == FINISHED else None
        if continues is not None:
            existing = None
        self.record: RunRecord = existing if existing is not None else RunRecord(continues=continues)
        run = self.record
        run.dir, run.model, run.status, run.epochs, run.design = (
            to_stored(project, out),
            model,
            "running",
            epochs,
            design,
        )
        run.started = _dt.datetime.now().isoformat(timespec="seconds")
        if existing is None:
            runs.append(run)
        self.images_per_s = 0.0  # the last step's speed, recorded when the run finishes

    def rebind(self, project: Project) -> None:
        """Go on recording into `project` (a merge of this one with the file on disk)."""
        out = resolve(self.project, self.record.dir)
        self.project = project
        runs = run_list(project)
        found = next((r for r in reversed(runs) if resolve(project, r.dir) == out), None)
        if found is None:
            runs.append(self.record)
        else:
            self.record = found

    def apply(self, event: Event) -> Change:
        run = self.record
        ev = as_trainer_event(event)
        match ev:
            case Step():
                self.images_per_s = ev.images_per_s
                return Change.NONE
            case Started():
                run.device, run.classes = ev.device, list(ev.class_names)
                run.epochs = ev.epochs  # planned by the trainer when the settings left it open
                return Change.PROGRESS
            case EpochEnd():
                run.epochs_done = ev.epoch
                if ev.metrics:
                    run.metrics = dict(ev.metrics)
                return Change.PROGRESS
            case CheckpointSaved():
                if ev.best:
                    run.best_checkpoint = to_stored(self.project, ev.path)
                else:
                    run.last_checkpoint = to_stored(self.project, ev.path)
                return Change.SAVE
            case Finished():
                run.status = "stopped" if ev.stopped else FINISHED
                run.metrics = dict(ev.metrics or run.metrics or {})
                run.best_checkpoint = to_stored(self.project, ev.best_checkpoint)
                run.last_checkpoint = to_stored(self.project, ev.last_checkpoint)
                if self.images_per_s:
                    run.images_per_s = round(self.images_per_s, 3)
                return Change.SAVE
            case Failed():
                run.status, run.error = "failed", ev.reason
                return Change.SAVE
            case Preview() | WarningEvent():
                return Change.NONE
            case _:
                unhandled(ev)

    def could_not_start(self, reason: str | None = None) -> None:
        self.record.status = "failed"
        self.record.error = reason or self.record.error or "The run could not start."

    def ended(self) -> None:
        """The run's thread is done: a run that never said how it ended was stopped."""
        if self.record.status == "running":
            self.record.status = "stopped"
