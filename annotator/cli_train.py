"""`polymask train --project PATH`: the window's data, run folder and run record, from a terminal.

PATH opens by the window's rule (`annotator.app.project_location`): an annotation file trains on
its project file when it has one, so the labels trained on are the ones edited in the window. The
run goes in the project's `runs/` and is recorded in the project file as the window records it,
so the window's Runs list and Predict find the model afterwards.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

RECORDED_BY = "cli"  # a run record's `design`: how the run was started


def train_project(args, fail) -> int:
    from trainer import cli as trainer_cli

    from .app.project_location import open_for_editing
    from .app.training_data import training_data
    from .app.training_runs import run_folder_for
    from .io import FormatError

    try:
        opened = open_for_editing(args.project)
    except FormatError as exc:
        return fail(str(exc))
    project = opened.project
    if opened.source_changed:
        print(f"warning: {opened.source_changed}", file=sys.stderr)
    data = training_data(project)
    for problem in data.problems:
        print(f"warning: {problem}", file=sys.stderr)
    if not getattr(args, "out", None) and not getattr(args, "resume", None):
        try:  # runs live beside the project, where the window lists them too
            args.out = str(run_folder_for(project, args.model or "fast", args.weights))
        except ValueError as exc:
            return fail(str(exc))
    if data.split is not None:  # the project's own train/val split; a --set split=... given wins
        args.set = [f"split={json.dumps(data.split)}", *(args.set or [])]
    keeper = _keeper(opened, args, data)
    try:
        on_event = keeper.apply if keeper is not None else None
        return trainer_cli.run_train(args, coco=data.coco, images=data.images, on_event=on_event)
    finally:
        if keeper is not None:
            keeper.close()


def _keeper(opened, args, data) -> RunKeeper | None:
    """What records this run in the project file; None when nothing is to be recorded (no run
    starts, or a new project file would duplicate one that already covers these images)."""
    from trainer import cli as trainer_cli
    from trainer.errors import TrainerError

    if getattr(args, "preview_data", None):
        return None
    try:
        config = trainer_cli.build_config(args, data.coco, data.images)
    except TrainerError:
        return None  # run_train says what is wrong
    if opened.created and opened.others:
        print(
            f"note: the run is not recorded in a new project file: {', '.join(map(str, opened.others))} "
            "already covers these images (open it in the window to keep its runs together)",
            file=sys.stderr,
        )
        return None
    return RunKeeper(opened.project, config)


class RunKeeper:
    """The run's record in the project file, saved when the window would save it: at each
    checkpoint and when the run ends. A save that fails is said once and training goes on."""

    def __init__(self, project, config):
        from .app.conflicts import read_state
        from .app.run_record import RunRecorder

        self.project = project
        self.recorder = RunRecorder(project, config.out, config.model, config.epochs, RECORDED_BY)
        self.disk = read_state(project.path)  # the file as read: a window may save it meanwhile
        self.failed = False
        self.saved = False

    def apply(self, event) -> None:
        from .app.run_record import Change

        if self.recorder.apply(event) is Change.SAVE:
            self._save()

    def close(self) -> None:
        self.recorder.ended()
        self._save()
        if self.saved:
            print(f"run recorded in {self.project.path} (the window's Runs list and Predict use it)")

    def _save(self) -> None:
        """Checked and written under the file's lock; what a window saved meanwhile is merged in."""
        from .app.checked_save import save_checked

        if self.failed:
            return
        outcome = save_checked(self.project, self.disk, merge=True)
        if outcome.conflict or outcome.error:
            self.failed = True
            why = "the window changed the same data meanwhile" if outcome.conflict else outcome.error
            print(f"warning: cannot record the run in {Path(self.project.path)}: {why}", file=sys.stderr)
            return
        self.disk, self.saved = outcome.state, True
        if outcome.merged is not None:  # go on from the merged project, with this run's record in it
            self.project = outcome.merged
            self.recorder.rebind(outcome.merged)
