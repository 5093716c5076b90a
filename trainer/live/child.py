"""``python -m trainer run-live CONFIG.json LIVE.json``: live training in a child process.

Events go to stdout as JSON lines (as ``run-json``). The control pipe carries ``stop`` or one JSON
object a line: ``{"op": "put", "image": {...COCO image}, "annotations": [...], "path": "..."}``,
``{"op": "remove", "image_id": N}``, ``{"op": "checkpoint"}``, ``{"op": "predict", "key": "...",
"path": "...", "score": 0.05}`` (answered by a ``live_prediction`` event). A closed pipe stops the run."""

from __future__ import annotations

import json
import os
import queue
import sys
import threading
from collections.abc import Iterator


def watch_live_control(fd: int, control: queue.Queue, stop: threading.Event) -> None:
    pending = b""
    try:
        while not stop.is_set():
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            *lines, pending = (pending + chunk).split(b"\n")
            for line in (ln.strip() for ln in lines):
                if line.lower() == b"stop":
                    stop.set()
                    return
                if line.startswith(b"{"):
                    try:
                        control.put(json.loads(line))
                    except ValueError:
                        pass
    except OSError:
        pass
    stop.set()


def run_live(config_path: str, live_path: str) -> int:
    from trainer.config import TrainConfig
    from trainer.errors import TrainerError
    from trainer.events import Event, Failed
    from trainer.launch.control_pipe import take_stdin
    from trainer.live.events import LiveSettings
    from trainer.live.loop import fit_live

    out = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8", buffering=1)
    sys.stdout = sys.stderr
    stop, control = threading.Event(), queue.Queue()  # type: ignore[var-annotated]
    fd = take_stdin()
    if fd is not None:
        threading.Thread(target=watch_live_control, args=(fd, control, stop), daemon=True, name="live-ctl").start()
    events: Iterator[Event]
    try:
        with open(live_path, encoding="utf-8") as f:
            settings = LiveSettings.from_dict(json.load(f))
        events = fit_live(TrainConfig.from_file(config_path), settings, control, stop)
    except (TrainerError, OSError, ValueError) as e:
        events = iter([Failed(reason=f"Cannot start live training: {e}")])
    code = 1
    for ev in events:
        out.write(json.dumps(ev.to_dict()) + "\n")
        out.flush()
        code = 0 if ev.kind == "finished" else code
    out.close()
    return code
