"""TrainRunner: one training run at a time behind one Qt interface, in two designs.

* ``"thread"``: a ``QThread`` iterates ``trainer.fit(config, stop)`` in this process.
* ``"process"``: the same ``QThread`` iterates ``trainer.launch.supervisor.fit_in_subprocess`` (a
  supervised ``python -m trainer run-json`` child); the training's Python code then never
  competes with the UI thread for the GIL.

Every trainer event goes out through ``event(object)`` (queued to the UI thread, as Qt does for
a signal emitted from another thread) and ``ended()`` once the thread is done. Stop: a
``threading.Event`` the trainer (or the child's supervisor) checks between iterations and
answers with a checkpoint and a ``finished`` event.

``DEFAULT_DESIGN`` is chosen from tests/benchmarks/ui_train_bench.py (see its figures).
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable, Iterator

from PySide6.QtCore import QObject, QThread, Signal

from trainer.events import Event, Failed  # torch-free
from trainer.launch.supervisor import STOP_GRACE_S, ChildRun, Launcher, local_python  # torch-free

DESIGNS = ("process", "thread")
DEFAULT_DESIGN = "process"  # main-thread stall p99 measured lower than the in-process thread; see the bench
STOP_GRACE_MS = int(STOP_GRACE_S * 1000)
SHUTDOWN_MS = 8_000  # closing the window: all of the run's processes are gone within this


class _EventThread(QThread):
    """Iterates one run's events on its own thread and emits each; a run that raises ends as
    a ``failed`` event."""

    event = Signal(object)  # type: ignore[assignment]  # a signal named as QObject.event(): its users connect to it by this name

    def __init__(self, events: Callable[[], Iterator[Event]], parent=None):
        super().__init__(parent)
        self._events = events
        self.setObjectName("polymask-train")

    def run(self) -> None:
        try:
            for ev in self._events():
                self.event.emit(ev)
        except BaseException as exc:  # noqa: BLE001 - an import error or a bug still ends as an event
            self.event.emit(Failed(f"Training could not run: {type(exc).__name__}: {exc}", traceback.format_exc()))


def _fit_here(config, stop: threading.Event) -> Iterator[Event]:
    from trainer.run.engine import fit  # torch loads here, on the run's thread, never on the UI thread

    return fit(config, stop)


class TrainRunner(QObject):
    """One training run at a time, in the chosen design. `command`: how a "process" run's child
    is started (trainer.launch.supervisor.Launcher; this interpreter's ``python -m trainer`` by default)."""

    event = Signal(object)  # type: ignore[assignment]  # a signal named as QObject.event(): its users connect to it by this name
    ended = Signal()

    def __init__(self, design: str = DEFAULT_DESIGN, parent=None, command: Launcher = local_python):
        super().__init__(parent)
        if design not in DESIGNS:
            raise ValueError(f"unknown runner design {design!r}; one of {', '.join(DESIGNS)}")
        self.design, self.command = design, command
        self._thread: _EventThread | None = None
        self.child: ChildRun | None = None  # the supervised child of a "process" run
        self._stop = threading.Event()
        self._active = False  # from start() until ended() (after the thread's last events were delivered)

    def is_running(self) -> bool:
        return self._active or (self._thread is not None and self._thread.isRunning())

    def start(self, config) -> None:
        """`config`: a trainer TrainConfig (its `out` is the run folder)."""
        if self.is_running():
            raise RuntimeError("A training run is already in progress.")
        stop = self._stop = threading.Event()
        if self.design == "thread":
            self.child = None
            thread = _EventThread(lambda: _fit_here(config, stop), self)
        else:
            child = self.child = ChildRun(config.save(config.out), self.command)  # config.json in the run folder
            thread = _EventThread(lambda: child.events(stop), self)
        self._launch(thread)

    def start_events(self, events: Callable[[threading.Event], Iterator[Event]]) -> None:
        """Start a run whose events come from `events(stop)` (a run on another machine)."""
        if self.is_running():
            raise RuntimeError("A training run is already in progress.")
        stop = self._stop = threading.Event()
        self.child = None
        self._launch(_EventThread(lambda: events(stop), self))

    def _launch(self, thread: _EventThread) -> None:
        thread.event.connect(self.event)
        thread.finished.connect(self._thread_finished)
        self._thread = thread
        self._active = True
        thread.start()

    def _thread_finished(self) -> None:
        if self._thread is not None and not self._thread.isRunning() and self._active:
            self._active = False
            self.ended.emit()

    def stop(self, grace_ms: int = STOP_GRACE_MS) -> None:
        """Ask the run to stop after this iteration; a child process gets `grace_ms` to do so."""
        if self.child is not None and not self._stop.is_set():
            self.child.stop_grace_s = grace_ms / 1000
        self._stop.set()

    def wait(self, ms: int = 30000) -> bool:
        """Block until the run has ended (True) or `ms` passed (False)."""
        if self._thread is None:
            return True
        return self._thread.wait(ms)

    def shutdown(self, ms: int = SHUTDOWN_MS) -> bool:
        """Stop and wait; a child process that has not ended within `ms` is killed with its workers
        (an in-process thread gets up to a minute, as it cannot be killed)."""
        if self._thread is None or not self._thread.isRunning():
            return True
        self.stop()
        if self.child is None:
            return self.wait(max(ms, 60_000))  # an in-process run cannot be killed: wait for its next iteration
        if self.wait(max(0, ms - 2000)):
            return True
        self.child.kill()
        return self.wait(2000)
