"""What runs on the host: ``python -m trainer.launch.ssh.remote start|supervise|attach RUN_DIR``.

* ``start`` launches ``supervise`` detached (a new session, stdin from /dev/null, output to a
  log), so the run survives the SSH connection, and prints ``{"pid", "run_dir"}``.
* ``supervise`` runs ``python -m trainer run-json config.json`` (or under ``torchrun
  --nproc-per-node=N``), appends each of its JSON-line events to ``events.jsonl`` in the run
  folder and, when a ``stop`` file appears there, closes the trainer's control pipe (the
  trainer's clean stop, for every rank). A trainer that dies without a last event gets one
  (``failed``: killed by a signal, or its last error line); ``ended`` is written at the end.
* ``attach`` prints ``events.jsonl`` from line N on and follows it until the run's last
  event; a line ``stop`` on its stdin asks the run to stop. Its stdin closing (the connection
  dropped) does not stop the run: ``attach --from N`` again replays what was missed.

Torch-free itself (the trainer it starts loads torch)."""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from trainer.run import files as run_files

EVENTS, STOP, ENDED, PID, STDERR = "events.jsonl", "stop", "ended", "supervisor.pid", run_files.STDERR
TERMINAL = ("finished", "failed")
POLL_S = 0.2
# A stop's answer (finish the iteration, save a checkpoint) before the trainer is killed. Longer
# than a local run's 10 s: nobody waits on it here, and a kill loses the epoch on a busy host.
STOP_GRACE_S = 60.0
OOM_HINT = "lower the batch size or the input size (min_size/max_size)"


