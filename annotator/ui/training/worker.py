"""Training runners: `trainer.fit` behind one Qt interface, in two designs.

* ``ThreadRunner``: a ``QThread`` iterates ``fit(config, stop)`` in this process.
* ``ProcessRunner``: a ``QThread`` launches and supervises ``python -m trainer run-json
  CONFIG.json`` (the same ``fit``), reading its events as JSON lines; the training's Python
  code then never competes with the UI thread for the GIL.

Both emit every trainer event through ``event(object)`` (queued to the UI thread, as
Qt does for a signal emitted from another thread) and ``ended()`` once the thread is done.
Stop: ``stop()`` (a ``threading.Event`` / a ``stop`` line on the child's stdin), which the
trainer checks between iterations and answers with a checkpoint and a ``finished`` event.
The child runs in its own process group (with its DataLoader workers): a stop not answered
within ``STOP_GRACE_MS`` kills the whole group, and the group is always cleared when the
child exits, so no worker outlives a run.

``DEFAULT_DESIGN`` is chosen from tests/benchmarks/ui_train_bench.py (see its figures).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import traceback
from pathlib import Path

from PySide6.QtCore import QObject, QThread, QTimer, Signal

DESIGNS = ("process", "thread")
DEFAULT_DESIGN = "process"  # main-thread stall p99 measured lower than the in-process thread; see the bench
TERMINAL = ("finished", "failed")
STOP_GRACE_MS = 10_000  # Stop: the child's answer (a checkpoint) may take one slow CPU iteration
SHUTDOWN_MS = 8_000  # closing the window: all of the run's processes are gone within this
EXIT_GRACE_S = 10.0  # after its last event, the child's time to shut its workers down and exit


def _failed(reason: str, detail: str | None = None):
    from trainer.events import Failed

    return Failed(reason=reason, detail=detail)


class _FitThread(QThread):
    event = Signal(object)

    def __init__(self, config, stop: threading.Event, parent=None):
        super().__init__(parent)
        self.config, self.stop_flag = config, stop
        self.setObjectName("polymask-train")

    def run(self) -> None:
        try:
            from trainer.engine import fit  # torch loads here, never on the UI thread

            for ev in fit(self.config, self.stop_flag):
                self.event.emit(ev)
        except BaseException as exc:  # noqa: BLE001 - an import error or a bug still ends as an event
            self.event.emit(_failed(f"Training could not run: {type(exc).__name__}: {exc}", traceback.format_exc()))


class _ProcessThread(QThread):
    event = Signal(object)

    def __init__(self, config_path: Path, stop: threading.Event, parent=None):
        super().__init__(parent)
        self.config_path, self.stop_flag = Path(config_path), stop
        self.proc: subprocess.Popen | None = None
        self.killed = False  # the supervisor ended the child (it did not answer stop in time)
        self._lock = threading.Lock()
        self.setObjectName("polymask-train-supervisor")

    def command(self) -> list[str]:
        return [sys.executable, "-m", "trainer", "run-json", str(self.config_path)]

    def send_stop(self) -> None:
        with self._lock:
            proc = self.proc
            if proc is not None and proc.poll() is None and proc.stdin is not None:
                try:
                    proc.stdin.write("stop\n")
                    proc.stdin.flush()
                except (OSError, ValueError):
                    pass

    def kill(self) -> None:
        """End the child and its workers now (the last checkpoint on disk is kept)."""
        with self._lock:
            if self.proc is not None:
                self.killed = self.killed or self.proc.poll() is None
                _kill_group(self.proc)

    def _reap(self) -> None:
        """Wait for the child to exit (killing it if it lingers), then kill any leftover worker."""
        try:
            self.proc.wait(timeout=EXIT_GRACE_S)
        except subprocess.TimeoutExpired:
            self.kill()
            self.proc.wait()
        _kill_group(self.proc)

    def run(self) -> None:
        from trainer.events import event_from_dict

        err_path = self.config_path.with_name("stderr.log")
        env = dict(os.environ)
        # The child must import the same trainer as this process.
        root = str(Path(__file__).resolve().parents[3])
        env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        env.setdefault("PYTHONUNBUFFERED", "1")
        terminal = False
        try:
            with open(err_path, "w", encoding="utf-8") as err:
                with self._lock:
                    self.proc = subprocess.Popen(
                        self.command(),
                        stdin=subprocess.PIPE,
                        stdout=subprocess.PIPE,
                        stderr=err,
                        text=True,
                        encoding="utf-8",
                        bufsize=1,
                        env=env,
                        cwd=str(self.config_path.parent),
                        **_OWN_GROUP,
                    )
                if self.stop_flag.is_set():
                    self.send_stop()
                for line in self.proc.stdout:
                    line = line.strip()
                    if not line.startswith("{"):
                        continue
                    try:
                        ev = event_from_dict(json.loads(line))
                    except (ValueError, TypeError):
                        continue
                    terminal = terminal or ev.kind in TERMINAL
                    self.event.emit(ev)
                    if terminal:  # don't wait for EOF: a lingering worker may hold stdout open
                        break
                self._reap()
        except BaseException as exc:  # noqa: BLE001
            if self.proc is not None:
                self.kill()
                self.proc.wait()
            self.event.emit(
                _failed(f"The training process could not run: {type(exc).__name__}: {exc}", traceback.format_exc())
            )
            return
        finally:
            if self.proc is not None and self.proc.stdin is not None:
                try:
                    self.proc.stdin.close()
                except OSError:
                    pass
            if self.proc is not None and self.proc.stdout is not None:
                self.proc.stdout.close()
        if not terminal and self.killed and self.stop_flag.is_set():
            self._emit_stopped()
        elif not terminal:
            tail = ""
            try:
                tail = err_path.read_text(encoding="utf-8", errors="replace")[-3000:]
            except OSError:
                pass
            last = [ln for ln in tail.splitlines() if ln.strip()]
            reason = last[-1] if last else f"exit status {self.proc.returncode}"
            self.event.emit(_failed(f"The training process ended unexpectedly: {reason}", tail or None))

    def _emit_stopped(self) -> None:
        """A stop that had to kill the child still ends as 'stopped', with the checkpoints on disk."""
        from trainer.events import Finished, WarningEvent

        run_dir = self.config_path.parent
        last, best = run_dir / "last.pth", run_dir / "best.pth"
        self.event.emit(
            WarningEvent(
                "The training process did not stop in time and was ended; the current "
                "epoch's progress is lost, earlier checkpoints are kept."
            )
        )
        self.event.emit(
            Finished(
                run_dir=str(run_dir.resolve()),
                best_checkpoint=str(best if best.exists() else last) if last.exists() else None,
                last_checkpoint=str(last) if last.exists() else None,
                stopped=True,
            )
        )


# The child leads its own process group, so its DataLoader workers can be ended with it.
_OWN_GROUP = (
    {"start_new_session": True}
    if os.name == "posix"
    else {"creationflags": getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)}
)


def _kill_group(proc: subprocess.Popen) -> None:
    if os.name == "posix":
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # the group outlives a reaped leader while workers remain
        except (ProcessLookupError, PermissionError):
            pass
    elif proc.poll() is None:
        proc.kill()  # Windows: torch's workers exit on their own once their parent is gone


class TrainRunner(QObject):
    """One training run at a time, in the chosen design."""

    event = Signal(object)
    ended = Signal()

    def __init__(self, design: str = DEFAULT_DESIGN, parent=None):
        super().__init__(parent)
        if design not in DESIGNS:
            raise ValueError(f"unknown runner design {design!r}; one of {', '.join(DESIGNS)}")
        self.design = design
        self._thread: QThread | None = None
        self._stop = threading.Event()
        self._active = False  # from start() until ended() (after the thread's last events were delivered)
        self._grace = QTimer(self)  # a stopped child that has not ended in time is killed
        self._grace.setSingleShot(True)
        self._grace.timeout.connect(self._enforce_stop)

    def is_running(self) -> bool:
        return self._active or (self._thread is not None and self._thread.isRunning())

    def start(self, config) -> None:
        """`config`: a trainer TrainConfig (its `out` is the run folder)."""
        if self.is_running():
            raise RuntimeError("A training run is already in progress.")
        self._stop = threading.Event()
        if self.design == "thread":
            thread = _FitThread(config, self._stop, self)
        else:
            config_path = config.save(config.out)  # config.json (+ dataset.json) in the run folder
            thread = _ProcessThread(config_path, self._stop, self)
        thread.event.connect(self.event)
        thread.finished.connect(self._thread_finished)
        self._thread = thread
        self._active = True
        thread.start()

    def _thread_finished(self) -> None:
        self._grace.stop()
        if self._thread is not None and not self._thread.isRunning() and self._active:
            self._active = False
            self.ended.emit()

    def stop(self, grace_ms: int = STOP_GRACE_MS) -> None:
        """Ask the run to stop after this iteration; a child process gets `grace_ms` to do so."""
        self._stop.set()
        if isinstance(self._thread, _ProcessThread):
            self._thread.send_stop()
            if self._thread.isRunning() and not self._grace.isActive():
                self._grace.start(grace_ms)

    def _enforce_stop(self) -> None:
        if isinstance(self._thread, _ProcessThread) and self._thread.isRunning():
            self._thread.kill()

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
        if not isinstance(self._thread, _ProcessThread):
            return self.wait(max(ms, 60_000))  # an in-process run cannot be killed: wait for its next iteration
        if self.wait(max(0, ms - 2000)):
            return True
        self._thread.kill()
        return self.wait(2000)
