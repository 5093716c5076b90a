"""A training run on another machine, end to end against the real sshd on 127.0.0.1: the
environment built once and reused, the images sent once, the events streamed, Stop, a dropped
connection re-attached, a killed run, and failures that leave nothing on this machine."""

from __future__ import annotations

import os
import signal
import sys
import threading
from pathlib import Path

import pytest

from tests.ssh.conftest import HOST
from tests.trainer.conftest import make_dataset, tiny_config
from trainer.launch.ssh.remote_env import ensure_environment
from trainer.launch.ssh.session import RemoteRun, cache_key, remote_fit
from trainer.launch.ssh.sync import sync_images
from trainer.launch.ssh.transport import Connection, RemoteError, RemoteTarget
from trainer.launch.ssh.wheel import local_wheel, version


@pytest.mark.slow  # builds the environment: ~15 s
def test_first_use_builds_the_environment_then_reuses_it(environment, target):
    assert environment.side.created
    said = "\n".join(environment.messages)
    assert f"Building the environment on {HOST}" in said
    assert "Successfully installed polymask-" in said  # pip ran there, with this version's wheel
    again: list[str] = []
    conn = Connection(target).open()
    try:
        side = ensure_environment(conn, local_wheel(), version(), lambda stage, msg: again.append(msg))
    finally:
        conn.close()
    assert not side.created and side.env == environment.side.env
    assert again == [f"Using the environment on {HOST}: {side.env}"]


def test_images_are_sent_once_then_only_what_changed(ssh_env, tmp_path):
    coco_path = make_dataset(tmp_path / "data", n=6, negatives=0)
    coco = __import__("json").loads(coco_path.read_text())
    images = coco_path.parent / "images"
    coco["images"].append({"id": 99, "file_name": "missing.png", "width": 8, "height": 8})  # not sent, no error
    dest = str(tmp_path / "host" / "cache" / "images")
    conn = Connection(RemoteTarget(HOST)).open()
    try:
        said: list[str] = []
        first = sync_images(conn, coco, images, dest, lambda stage, msg: said.append(msg))
        total = sum(f.stat().st_size for f in images.iterdir())
        assert (first.files, first.bytes, first.needed) == (6, total, 6)
        assert said[0].startswith("Sending 6 of 6 images") and said[-1].startswith("Sent 6/6 images")
        second = sync_images(conn, coco, images, dest, lambda stage, msg: said.append(msg))
        assert (second.files, second.bytes) == (0, 0)
        assert said[-1] == f"All 6 images are already on {HOST}: 0 files, 0 bytes sent"
        changed = images / "img_002.png"
        changed.write_bytes(changed.read_bytes() + b"\0")
        third = sync_images(conn, coco, images, dest, lambda stage, msg: None)
        assert (third.files, third.bytes) == (1, changed.stat().st_size)
        assert (Path(dest) / "img_002.png").read_bytes() == changed.read_bytes()
    finally:
        conn.close()


def _run(config, target, stop=None, on_event=None):
    events, progress = [], []
    for ev in remote_fit(config, target, stop, lambda stage, msg: progress.append((stage, msg))):
        events.append(ev)
        if on_event is not None:
            on_event(ev, events)
    return events, progress


@pytest.mark.slow
def test_remote_run_streams_events_and_copies_the_run_back(target, tmp_path):
    coco = make_dataset(tmp_path / "data", n=6)
    out = tmp_path / "project" / "runs" / "r1"
    events, progress = _run(tiny_config(coco, coco.parent / "images", out), target)
    kinds = [ev.kind for ev in events]
    # the data checks' warnings may come before 'started'
    assert [k for k in kinds if k != "warning"][0] == "started" and kinds[-1] == "finished", kinds
    assert {"step", "epoch", "checkpoint", "preview"} <= set(kinds)
    finished = events[-1]
    assert finished.run_dir == str(out) and finished.best_checkpoint == str(out / "best.pth")
    for name in ("best.pth", "last.pth", "metrics.jsonl", "summary.json", "config.json", "events.jsonl"):
        assert (out / name).is_file(), name
    assert not (out / "dataset.json").exists()  # the host's copy of the data stays there
    said = [m for _, m in progress]
    first = {stage: said.index(next(m for s, m in progress if s == stage)) for stage in ("host", "data")}
    started = said.index(next(m for m in said if m.startswith(f"Training on {HOST} in ")))
    assert first["host"] < first["data"] < started  # torch/GPUs named, then the data, then the run
    host = next(m for s, m in progress if s == "host")
    assert host.startswith(f"{HOST}: torch ") and ("GPU" in host)