def trainer_command(config: Path, nproc: int) -> list[str]:
    run_json = ["-m", "trainer", "run-json", str(config)]
    if nproc > 1:
        return [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc-per-node={nproc}", *run_json]
    return [sys.executable, *run_json]


def start(run_dir: Path, nproc: int) -> int:
    run_dir = run_dir.resolve()
    log = open(run_dir / "supervisor.log", "ab")
    proc = subprocess.Popen(
        [sys.executable, "-m", "trainer.launch.ssh.remote", "supervise", str(run_dir), "--nproc", str(nproc)],
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=log,
        cwd=str(run_dir),
        start_new_session=True,  # setsid: no SIGHUP when the connection goes
    )
    print(json.dumps({"pid": proc.pid, "run_dir": str(run_dir)}), flush=True)
    return 0


def _event_line(line: str) -> str | None:
    """A JSON event from the trainer's stdout (torchrun may prefix a rank: ``[rank0]:{...}``)."""
    brace = line.find("{")
    if brace < 0 or (brace > 0 and not line[:brace].strip().startswith("[rank0]")):
        return None
    text = line[brace:].strip()
    try:
        return text if isinstance(json.loads(text), dict) else None
    except ValueError:
        return None


def supervise(run_dir: Path, nproc: int, command: list[str] | None = None) -> int:
    (run_dir / PID).write_text(str(os.getpid()))
    events = open(run_dir / EVENTS, "a", encoding="utf-8")
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    with open(run_dir / STDERR, "w", encoding="utf-8") as err:
        child = subprocess.Popen(
            command or trainer_command(run_dir / "config.json", nproc),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
            bufsize=1,
            cwd=str(run_dir),
            env=env,
            start_new_session=True,
        )
        killed = threading.Event()
        threading.Thread(target=_watch_stop, args=(run_dir, child, killed), daemon=True).start()
        last = None
        assert child.stdout is not None
        for raw in child.stdout:
            line = _event_line(raw)
            if line is None:
                continue
            events.write(line + "\n")
            events.flush()
            last = json.loads(line).get("kind")
        code = child.wait()
        _kill_group(child)  # workers or ranks left behind
    if last not in TERMINAL:
        ending = _stopped_by_kill(run_dir) if killed.is_set() else [{"kind": "failed", "reason": _death(run_dir, code)}]
        events.writelines(json.dumps(d) + "\n" for d in ending)
    events.close()
    (run_dir / ENDED).write_text(json.dumps({"code": code}))
    return 0


def _death(run_dir: Path, code: int) -> str:
    try:
        tail = (run_dir / STDERR).read_text(encoding="utf-8", errors="replace")[-4000:]
    except OSError:
        tail = ""
    lines = [ln.strip() for ln in tail.splitlines() if ln.strip()]
    if "out of memory" in tail.lower():
        return f"The training process ran out of memory on the host: {OOM_HINT}."
    if "No space left on device" in tail:
        return f"The host's disk is full ({lines[-1] if lines else 'No space left on device'})."
    if code < 0:
        name = signal.Signals(-code).name if -code in signal.valid_signals() else str(-code)
        return f"The training process on the host was killed ({name})."
    return f"The training process on the host ended unexpectedly: {lines[-1] if lines else f'exit status {code}'}"


def _watch_stop(run_dir: Path, child: subprocess.Popen, killed: threading.Event) -> None:
    """On a ``stop`` file: EOF on the trainer's control pipe (every rank stops cleanly); one that
    has not ended ``STOP_GRACE_S`` later is killed with its workers."""
    while child.poll() is None:
        if (run_dir / STOP).exists():
            try:
                assert child.stdin is not None
                child.stdin.close()
            except OSError:
                pass
            try:
                child.wait(STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                killed.set()
                _kill_group(child)
            return
        time.sleep(POLL_S)


def _kill_group(child: subprocess.Popen) -> None:
    try:
        os.killpg(child.pid, signal.SIGKILL)  # DataLoader workers or ranks too
    except (ProcessLookupError, PermissionError):
        pass


def _stopped_by_kill(run_dir: Path) -> list[dict]:
    last, best = run_dir / run_files.LAST, run_dir / run_files.BEST
    warning = "The training process did not stop in time and was ended; earlier checkpoints are kept."
    finished = {
        "kind": "finished",
        "run_dir": str(run_dir),
        "best_checkpoint": str(best if best.exists() else last) if last.exists() else None,
        "last_checkpoint": str(last) if last.exists() else None,
        "stopped": True,
    }
    return [{"kind": "warning", "message": warning}, finished]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie is no longer running
        with open(f"/proc/{pid}/stat", encoding="utf-8") as f:
            return f.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        return True


def _read_stdin_for_stop(run_dir: Path, gone: threading.Event) -> None:
    for line in sys.stdin:
        if line.strip().lower() == "stop":
            (run_dir / STOP).touch()
    gone.set()  # the connection closed: nobody follows any more (the run goes on)


def attach(run_dir: Path, start_line: int) -> int:
    gone = threading.Event()
    threading.Thread(target=_read_stdin_for_stop, args=(run_dir, gone), daemon=True).start()
    path = run_dir / EVENTS
    try:
        pid = int((run_dir / PID).read_text())
    except (OSError, ValueError):
        pid = None
    seen, pending = 0, ""
    offset = 0
    while True:
        ended = (run_dir / ENDED).exists() or (pid is not None and not _alive(pid))
        try:
            with open(path, encoding="utf-8") as f:
                f.seek(offset)
                chunk = f.read()
                offset = f.tell()
        except FileNotFoundError:
            chunk = ""
        *lines, pending = (pending + chunk).split("\n")
        for line in lines:
            seen += 1
            if seen <= start_line:
                continue
            sys.stdout.write(line + "\n")
            sys.stdout.flush()
            if json.loads(line).get("kind") in TERMINAL:
                return 0
        if ended and not chunk:
            if not (run_dir / ENDED).exists():  # the supervisor itself was killed
                reason = "The run on the host was killed before it ended (its supervisor is gone)."
                sys.stdout.write(json.dumps({"kind": "failed", "reason": reason}) + "\n")
            return 0
        if gone.wait(POLL_S):
            return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m trainer.launch.ssh.remote")
    parser.add_argument("action", choices=("start", "supervise", "attach"))
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--nproc", type=int, default=1)
    parser.add_argument("--from", dest="start", type=int, default=0)
    args = parser.parse_args(argv)
    if args.action == "start":
        return start(args.run_dir, args.nproc)
    if args.action == "supervise":
        return supervise(args.run_dir, args.nproc)
    return attach(args.run_dir, args.start)


if __name__ == "__main__":
    sys.exit(main())
