"""The host's side without training: the supervisor's last word for a trainer that dies (killed,
out of memory), torchrun's command and rank-0 lines, and a connection that cannot be re-opened
(reported, the run left going there). The trainer here is a stand-in script; the real one runs
in test_remote_run.py."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.ssh.conftest import HOST
from tests.trainer.conftest import tiny_config
from trainer.launch.ssh import remote, session
from trainer.launch.ssh.session import RemoteRun
from trainer.launch.ssh.transport import RemoteTarget

ROOT = Path(__file__).resolve().parents[2]


def _supervise(run_dir: Path, script: str) -> list[dict]:
    remote.supervise(run_dir, 1, command=[sys.executable, "-c", script])
    return [json.loads(line) for line in (run_dir / remote.EVENTS).read_text().splitlines()]


def test_a_trainer_out_of_gpu_memory_ends_with_the_hint(tmp_path):
    script = (
        "import sys, json; print(json.dumps({'kind': 'warning', 'message': 'hi'}), flush=True);"
        "sys.stderr.write('torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB\\n'); sys.exit(1)"
    )
    events = _supervise(tmp_path, script)
    assert [e["kind"] for e in events] == ["warning", "failed"]
    assert events[-1]["reason"] == (
        "The training process ran out of memory on the host: lower the batch size or the input size (min_size/max_size)."
    )
    assert (tmp_path / remote.ENDED).is_file()


def test_a_killed_trainer_is_named_and_its_own_last_event_is_kept(tmp_path):
    (tmp_path / "a").mkdir()
    killed = _supervise(tmp_path / "a", "import os, signal; os.kill(os.getpid(), signal.SIGTERM)")
    assert killed[-1] == {"kind": "failed", "reason": "The training process on the host was killed (SIGTERM)."}
    (tmp_path / "b").mkdir()
    done = _supervise(tmp_path / "b", "import json; print(json.dumps({'kind': 'failed', 'reason': 'bad config'}))")
    assert done == [{"kind": "failed", "reason": "bad config"}]  # the trainer's own word, nothing added


def test_torchrun_runs_the_ranks_and_only_rank_0_speaks():
    cmd = remote.trainer_command(Path("/r/config.json"), 4)
    assert cmd[1:5] == ["-m", "torch.distributed.run", "--standalone", "--nproc-per-node=4"]
    assert cmd[-3:] == ["trainer", "run-json", "/r/config.json"]
    assert remote.trainer_command(Path("/r/config.json"), 1)[1:] == ["-m", "trainer", "run-json", "/r/config.json"]
    assert remote._event_line('[rank0]:{"kind": "step"}') == '{"kind": "step"}'
    assert remote._event_line('[rank1]:{"kind": "step"}') is None
    assert remote._event_line("W1206 some torch warning {not json}") is None


@pytest.fixture
def fake_run(ssh_env, tmp_path):
    """A run folder on the 'host' with a live stand-in supervisor; the test writes its events."""
    run_dir = tmp_path / "host" / "run"
    run_dir.mkdir(parents=True)
    stand_in = subprocess.Popen(["sleep", "600"])
    (run_dir / remote.PID).write_text(str(stand_in.pid))
    python = tmp_path / "python"  # the host's Python with this checkout's trainer (no env build)
    python.write_text(f'#!/bin/sh\nPYTHONPATH={ROOT} exec {sys.executable} "$@"\n')
    python.chmod(0o755)
    yield run_dir, str(python)
    stand_in.kill()
    stand_in.wait()


def test_a_connection_that_cannot_be_reopened_is_reported_and_the_run_goes_on(fake_run, tmp_path, monkeypatch, ssh_env):
    run_dir, python = fake_run
    step = {"kind": "warning", "message": "epoch 1 going"}
    (run_dir / remote.EVENTS).write_text(json.dumps(step) + "\n")
    cfg = tiny_config({"images": [], "annotations": [], "categories": []}, tmp_path, tmp_path / "local" / "run")
    run = RemoteRun(cfg, RemoteTarget(HOST), threading.Event(), lambda stage, msg: None)
    run.run_dir, run.python = str(run_dir), python
    monkeypatch.setattr(session, "RECONNECT_S", 1.0)
    events = []
    try:
        run.conn.open()
        for ev in run.events():
            events.append(ev)
            if len(events) == 1:
                unreachable = tmp_path / "ssh_config"  # the host is gone from now on
                unreachable.write_text(f"Host {HOST}\n  HostName 127.0.0.1\n  Port 1\n")
                monkeypatch.setenv("POLYMASK_SSH_CONFIG", str(unreachable))
                os.kill(run.conn.master.pid, signal.SIGKILL)
    finally:
        run.close()
    assert events[0].message == "epoch 1 going"
    assert events[1].message.startswith(f"Lost the connection to {HOST}; the run goes on there.")
    assert events[-1].kind == "failed"
    assert events[-1].reason == (
        f"Lost the connection to {HOST} and could not re-attach within 1 s; the run goes on there in {run_dir}."
    )
    assert not (tmp_path / "local").exists()  # nothing was copied back half-way


def test_a_trainer_that_ignores_stop_is_killed_and_the_run_ends_stopped(tmp_path, monkeypatch):
    monkeypatch.setattr(remote, "STOP_GRACE_S", 0.5)
    (tmp_path / remote.STOP).touch()  # Stop was asked for
    (tmp_path / "last.pth").write_bytes(b"x")
    events = _supervise(tmp_path, "import time; time.sleep(60)")
    assert events[0]["kind"] == "warning" and "did not stop in time" in events[0]["message"]
    assert events[1] == {
        "kind": "finished",
        "run_dir": str(tmp_path),
        "best_checkpoint": str(tmp_path / "last.pth"),
        "last_checkpoint": str(tmp_path / "last.pth"),
        "stopped": True,
    }
