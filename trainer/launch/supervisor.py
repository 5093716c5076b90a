"""Training in a child process: ``fit_in_subprocess(config, stop) -> Iterator[Event]``.

The child is ``python -m trainer run-json CONFIG.json`` (the same ``fit``), which writes each
event as one JSON line on stdout and stops cleanly on a ``stop`` line on stdin (or when stdin
closes). Supervising it here, Qt-free, serves the window (one QThread iterates this), the CLI
and live training alike. The command that is started is a parameter (``command``), so the same
protocol runs over e.g. ``ssh host python -m trainer run-json ...``.

The child leads its own process group (with its DataLoader workers): a stop not answered within
``stop_grace_s`` kills the whole group, and the group is always cleared when the child exits, so
no worker outlives a run. A stop that had to kill still ends as a ``finished`` (stopped) event
naming the checkpoints on disk.

Torch-free: the window imports this without loading torch.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import trainer
from trainer.events import Event, Failed, Finished, WarningEvent, event_from_dict
from trainer.run import files as run_files

TERMINAL = ("finished", "failed")
STOP_GRACE_S = 10.0  # Stop: the child's answer (a checkpoint) may take one slow CPU iteration
EXIT_GRACE_S = 10.0  # after its last event, the child's time to shut its workers down and exit
GROUP_GONE_S = 2.0  # after SIGKILL, how long to wait for the group's processes to be gone (they leave as zombies)
_ROOT = str(Path(trainer.__file__).resolve().parents[1])  # the folder holding the `trainer` package


@dataclass(frozen=True)
class ChildCommand:
    """What to start: ``argv`` in ``cwd`` with ``env`` added to this process' environment."""

    argv: Sequence[str]
    cwd: str | None = None
    env: Mapping[str, str] = field(default_factory=dict)


# Given the run's config.json (in its run folder), the command that runs it.
Launcher = Callable[[Path], ChildCommand]


def local_python(config_path: Path) -> ChildCommand:
    """``python -m trainer run-json CONFIG`` with this interpreter, importing this same trainer."""
    path = os.environ.get("PYTHONPATH")
    return ChildCommand(
        argv=[sys.executable, "-m", "trainer", "run-json", str(config_path)],
        cwd=str(config_path.parent),
        env={"PYTHONPATH": _ROOT + (os.pathsep + path if path else ""), "PYTHONUNBUFFERED": "1"},
    )


def fit_in_subprocess(
    config: Any,
    stop: threading.Event,
    *,
    command: Launcher = local_python,
    stop_grace_s: float = STOP_GRACE_S,
) -> Iterator[Event]:
    """``fit(config, stop)`` in a supervised child process: its events, ending with a ``finished``
    or ``failed`` one. `config`: a TrainConfig (saved as config.json into its run folder
    ``config.out``). Setting `stop` asks the child to stop; one that does not end within
    `stop_grace_s` is killed with its workers."""
    child = ChildRun(config.save(config.out), command, stop_grace_s)
    return child.events(stop)


def _own_group() -> dict[str, Any]:
    """Popen arguments that make the child lead its own process group (with its workers)."""
    if os.name == "posix":
        return {"start_new_session": True}
    return {"creationflags": getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)}


def _kill_group(proc: subprocess.Popen, wait_s: float = GROUP_GONE_S) -> None:
    if os.name == "posix":
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # the group outlives a reaped leader while workers remain
        except (ProcessLookupError, PermissionError):
            return
        # SIGKILL is delivered asynchronously: a worker may still be running when killpg returns,
        # and the caller's next step (a new run, the window closing) assumes none is left.
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline and _group_running(proc):
            time.sleep(0.01)
    elif proc.poll() is None:
        proc.kill()  # Windows: torch's workers exit on their own once their parent is gone


def _group_running(proc: subprocess.Popen) -> bool:
    """Whether a process of the child's group still runs. Zombies do not count: an orphaned
    worker's zombie waits for init to reap it, which some containers' init does late."""
    proc.poll()  # reap the leader: our own zombie would keep the group in existence
    proc_fs = Path("/proc")
    if not proc_fs.is_dir():
        try:
            os.killpg(proc.pid, 0)
        except (ProcessLookupError, PermissionError):
            return False
        return True
    for stat in proc_fs.glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if len(fields) > 2 and fields[2] == str(proc.pid) and fields[0] != "Z":
            return True
    return False


