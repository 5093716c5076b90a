"""`polymask train --project PATH`: the window's data, run folder and run record, from a terminal.

PATH opens by the window's rule (`annotator.app.project_location`): an annotation file trains on
its project file when it has one, so the labels trained on are the ones edited in the window. The
run is planned as the window plans it (`annotator.app.training.plan_run`: the project's data and
split, the run in the project's `runs/`) and recorded in the project file as the window records
it, so the window's Runs list and Predict find the model afterwards.
"""

from __future__ import annotations

import sys
from pathlib import Path

RECORDED_BY = "cli"  # a run record's `design`: how the run was started


def train_project(args, fail) -> int:
    from trainer import cli as trainer_cli
    from trainer.errors import TrainerError

    from .app.project_location import open_for_editing
    from .app.training import plan_run
    from .io import FormatError

    try:
        opened = open_for_editing(args.project)
    except FormatError as exc:
        return fail(str(exc))
    if opened.source_changed:
        print(f"warning: {opened.source_changed}", file=sys.stderr)
    try:
        plan = plan_run(opened.project, trainer_cli.settings_from_args(args))
    except TrainerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return trainer_cli.EXIT_USAGE
    except ValueError as exc:  # no run to continue, no images marked val
        return fail(str(exc))
    for problem in plan.data.problems:
        print(f"warning: {problem}", file=sys.stderr)
    if getattr(args, "preview_data", None):
        return trainer_cli.preview_data(plan.config, args.preview_data, getattr(args, "preview_count", 8))
    keeper = _keeper(opened, plan.config)
    try:
        on_event = keeper.apply if keeper is not None else None
        quiet, verbose = getattr(args, "quiet", False), getattr(args, "verbose", False)
        return trainer_cli.run_config(plan.config, quiet=quiet, verbose=verbose, on_event=on_event)
    finally:
        if keeper is not None:
            keeper.close()


def _keeper(opened, config) -> RunKeeper | None:
    """What records this run in the project file; None when a new project file would duplicate
    one that already covers these images."""
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
        from .app.run_record import RunRecorder

        self.project = project
        self.recorder = RunRecorder(project, config.out, config.model, config.epochs, RECORDED_BY)
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
