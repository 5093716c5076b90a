"""``trainer.launch.supervisor.fit_in_subprocess``: the supervisor of a training child, Qt-free. The child
here is a small script speaking the same JSON-line protocol (the real ``python -m trainer
run-json`` child is covered by test_control_channel and the window's training tests)."""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

import pytest

from tests.process_tree import HAS_PROC, in_group
from trainer.launch.supervisor import ChildCommand, ChildRun, fit_in_subprocess

pytestmark = pytest.mark.skipif(os.name != "posix" or not HAS_PROC, reason="process groups and /proc are POSIX/Linux")

# Answers a `stop` line on stdin with a stopped `finished` event, as run-json does.
POLITE = """
import json, sys
print(json.dumps({"kind": "warning", "message": "ready"}), flush=True)
for line in sys.stdin:
    if line.strip() == "stop":
        print(json.dumps({"kind": "finished", "run_dir": ".", "best_checkpoint": None,
                          "last_checkpoint": None, "stopped": True}), flush=True)
        break
"""
# Never answers stop, and has a worker of its own.
DEAF = """
import json, subprocess, sys, time
worker = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
print(json.dumps({"kind": "warning", "message": "worker " + str(worker.pid)}), flush=True)
time.sleep(600)
"""


class Config:
    """What fit_in_subprocess needs of a TrainConfig: its run folder and save()."""

    def __init__(self, out: Path):
        self.out = str(out)

    def save(self, out) -> Path:
        Path(out).mkdir(parents=True, exist_ok=True)
        (Path(out) / "config.json").write_text("{}")
        return Path(out) / "config.json"


def script_command(tmp_path: Path, text: str):
    script = tmp_path / "child.py"
    script.write_text(text)
    return lambda config_path: ChildCommand([sys.executable, str(script)], cwd=str(config_path.parent))


def test_stop_reaches_the_child_and_its_answer_ends_the_events(tmp_path):
    stop = threading.Event()
    events = fit_in_subprocess(Config(tmp_path / "run"), stop, command=script_command(tmp_path, POLITE))
    first = next(events)
    assert first.kind == "warning" and first.message == "ready"
    stop.set()
    rest = list(events)
    assert [e.kind for e in rest] == ["finished"] and rest[0].stopped


def test_a_child_that_ignores_stop_is_killed_with_its_worker_and_ends_stopped(tmp_path):
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "last.pth").write_bytes(b"a checkpoint")
    child = ChildRun(Config(tmp_path / "run").save(tmp_path / "run"), script_command(tmp_path, DEAF), stop_grace_s=0.5)
    stop = threading.Event()
    events = child.events(stop)
    assert next(events).message.startswith("worker ")
    assert child.proc is not None
    pid = child.proc.pid
    assert len(in_group(pid)) == 2
    stop.set()
    rest = list(events)
    assert [e.kind for e in rest] == ["warning", "finished"] and "did not stop" in rest[0].message
    assert rest[1].stopped and rest[1].last_checkpoint == str(tmp_path / "run" / "last.pth")
    assert not in_group(pid)


def test_a_child_that_dies_is_a_failed_event_with_its_stderr(tmp_path):
    command = script_command(tmp_path, "import sys; print('no such dataset', file=sys.stderr); sys.exit(3)")
    events = list(fit_in_subprocess(Config(tmp_path / "run"), threading.Event(), command=command))
    assert [e.kind for e in events] == ["failed"]
    assert "ended unexpectedly: no such dataset" in events[0].reason


def test_a_command_that_cannot_start_is_a_failed_event(tmp_path):
    command = lambda config_path: ChildCommand([str(tmp_path / "no-such-program")])  # noqa: E731
    events = list(fit_in_subprocess(Config(tmp_path / "run"), threading.Event(), command=command))
    assert [e.kind for e in events] == ["failed"] and "could not run" in events[0].reason


def test_leaving_the_events_early_ends_the_child(tmp_path):
    child = ChildRun(Config(tmp_path / "run").save(tmp_path / "run"), script_command(tmp_path, DEAF))
    events = child.events(threading.Event())
    next(events)
    pid = child.proc.pid
    events.close()
    assert not in_group(pid)
