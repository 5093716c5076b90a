"""``python -m trainer run-json``: the app's control channel (stdin) with DataLoader workers.

A thread reading ``sys.stdin`` held its lock while workers were forked; each worker then blocked
forever closing stdin, so a run with workers > 0 never got past ``started``. These tests run the
real child as the app does (stdin a pipe kept open, its own process group) with 2 workers."""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.process_tree import HAS_PROC, in_group

from .conftest import tiny_config

pytestmark = pytest.mark.skipif(os.name != "posix" or not HAS_PROC, reason="process groups and /proc are POSIX/Linux")
FIRST_STEP_S = 150  # torch import + model build + 2 forked workers on a busy 2-core machine


def read_until(proc: subprocess.Popen, kind: str, timeout: float) -> list[dict]:
    """Events from the child's stdout up to and including the first of `kind`; fails on timeout."""
    events: list[dict] = []
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not sel.select(timeout=max(0.0, deadline - time.monotonic())):
            continue
        line = proc.stdout.readline()
        if not line:
            break
        if line.startswith(b"{"):
            events.append(json.loads(line))
            if events[-1]["kind"] in (kind, "failed"):
                break
    sel.close()
    assert events and events[-1]["kind"] == kind, (
        f"no {kind!r} event in {timeout:.0f} s; got {[e['kind'] for e in events]}"
    )
    return events


@pytest.mark.parametrize("how", ["stop line", "stdin closed"])
def test_run_with_workers_trains_and_stops_mid_run_leaving_no_process(dataset, tmp_path, how):
    cfg = tiny_config(dataset, dataset.parent / "images", tmp_path / "run", workers=2, epochs=50)
    config_path = cfg.save(tmp_path / "run")
    with open(tmp_path / "stderr.log", "wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "trainer", "run-json", str(config_path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=err,
            start_new_session=True,
        )
    try:
        read_until(proc, "step", FIRST_STEP_S)
        t0 = time.monotonic()
        if how == "stop line":
            proc.stdin.write(b"stop\n")
            proc.stdin.flush()
        else:
            proc.stdin.close()  # the app quit or died
        finished = read_until(proc, "finished", 60)[-1]
        assert finished["stopped"] and finished["last_checkpoint"] and Path(finished["last_checkpoint"]).is_file()
        assert proc.wait(timeout=30) == 0
        latency = time.monotonic() - t0
        deadline = time.monotonic() + 10
        while in_group(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not in_group(proc.pid), "DataLoader workers outlived the run"
        assert latency < 60
    finally:
        if proc.poll() is None or in_group(proc.pid):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        proc.wait()
        for f in (proc.stdin, proc.stdout):
            if f and not f.closed:
                f.close()


def test_control_pipe_stops_on_a_stop_line_or_on_eof():
    import threading

    from trainer.launch.control_pipe import watch_control

    for data, close in ((b"noise\n  STOP \r\nmore", False), (b"not a stop", True)):
        r, w = os.pipe()
        os.write(w, data)
        if close:
            os.close(w)
        stop = threading.Event()
        watch_control(r, stop)  # returns: a stop line, or the writer closed its end
        assert stop.is_set()
        os.close(r)
        if not close:
            os.close(w)
