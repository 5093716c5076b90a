""" "Learn as I label" in the window (issue 22): the toggle (Model menu and the Pre-label panel),
"Done & next" (Ctrl+Enter), its state in the status bar, feeding the live trainer, pre-labelling
the image that opens, and the quality curve.

The policy is annotator.app's: ``LiveFeed`` says what the trainer's set gains or loses after an
edit, ``LiveSession`` runs the trainer child. Nothing slow runs on the window's thread: the
session's calls (starting the child, writing to its pipe, stopping it) go through one worker
thread in order, its events come back as a queued signal, and the trainer child itself
pre-labels (between two steps, with the newest weights: the window loads no model and no
torch). The trainer stops when the toggle is turned off, the project changes or the window
closes (``shutdown`` waits for it, so no child is left)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QObject, QTimer, Signal, SignalInstance
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QBoxLayout, QLabel, QMenu, QStatusBar

from polymask_common.text import plural
from trainer.events import CheckpointSaved, Event, Failed, Finished, Started, Step  # torch-free
from trainer.live.events import LivePrediction, LiveSettings, LiveStatus

from ...app.live_feed import Finish, LiveFeed, Op, PrelabelInstance, Put, Remove, is_accept, next_to_label
from ...app.live_training import MIN_IMAGES, LiveSession, best_previous_weights
from ...app.run_list import last_live_quality
from ...app.run_record import LIVE, Change, RunRecorder
from ...app.training_runs import CONTINUE_LAST, new_run_folder, resolve, run_list
from ...app.uncertainty import FLOOR
from ...model import Edit, Project, SetDone
from .host import TrainingHost
from .live_panel import LivePanel

if TYPE_CHECKING:
    from .controller import TrainingController

NOT_FOR_LIVE = ("validation", "val_fraction", "val_coco", "out", "resume", "split", "epochs", "coco", "images")
SYNC_MS = 300  # edits to the same image within this are sent once (a drag makes many)


class LiveCanvas(Protocol):
    image_changed: SignalInstance  # the image key shown

    def finish_drawing(self) -> bool: ...


class _Bridge(QObject):
    """Signals from the worker threads to the window's thread (queued)."""

    arrived = Signal(object, object)  # session, event
    quality = Signal(object)  # session
    problem = Signal(object, str)  # session, message


