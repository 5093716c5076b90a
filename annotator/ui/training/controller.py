"""TrainingController: click-to-train in the window, wiring three parts together: the docks
and the Model menu (docks.py), the run session (session.py: runner → run record, events →
signals) and pre-labelling (predicting.py). What it needs from the window is named in its
constructor (host.py); the policy it follows is annotator.app's.

The trainer is imported lazily (when a run starts or a model predicts), so the window
opens without loading torch.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtWidgets import QApplication, QDockWidget, QMainWindow, QStatusBar, QToolBar

from trainer.events import Event, Failed, Finished, Preview, WarningEvent  # torch-free

from ...app.preflight import data_notes, preflight
from ...app.run_record import Change
from ...app.training import plan_run
from ...app.training_runs import run_checkpoint, run_list
from ...model import RunRecord
from ..autosave import Autosaver
from ..theme import class_colour
from .docks import TrainingDocks
from .host import PredictionCanvas, TrainingHost
from .predicting import PredictionController
from .run_manager import RunManager
from .session import RunSession
from .weights_memory import WeightsMemory
from .worker import DEFAULT_DESIGN, SHUTDOWN_MS


class TrainingController(QObject):
    event_received = Signal(object)  # every trainer event, after the views handled it
    run_started = Signal()
    run_ended = Signal(object)  # the finished / failed event (None if the thread ended without one)

    def __init__(
        self,
        window: QMainWindow,
        host: TrainingHost,
        canvas: PredictionCanvas,
        status: QStatusBar,
        autosave: Autosaver,
        toolbar: QToolBar | None = None,
        tab_with: QDockWidget | None = None,
        design: str | None = None,  # how runs run (worker.DESIGNS); None: worker.DEFAULT_DESIGN
    ):
        super().__init__(window)
        self.window, self.host, self.status, self.autosave = window, host, status, autosave
        self.overrides: dict = {}  # TrainConfig settings applied over the form's (knobs the form lacks)
        self._closing = False
        self.views = TrainingDocks(window, toolbar, tab_with)
        self.session = RunSession(design or DEFAULT_DESIGN, self)
        self.predicting = PredictionController(
            host,
            canvas,
            self.views.predict_panel,
            self.views.actions["accept_all"],
            lambda: self.views.show_dock(self.views.predict_dock),
            self._status,
            self.colour_for,
            self,
            project_changed=lambda: self.autosave.mark_dirty([]),  # the stored model choice
        )
        # the parts' widgets and models, by the names tests and benchmarks use
        v = self.views
        self.actions, self.panel, self.progress, self.gallery = v.actions, v.panel, v.progress, v.gallery
        self.runs_panel, self.predict_panel = v.runs_panel, v.predict_panel
        self.predictions, self.runner = self.predicting.predictions, self.session.runner
        self.design = self.session.design
        self.runs = RunManager(
            v,
            lambda: self.host.project,
            self._running_record,
            lambda: str(self.predictions.checkpoint) if self.predictions.checkpoint else None,
            self._project_data_changed,
            self._status,
            self.colour_for,
            self,
        )
        self.weights_memory = WeightsMemory(
            self.panel, window, lambda: self.host.project, self._project_data_changed, self
        )

        a, p = self.actions, self.predicting
        a["train"].triggered.connect(self.show_train_panel)
        a["stop"].triggered.connect(self.stop)
        a["predict"].triggered.connect(p.predict_current)
        a["predict_all"].triggered.connect(p.predict_unlabelled)
        a["accept_all"].triggered.connect(lambda: p.accept())
        a["next_uncertain"].triggered.connect(p.next_uncertain)
        self.panel.train_requested.connect(self.train)
        self.panel.stop_requested.connect(self.stop)
        self.runs_panel.use_requested.connect(self.use_run)
        self.runs.moved.connect(self._run_moved)
        self.session.event.connect(self._on_event)
        self.session.ended.connect(self._on_ended)
        self.session.progress.connect(self._remote_progress)
        window.installEventFilter(self)
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)
        self.views.set_running(False)

    # ---- what tests and the window ask ---------------------------------------------------
    @property
    def plots(self):
        return self.views.plots

    @property
    def terminal(self) -> Finished | Failed | None:
        return self.session.terminal

    @property
    def errors(self) -> list[Failed]:
        return self.session.errors

    @property
    def run(self) -> RunRecord | None:
        """The record of the last run started (in its project's runs list)."""
        return self.session.record

    def is_running(self) -> bool:
        return self.session.is_running()

    def colour_for(self, name: str | None) -> str:
        return class_colour(self.host.project, name)

    def _status(self, text: str, ms: int = 6000) -> None:
        self.status.showMessage(text, ms)

    def project_opened(self) -> None:
        """The window opened a project: its runs (records and folders) and the newest one's
        curves, the weights it trains with, the speed its last run measured."""
        project = self.host.project
        self.weights_memory.opened()
        for record in run_list(project):
            if record.model and record.images_per_s:
                self.panel.set_measured(record.model, record.images_per_s)
        self.runs.opened()

    def _project_data_changed(self) -> None:
        if self.host.project is not None:
            self.autosave.mark_dirty([])  # project-level data (runs, remembered settings) changed

    def _running_record(self) -> RunRecord | None:
        if self.is_running() and self.host.project is self.session.project:
            return self.session.record
        return None

    def show_train_panel(self) -> None:
        self.views.show_dock(self.views.train_dock)
        project = self.host.project
        self.panel.show_issues(preflight(project) + data_notes(project))

    # ---- training ------------------------------------------------------------------------
    def build_config(self, project, values: dict | None = None):
        """TrainConfig for `project` with the form's values (+ overrides, + `values`)."""
        # sizes read for training are learnt by the project (Project.learn_size): kept with the next save
        return plan_run(project, {**self.panel.values(), **self.overrides, **(values or {})}).config

    def train(self, values: dict | None = None) -> bool:
        """Check the project, then start a run (one at a time). False if it did not start."""
        if self.is_running():
            self._status("A training run is already in progress: stop it first.")
            return False
        project = self.host.project
        issues = preflight(project)
        self.panel.show_issues(issues + data_notes(project))  # notes are shown, never block
        if issues:
            self.views.train_dock.show()
            self.views.train_dock.raise_()
            self.host.show_error(
                "Cannot train yet", "Fix these before training:", "\n".join(f"• {i.message}" for i in issues)
            )
            return False
        assert project is not None  # preflight says "open a project" otherwise
        try:
            config = self.build_config(project, values)
        except Exception as exc:  # noqa: BLE001 - bad settings, unreadable images: a dialog, not a crash
            self.host.show_error("Cannot train", "The training data could not be prepared.", f"{exc}")
            return False
        self.views.new_run()
        self.weights_memory.run_starts(config.weights)
        remote = self.panel.where.choice()  # None: this computer
        try:
            self.session.start(project, config, remote)
        except Exception as exc:  # noqa: BLE001
            self.progress.failed(Failed(f"The training run could not start: {type(exc).__name__}: {exc}"))
            self._record_changed(Change.SAVE)
            self.host.show_error("Cannot train", "The training run could not start.", f"{type(exc).__name__}: {exc}")
            return False
        if remote is None:
            self._record_changed(Change.SAVE)
        else:  # recorded once it has started on the host
            self.panel.where.remember(remote)
        self.views.show_curves()
        self.progress.bar.setFormat("preparing…")
        self.views.set_running(self.is_running())
        self._status(f"Training started → {config.out}")
        self.run_started.emit()
        return True

    def _remote_progress(self, stage: str, message: str) -> None:
        """A remote run's preparation: environment, the host's torch / GPUs, images sent."""
        if stage == "host":
            self.panel.where.show_report(message)
        self.progress.bar.setFormat(message if len(message) < 70 else message[:67] + "…")
        self._status(message)

    def stop(self) -> None:
        if self.is_running():
            self.session.stop()
            self.progress.bar.setFormat("stopping after this iteration…")
            self._status("Stopping after this iteration; the checkpoint is kept.")

    def _on_event(self, ev: Event, change: Change) -> None:
        self.views.show_event(ev, self.session.project, self.colour_for)
        match ev:
            case WarningEvent():
                self._status(f"Training: {ev.message}", 10000)
            case Preview():
                self.runs.keep_preview(ev, self.session.record)
            case Finished():
                self._finished(ev)
            case Failed():
                if not self._closing and not self.weights_memory.failed(ev):
                    self.host.show_error("Training failed", ev.reason, ev.detail or "")
        self._record_changed(change)
        self.event_received.emit(ev)

    def _finished(self, ev: Finished) -> None:
        record = self.session.record or RunRecord()
        if record.images_per_s:
            self.panel.set_measured(record.model or "", record.images_per_s)
        checkpoint = ev.best_checkpoint or ev.last_checkpoint
        if checkpoint and self.host.project is self.session.project:
            self.predicting.run_finished(checkpoint)  # the best run may have changed
        self._status(f"Training {record.status}: {ev.run_dir}", 10000)

    def _record_changed(self, change: Change) -> None:
        if change is Change.SAVE and self.host.project is not None and self.host.project is self.session.project:
            self.autosave.mark_dirty([])  # project-level data (the runs list) changed
        if change is not Change.NONE:
            self._refresh_runs()

    def _on_ended(self, terminal) -> None:
        self.views.set_running(False)
        self._refresh_runs()
        if self.plots is not None:
            self.plots.redraw()
        self.run_ended.emit(terminal)

    # ---- runs ----------------------------------------------------------------------------
    def _refresh_runs(self) -> None:
        self.runs.refresh()

    def _run_moved(self, old: Path, new: Path) -> None:
        """A renamed run keeps predicting when its checkpoint was the one in use."""
        current = self.predictions.checkpoint
        if current and Path(current).is_relative_to(old):
            self.predicting.use_checkpoint(new / Path(current).relative_to(old))

    def use_run(self, index: int) -> bool:
        project = self.host.project
        runs = run_list(project)
        if not 0 <= index < len(runs):
            return False
        path = run_checkpoint(project, runs[index])
        if path is None:
            self._status("That run has no checkpoint to predict with.", 8000)
            return False
        self.predicting.use_checkpoint(path)
        self._refresh_runs()
        return True

    # ---- predicting (predicting.py) --------------------------------------------------------
    def predict_current(self) -> bool:
        return self.predicting.predict_current()

    def predict_unlabelled(self) -> int:
        return self.predicting.predict_unlabelled()

    def unlabelled_keys(self) -> list[str]:
        return self.predicting.unlabelled_keys()

    def accept(self, indices: list[int] | None = None) -> int:
        return self.predicting.accept(indices)

    def next_uncertain(self) -> str | None:
        return self.predicting.next_uncertain()

    # ---- lifetime ------------------------------------------------------------------------
    def eventFilter(self, obj, event) -> bool:
        if obj is self.window and event.type() == QEvent.Type.Close:
            self.shutdown()
        return False

    def shutdown(self, ms: int = SHUTDOWN_MS) -> None:
        """Stop a run (the checkpoint is kept) and wait for it; a run process that has not ended
        within `ms` is killed with its workers, so closing never hangs. Stop predicting. Idempotent."""
        self._closing = True
        self.session.shutdown(ms)
        self.runs.trashed_purge()  # deleted runs were undoable until now
        self.predicting.shutdown()
        self.views.shutdown()