class ChildRun:
    """One supervised child. ``events(stop)`` starts it and yields its events (iterate it on one
    thread); ``kill()`` may be called from any other thread; ``proc`` is the child once started."""

    def __init__(self, config_path: Path, command: Launcher = local_python, stop_grace_s: float = STOP_GRACE_S):
        self.config_path = Path(config_path)
        self.command = command
        self.stop_grace_s = stop_grace_s  # read when the stop arrives, so it may be changed until then
        self.proc: subprocess.Popen | None = None
        self.killed = False  # the supervisor ended the child (it did not answer stop in time)
        self._lock = threading.Lock()
        self._done = threading.Event()

    @staticmethod
    def parse_event(d: dict[str, Any]) -> Event:
        """One event line (a subclass may know more kinds)."""
        return event_from_dict(d)

    @property
    def run_dir(self) -> Path:
        return self.config_path.parent

    def kill(self) -> None:
        """End the child and its workers now (the last checkpoint on disk is kept)."""
        with self._lock:
            if self.proc is not None:
                self.killed = self.killed or self.proc.poll() is None
                _kill_group(self.proc)

    def _send_stop(self) -> None:
        with self._lock:
            proc = self.proc
            if proc is not None and proc.poll() is None and proc.stdin is not None:
                try:
                    proc.stdin.write("stop\n")
                    proc.stdin.flush()
                except (OSError, ValueError):
                    pass

    def _watch_stop(self, stop: threading.Event) -> None:
        """Pass `stop` on to the child; kill it if it has not ended `stop_grace_s` later."""
        while not stop.wait(0.1):
            if self._done.is_set():
                return
        self._send_stop()
        if not self._done.wait(self.stop_grace_s):
            self.kill()

    def _reap(self) -> None:
        """Wait for the child to exit (killing it if it lingers), then kill any leftover worker."""
        assert self.proc is not None
        try:
            self.proc.wait(timeout=EXIT_GRACE_S)
        except subprocess.TimeoutExpired:
            self.kill()
            self.proc.wait()
        _kill_group(self.proc)

    def events(self, stop: threading.Event) -> Iterator[Event]:
        err_path = self.run_dir / run_files.STDERR
        terminal = False
        try:
            cmd = self.command(self.config_path)
            with open(err_path, "w", encoding="utf-8") as err:
                with self._lock:
                    self.proc = subprocess.Popen(
                        list(cmd.argv),
                        stdin=subprocess.PIPE,
                        stdout=subprocess.PIPE,
                        stderr=err,
                        text=True,
                        encoding="utf-8",
                        bufsize=1,
                        env={**os.environ, **cmd.env},
                        cwd=cmd.cwd,
                        **_own_group(),
                    )
                threading.Thread(target=self._watch_stop, args=(stop,), daemon=True, name="run-stop").start()
                assert self.proc.stdout is not None
                for line in self.proc.stdout:
                    line = line.strip()
                    if not line.startswith("{"):
                        continue
                    try:
                        ev = self.parse_event(json.loads(line))
                    except (ValueError, TypeError):
                        continue
                    terminal = terminal or ev.kind in TERMINAL
                    yield ev
                    if terminal:  # don't wait for EOF: a lingering worker may hold stdout open
                        break
                self._reap()
        except GeneratorExit:  # the caller stopped iterating: the child goes too
            if self.proc is not None:
                self.kill()
                self.proc.wait()
            raise
        except BaseException as exc:  # noqa: BLE001 - a child that cannot start still ends as an event
            if self.proc is not None:
                self.kill()
                self.proc.wait()
            yield Failed(f"The training process could not run: {type(exc).__name__}: {exc}", traceback.format_exc())
            return
        finally:
            self._done.set()
            self._close_pipes()
        if not terminal and self.killed and stop.is_set():
            yield from self._stopped()
        elif not terminal:
            yield self._ended_unexpectedly(err_path)

    def _close_pipes(self) -> None:
        for pipe in (self.proc.stdin, self.proc.stdout) if self.proc is not None else ():
            try:
                if pipe is not None:
                    pipe.close()
            except OSError:
                pass

    def _ended_unexpectedly(self, err_path: Path) -> Failed:
        tail = ""
        try:
            tail = err_path.read_text(encoding="utf-8", errors="replace")[-3000:]
        except OSError:
            pass
        last = [ln for ln in tail.splitlines() if ln.strip()]
        code = self.proc.returncode if self.proc is not None else None
        reason = last[-1] if last else f"exit status {code}"
        return Failed(f"The training process ended unexpectedly: {reason}", tail or None)

    def _stopped(self) -> Iterator[Event]:
        """A stop that had to kill the child still ends as 'stopped', with the checkpoints on disk."""
        last, best = self.run_dir / run_files.LAST, self.run_dir / run_files.BEST
        yield WarningEvent(
            "The training process did not stop in time and was ended; the current "
            "epoch's progress is lost, earlier checkpoints are kept."
        )
        yield Finished(
            run_dir=str(self.run_dir.resolve()),
            best_checkpoint=str(best if best.exists() else last) if last.exists() else None,
            last_checkpoint=str(last) if last.exists() else None,
            stopped=True,
        )
