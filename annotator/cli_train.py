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
    return RunKeeper(opened.project, config, host=getattr(args, "remote", None))


class RunKeeper:
    """The run's record in the project file, saved when the window would save it: at each
    checkpoint and when the run ends. A save that fails is said once and training goes on."""

    def __init__(self, project, config, host: str | None = None):
        self.project, self.config, self.host = project, config, host
        self.recorder = None if host else self._recorder()  # a remote run: once it has started there
        self.failed = False
        self.saved = False

    def _recorder(self):
        from .app.remote_host import name_host
        from .app.run_record import RunRecorder

        recorder = RunRecorder(self.project, self.config.out, self.config.model, self.config.epochs, RECORDED_BY)
        if self.host:
            name_host(recorder.record, self.host)
        return recorder

    def apply(self, event) -> None:
        from .app.run_record import Change

        if self.recorder is None and event.kind == "started":
            self.recorder = self._recorder()
        if self.recorder is not None and self.recorder.apply(event) is Change.SAVE:
            self._save()

    def close(self) -> None:
        if self.recorder is None:  # a remote run that never started: the project is left as it was
            return
        self.recorder.ended()
        self._save()
        if self.saved:
            print(f"run recorded in {self.project.path} (the window's Runs list and Predict use it)")

    def _save(self) -> None:
        from .io.native import save_project

        if self.failed:
            return
        try:
            save_project(self.project)
            self.saved = True
        except OSError as exc:
            self.failed = True
            print(
                f"warning: cannot record the run in {Path(self.project.path)}: {exc.strerror or exc}", file=sys.stderr
            )