class LiveLabelling(QObject):
    def __init__(
        self,
        training: TrainingController,
        host: TrainingHost,
        canvas: LiveCanvas,
        status: QStatusBar,
        edit_menu: QMenu | None = None,
    ):
        super().__init__(training)
        self.training, self.host, self.canvas, self.status = training, host, canvas, status
        self.min_images = MIN_IMAGES
        self.settings = LiveSettings()
        self.child_factory: Any = None  # LiveSession's `child` (tests give a stand-in)
        self.session: LiveSession | None = None
        self.feed: LiveFeed | None = None
        self.recorder: RunRecorder | None = None  # the record of the newest live run
        self._recorders: dict[int, RunRecorder] = {}  # id(session) → its run's record
        self._projects: dict[int, Project] = {}  # id(session) → the project it learns from
        self._why: dict[int, str] = {}  # id(session) → why it was stopped
        self.sessions: list[LiveSession] = []  # every session started, to stop them all on closing
        self.prelabelled_with: dict[str, int] = {}  # image key → the step whose weights pre-labelled it
        self._asked: set[str] = set()  # images whose pre-label the trainer was asked for
        self._shown: dict[str, list[PrelabelInstance]] = {}  # the pre-labels delivered, by image key
        self._ended = ""  # what the state says once learning stopped
        self._dirty: set[str] = set()
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="live-session")
        self._bridge = _Bridge(self)
        self._bridge.arrived.connect(self._on_event)
        self._bridge.quality.connect(self._on_quality)
        self._bridge.problem.connect(self._on_problem)
        self._sync_timer = QTimer(self, singleShot=True, interval=SYNC_MS)
        self._sync_timer.timeout.connect(self._sync)
        self._tick = QTimer(self, interval=1000)
        self._tick.timeout.connect(self.refresh_state)

        self.panel = LivePanel()
        layout = training.predict_panel.layout()
        if isinstance(layout, QBoxLayout):
            layout.addWidget(self.panel, 1)  # the curve shares the column's spare height with the lists
        self.status_label = QLabel()
        self.status_label.hide()
        status.insertPermanentWidget(0, self.status_label)
        self.toggle, self.done_next = self._actions(training.window, edit_menu)
        self.toggle.toggled.connect(self._toggled)
        self.panel.check.toggled.connect(self.toggle.setChecked)
        self.done_next.triggered.connect(self.done_and_next)
        canvas.image_changed.connect(self._image_opened)

    def _actions(self, window, edit_menu: QMenu | None) -> tuple[QAction, QAction]:
        toggle = QAction("&Learn as I label", window)
        toggle.setCheckable(True)
        toggle.setStatusTip("Train in the background on each image marked done; pre-label the next one")
        done_next = QAction("Done and &next image", window)
        done_next.setShortcuts([QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")])
        done_next.setStatusTip("Mark this image done (Learn as I label learns from it) and open the next to do")
        done_next.setToolTip("Mark done and open the next image to do (Ctrl+Enter)")
        done_next.setShortcutVisibleInContextMenu(True)
        window.addAction(done_next)
        bar = window.menuBar()
        model = next((a.menu() for a in bar.actions() if a.text().replace("&", "") == "Model"), None)
        if model is not None:
            panels = next((a for a in model.actions() if a.menu() is not None), None)
            model.insertAction(panels, toggle)
            model.insertSeparator(panels)
        if edit_menu is not None:
            done = next((a for a in edit_menu.actions() if a.text().replace("&", "") == "Image done"), None)
            after = edit_menu.actions()
            at = after.index(done) + 1 if done in after else len(after)
            edit_menu.insertAction(after[at] if at < len(after) else None, done_next)  # type: ignore[arg-type]
        return toggle, done_next

    # ---- on / off -------------------------------------------------------------------------
    def _toggled(self, on: bool) -> None:
        self.panel.check.blockSignals(True)
        self.panel.check.setChecked(on)
        self.panel.check.blockSignals(False)
        if on and self.session is None:
            self.start()
        elif not on and self.session is not None:
            self.stop("stopped")

    def start(self) -> bool:
        project = self.host.project
        if project is None:
            return self._refuse("Open a project first.")
        feed = LiveFeed(project)
        if not feed.categories:
            return self._refuse("Add a class first: the model learns the project's classes.")
        settings = self.train_settings(project)
        out = new_run_folder(project, f"live-{settings.get('model') or 'fast'}")
        extra = {"child": self.child_factory} if self.child_factory is not None else {}
        session = LiveSession(feed.categories, out, settings, self.settings, self.min_images, **extra)
        session.listeners.append(partial(self._bridge.arrived.emit, session))
        self.session, self.feed, self._ended = session, feed, ""
        self._asked.clear()
        self._shown.clear()
        self.sessions.append(session)
        self._projects[id(session)] = project
        feed.shown(self.host.current_key, time.monotonic())
        self._submit(session, feed.sync(feed.all_keys(), time.monotonic(), initial=True))
        self.panel.show_quality([])  # a past session's curve gives way to this one's
        self.training.views.show_dock(self.training.views.predict_dock, raise_=False)
        self._tick.start()
        self.refresh_state()
        self._maybe_prelabel()
        return True

    def _refuse(self, why: str) -> bool:
        self.toggle.setChecked(False)
        self.status.showMessage(f"Learn as I label: {why}", 8000)
        return False

    def train_settings(self, project: Project) -> dict[str, Any]:
        """The Train panel's settings, warm-started from the project's best previous run."""
        values = {**self.training.panel.values(), **self.training.overrides}
        settings = {k: v for k, v in values.items() if k not in NOT_FOR_LIVE}
        best = best_previous_weights(run_list(project), lambda stored: resolve(project, stored))
        if best is not None:
            settings["weights"] = best
        elif settings.get("weights") == CONTINUE_LAST:
            settings.pop("weights")
        return settings

    def stop(self, why: str = "stopped") -> None:
        """Stop learning (the trainer writes a last checkpoint on its way out), off this thread."""
        session, self.session, self.feed = self.session, None, None
        self._sync_timer.stop()
        self._dirty.clear()
        if self.toggle.isChecked():
            self.toggle.setChecked(False)
        if session is not None:
            self._why[id(session)] = why
            self._ended = f"stopping ({why})…" if why != "stopped" else "stopping…"
            self._pool.submit(session.stop)
        self.refresh_state()

    def set_document(self, doc) -> None:
        """The window opened a project (its history `doc`): learning on another one stops."""
        if self.session is not None and self.feed is not None and self.feed.project is not self.host.project:
            self.stop("the project changed")
        doc.changed.connect(self._edited)
        if self.session is None:
            name, quality = last_live_quality(self.host.project)
            if quality or self.panel.plot is not None:
                self.panel.show_quality(quality, name)

    def shutdown(self, timeout: float = 30.0) -> None:
        """Stop every session and wait for their processes to be gone (closing the window)."""
        self._tick.stop()
        self._sync_timer.stop()
        self.session, self.feed = None, None
        self._pool.shutdown(wait=True)
        for s in self.sessions:
            s.stop(timeout)

    # ---- the state ------------------------------------------------------------------------
    def state_text(self) -> str:
        if self.session is not None:
            return self.session.status_text()
        return self._ended or "off"

    def refresh_state(self) -> None:
        text = self.state_text()
        self.panel.set_state(text)
        self.status_label.setText(f"Learn as I label: {text}")
        self.status_label.setVisible(text != "off")
        if self.session is None and not self._ended.startswith("stopping"):
            self._tick.stop()

    # ---- the set --------------------------------------------------------------------------
    def _edited(self, edit: Edit) -> None:
        feed = self.feed
        if feed is None or self.host.project is not feed.project:
            return
        scope = edit.scope()
        keys = set(scope.images)
        if is_accept(edit):
            feed.accepted.update(keys)
        if scope.project:
            keys |= set(feed.sent)
        self._dirty |= keys
        self._sync_timer.start()

    def flush(self) -> None:
        """Send what is waiting now (tests; the timer does it otherwise)."""
        self._sync_timer.stop()
        self._sync()

    def _sync(self) -> None:
        if self.session is None or self.feed is None:
            return
        keys, self._dirty = sorted(self._dirty), set()
        ops = self.feed.sync(keys, time.monotonic())
        if self.feed.new_classes:
            names = ", ".join(sorted(self.feed.new_classes))
            self.status.showMessage(f"Learn as I label learns the classes it started with; not {names}.", 8000)
        self._submit(self.session, ops)

    def _submit(self, session: LiveSession, ops: list[Op]) -> None:
        if ops:
            self._pool.submit(self._apply, session, ops)

    def _apply(self, session: LiveSession, ops: list[Op]) -> None:
        """On the worker thread: the operations, in order."""
        finished = False
        try:
            for op in ops:
                if isinstance(op, Put):
                    session.done(op.image, op.annotations, op.path)
                elif isinstance(op, Remove):
                    session.remove(op.image_id)
                elif isinstance(op, Finish):
                    session.finish(op.image, op.annotations, op.predicted, time.monotonic() - op.seconds, op.path)
                    finished = True
        except Exception as exc:  # noqa: BLE001 - bad settings, a child that cannot start: said, not raised
            self._bridge.problem.emit(session, f"{type(exc).__name__}: {exc}")
        if finished:
            self._bridge.quality.emit(session)

    # ---- events from the worker threads ---------------------------------------------------
    def _on_event(self, session: LiveSession, ev: Event) -> None:
        active = session is self.session
        recorder = self._recorders.get(id(session))
        if isinstance(ev, Started) and recorder is None and id(session) in self._projects:
            recorder = RunRecorder(self._projects[id(session)], str(session.out), ev.model, 0, LIVE)
            self._recorders[id(session)] = self.recorder = recorder
        if recorder is not None and not isinstance(ev, (LiveStatus, LivePrediction)):
            if recorder.apply(ev) is Change.SAVE and self.host.project is recorder.project:
                self.training.autosave.mark_dirty([])
                self.training._refresh_runs()  # the Runs list shows the live run
        if isinstance(ev, LivePrediction) and active:
            self._prelabelled(session, ev)
        elif isinstance(ev, (CheckpointSaved, Step)) and active:
            if isinstance(ev, CheckpointSaved):
                self._name_the_model(ev.path)
            self._maybe_prelabel()
        elif isinstance(ev, (Finished, Failed)):
            if active:
                self.stop(ev.reason if isinstance(ev, Failed) else "stopped")
            if self.host.project is not None:  # the stored choice or the best run pre-labels again
                self.training.predicting.run_finished(getattr(ev, "last_checkpoint", None))
            why = ev.reason if isinstance(ev, Failed) else self._why.get(id(session), "stopped")
            self._ended = "stopped" if why == "stopped" else f"stopped: {why}"
        self.refresh_state()

    def _on_problem(self, session: LiveSession, message: str) -> None:
        if session is self.session:
            self.stop(message)
            self._ended = f"stopped: {message}"
            self.refresh_state()

    def _on_quality(self, session: LiveSession) -> None:
        self.panel.show_quality(list(session.quality))

    # ---- pre-labelling --------------------------------------------------------------------
    def _image_opened(self, key: str | None) -> None:
        if self.feed is not None:
            self.feed.shown(key, time.monotonic())
        self._maybe_prelabel()

    def _maybe_prelabel(self) -> None:
        """Ask the trainer to pre-label the image shown, if it has no shapes yet. The trainer
        predicts between two steps with the weights as they are (the newest); nothing of the model
        is loaded in the window, so the window's thread never waits on it."""
        session, feed, project, key = self.session, self.feed, self.host.project, self.host.current_key
        if session is None or feed is None or project is not feed.project or key is None:
            return
        child = session.child
        if child is None or (session.step is None and session.checkpoint is None):
            return  # not started, or not a single step trained yet
        im = project.image(key)
        if im.regions or key in feed.prelabels or key in self._asked:
            return
        self._asked.add(key)
        path = str(project.image_path(im).resolve())
        self._pool.submit(child.predict, key, path, FLOOR, self.training.predictions.tolerance)

    def _name_the_model(self, checkpoint: str) -> None:
        """The live run's checkpoint is the model in use (Predict, Runs); the pre-labels stay."""
        predictions = self.training.predictions
        # live training rewrites the same last.pth: Predict (its own thread) must load it afresh
        predictions.forget_model(checkpoint)
        if predictions.checkpoint != checkpoint:
            self.training.predicting.use_for_now(checkpoint)  # clears the results it had
            for key, instances in self._shown.items():
                predictions.set_results(key, instances)

    def _prelabelled(self, session: LiveSession, ev: LivePrediction) -> None:
        feed, predictions = self.feed, self.training.predictions
        self._asked.discard(ev.key)
        if feed is None or self.host.project is not feed.project:
            return
        if ev.error:
            self.status.showMessage(f"Pre-label failed: {ev.error}", 8000)
            return
        instances = [PrelabelInstance.from_dict(d) for d in ev.instances]
        self._shown[ev.key] = instances
        predictions.set_results(ev.key, instances)
        feed.prelabels[ev.key] = feed.prelabel_annotations(instances, predictions.threshold)
        self.prelabelled_with[ev.key] = ev.step
        if ev.key == self.host.current_key:
            n = len(feed.prelabels[ev.key])
            self.status.showMessage(f"Pre-labelled by the live model (step {ev.step}): {plural(n, 'object')}", 5000)

    # ---- done & next ----------------------------------------------------------------------
    def done_and_next(self) -> str | None:
        """Mark the image shown done and open the next image to do; returns its key."""
        project, key = self.host.project, self.host.current_key
        if project is None or key is None:
            return None
        if not self.canvas.finish_drawing():
            self.status.showMessage("Finish the shape (Enter) or cancel it (Esc) first", 6000)
            return None
        if not project.image(key).done:
            self.host.push(SetDone(key, True))
        nxt = next_to_label(project, key)
        if nxt is None:
            self.status.showMessage("Every image is done.", 6000)
            return None
        self.host.show_image(nxt)
        return nxt
