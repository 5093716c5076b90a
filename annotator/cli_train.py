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
    from trainer.commands import train as trainer_cli
    from trainer.errors import TrainerError
    from trainer.launch.ssh.cli_args import target_from_args

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
    remote = target_from_args(args)
    keeper = _keeper(opened, plan.config, remote.host if remote is not None else None)
    try:
        on_event = keeper.apply if keeper is not None else None
        quiet, verbose = getattr(args, "quiet", False), getattr(args, "verbose", False)
        return trainer_cli.run_config(plan.config, quiet=quiet, verbose=verbose, on_event=on_event, remote=remote)
    finally:
        if keeper is not None:
            keeper.close()


def _keeper(opened, config, host: str | None) -> RunKeeper | None:
    """What records this run in the project file; None when a new project file would duplicate
    one that already covers these images."""
    if opened.created and opened.others:
        print(
            f"note: the run is not recorded in a new project file: {', '.join(map(str, opened.others))} "
            "already covers these images (open it in the window to keep its runs together)",
            file=sys.stderr,
        )
        return None
    return RunKeeper(opened.project, config, host=host, disk=opened.result.disk)


class RunKeeper:
    """The run's record in the project file, saved when the window would save it: at each
    checkpoint and when the run ends. A save that fails is said once and training goes on."""

    def __init__(self, project, config, host: str | None = None, disk=None):
        from .io.disk_state import read_state

        self.project, self.config, self.host = project, config, host
        # The state of the bytes the project was parsed from (a window may save meanwhile;
        # reading the file again here would take that save as ours and overwrite it).
        self.disk = disk if disk is not None else read_state(project.path)
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
            if self.recorder is not None:
                self.recorder.rebind(outcome.merged)
