"""One training run at a time: the runner (trainer.fit in a thread or a child process), the
run's record in the project (annotator.app.run_record), and its events as signals."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Signal

from trainer.events import Event, Failed, Finished  # torch-free
from trainer.launch.ssh.cli_args import remote_fitter  # torch-free

from ...app.remote_host import RemoteChoice, name_host
from ...app.run_record import Change, RunRecorder
from ...model import Project, RunRecord
from .worker import DEFAULT_DESIGN, SHUTDOWN_MS, TrainRunner

REMOTE_DESIGN = "remote"  # a run record's `design` for a run on another machine (its `host` names it)


class RunSession(QObject):
    event = Signal(object, object)  # type: ignore[assignment]  # a trainer event, and the Change it made to the run's record
    ended = Signal(object)  # the finished / failed event (None if the run ended without one)
    progress = Signal(str, str)  # a remote run's preparation (stage, message), from the run's thread

    def __init__(self, design: str = DEFAULT_DESIGN, parent: QObject | None = None):
        super().__init__(parent)
        self.design = design
        self.runner = TrainRunner(design, self)
        self.runner.event.connect(self._on_event)
        self.runner.ended.connect(self._on_ended)
        self.recorder: RunRecorder | None = None
        self.terminal: Finished | Failed | None = None
        self.errors: list[Failed] = []
        self._remote: tuple[Project, Any, str] | None = None  # a remote run not started yet

    @property
    def project(self) -> Project | None:
        """The project the run (the last one started) trains on."""
        if self.recorder is None and self._remote is not None:
            return self._remote[0]
        return self.recorder.project if self.recorder is not None else None

    @property
    def record(self) -> RunRecord | None:
        return self.recorder.record if self.recorder is not None else None

    def is_running(self) -> bool:
        return self.runner.is_running()

    def start(self, project: Project, config, remote: RemoteChoice | None = None) -> None:
        """Record the run in `project` and start it (`config`: a trainer TrainConfig). Raises
        when it cannot start; its record then says it failed."""
        self.terminal, self.errors, self._remote = None, [], None
        if remote is not None:  # recorded once it has started there: a failure before leaves the project as it was
            self.recorder, self._remote = None, (project, config, remote.host)
            self.runner.start_events(lambda stop: remote_fitter(remote.target(), self.progress.emit)(config, stop))
            return
        self.recorder = RunRecorder(project, config.out, config.model, config.epochs, self.design)
        try:
            self.runner.start(config)
        except Exception as exc:
            self.recorder.could_not_start(f"The run could not start: {type(exc).__name__}: {exc}")
            raise

    def stop(self) -> None:
        self.runner.stop()

    def _on_event(self, ev: Event) -> None:
        if self.recorder is None and self._remote is not None and ev.kind == "started":
            project, config, host = self._remote
            self.recorder = RunRecorder(project, config.out, config.model, config.epochs, REMOTE_DESIGN)
            name_host(self.recorder.record, host)
        change = self.recorder.apply(ev) if self.recorder is not None else Change.NONE
        match ev:
            case Finished():
                self.terminal = ev
            case Failed():
                self.terminal = ev
                self.errors.append(ev)
        self.event.emit(ev, change)

    def _on_ended(self) -> None:
        if self.recorder is not None:
            self.recorder.ended()
        self.ended.emit(self.terminal)

    def shutdown(self, ms: int = SHUTDOWN_MS) -> None:
        """Stop a run (the checkpoint is kept) and wait for it; a run process that has not ended
        within `ms` is killed with its workers, so closing never hangs. Its last events are delivered."""
        if self.runner.is_running():
            self.runner.shutdown(ms)
        QCoreApplication.sendPostedEvents(self.runner, QEvent.Type.MetaCall)