@pytest.mark.slow
def test_stop_goes_through_ssh_and_keeps_the_checkpoint(target, tmp_path):
    coco = make_dataset(tmp_path / "data", n=6)
    out = tmp_path / "runs" / "stopped"
    stop = threading.Event()

    def on_event(ev, events):
        if ev.kind == "step":
            stop.set()

    events, _ = _run(tiny_config(coco, coco.parent / "images", out, epochs=200), target, stop, on_event)
    assert events[-1].kind == "finished" and events[-1].stopped
    assert (out / "last.pth").is_file()
    assert sum(ev.kind == "epoch" for ev in events) < 200


@pytest.mark.slow
def test_a_dropped_connection_is_reattached_without_losing_events(target, tmp_path):
    coco = make_dataset(tmp_path / "data", n=8)
    out = tmp_path / "runs" / "dropped"
    cfg = tiny_config(coco, coco.parent / "images", out)
    run = RemoteRun(cfg, target, threading.Event(), lambda stage, msg: None)
    events = []
    try:
        run.prepare(None)
        run.start()
        for ev in run.events():
            events.append(ev)
            if ev.kind == "step" and ev.global_step == 1:
                os.kill(run.conn.master.pid, signal.SIGKILL)  # the connection dies mid-run
    finally:
        run.close()
    warnings = [ev.message for ev in events if ev.kind == "warning"]
    assert any(w.startswith(f"Lost the connection to {HOST}") for w in warnings)
    assert any(w.startswith(f"Re-attached to the run on {HOST}; replaying from event") for w in warnings)
    steps = [ev.global_step for ev in events if ev.kind == "step"]
    assert steps == list(range(1, len(steps) + 1))  # none lost, none twice
    assert events[-1].kind == "finished" and not events[-1].stopped
    assert (out / "best.pth").is_file()


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        kids += [int(x) for x in (task / "children").read_text().split()]
    return kids


@pytest.mark.slow
def test_a_killed_remote_run_is_reported(target, tmp_path):
    coco = make_dataset(tmp_path / "data", n=6)
    out = tmp_path / "runs" / "killed"
    cfg = tiny_config(coco, coco.parent / "images", out, epochs=200)
    run = RemoteRun(cfg, target, threading.Event(), lambda stage, msg: None)
    events = []
    try:
        run.prepare(None)
        run.start()
        for ev in run.events():
            events.append(ev)
            if ev.kind == "step" and ev.global_step == 1:
                supervisor = int(Path(run.run_dir, "supervisor.pid").read_text())
                for child in _children(supervisor):  # the trainer, as the host's OOM killer would
                    os.kill(child, signal.SIGKILL)
    finally:
        run.close()
    assert events[-1].kind == "failed"
    assert events[-1].reason == "The training process on the host was killed (SIGKILL)."


def test_unreachable_host_leaves_nothing_here(ssh_env, tmp_path):
    coco = make_dataset(tmp_path / "data", n=2, negatives=0)
    out = tmp_path / "runs" / "never"
    with pytest.raises(RemoteError, match="^Cannot reach 127.0.0.1:1"):
        list(remote_fit(tiny_config(coco, coco.parent / "images", out), RemoteTarget("127.0.0.1:1")))
    assert not out.exists()


def test_disk_full_on_the_host_is_one_line_and_leaves_no_half_environment(ssh_env, tmp_path):
    full = tmp_path / "python-on-a-full-disk"
    full.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = "-m" ] && [ "$2" = "venv" ]; then mkdir -p "$4/lib"; '
        "echo 'OSError: [Errno 28] No space left on device' >&2; exit 1; fi\n"
        f'exec {sys.executable} "$@"\n'
    )
    full.chmod(0o755)
    work = tmp_path / "work"
    conn = Connection(RemoteTarget(HOST, python=str(full), workdir=str(work))).open()
    try:
        with pytest.raises(RemoteError) as err:
            ensure_environment(conn, local_wheel(), version(), lambda stage, msg: None)
    finally:
        conn.close()
    assert str(err.value) == (
        f"The disk on {HOST} is full: Building the Polymask environment failed "
        "(OSError: [Errno 28] No space left on device)."
    )
    assert list((work / "envs").iterdir()) == []  # the half-built environment was removed


def test_cache_key_is_per_folder(tmp_path):
    a, b = tmp_path / "a" / "images", tmp_path / "b" / "images"
    assert cache_key(a).startswith("images-") and cache_key(a) != cache_key(b) and cache_key(a) == cache_key(a)
