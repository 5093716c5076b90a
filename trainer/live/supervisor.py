"""The live trainer in a supervised child process (torch-free, as ``trainer.launch.supervisor``).

``LiveChild(config, settings)``: ``events(stop)`` starts ``python -m trainer run-live`` and yields
its events (iterate on one thread); ``put`` / ``remove`` / ``request_checkpoint`` may be called
from any other thread and reach the running trainer through its control pipe. Stopping, killing
a child that does not answer and clearing its process group are ``ChildRun``'s."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from polymask_common.atomic import atomic_write_text
from trainer.events import Event
from trainer.launch.supervisor import _ROOT, STOP_GRACE_S, ChildCommand, ChildRun
from trainer.live.events import LiveSettings, live_event_from_dict

LIVE_FILE = "live.json"  # the live settings, beside config.json


def live_python(config_path: Path) -> ChildCommand:
    path = os.environ.get("PYTHONPATH")
    return ChildCommand(
        argv=[sys.executable, "-m", "trainer", "run-live", str(config_path), str(config_path.parent / LIVE_FILE)],
        cwd=str(config_path.parent),
        env={"PYTHONPATH": _ROOT + (os.pathsep + path if path else ""), "PYTHONUNBUFFERED": "1"},
    )


class LiveChild(ChildRun):
    def __init__(self, config: Any, settings: LiveSettings | None = None, stop_grace_s: float = STOP_GRACE_S):
        config_path = config.save(config.out)
        atomic_write_text(config_path.parent / LIVE_FILE, json.dumps((settings or LiveSettings()).to_dict()))
        super().__init__(config_path, live_python, stop_grace_s)

    @staticmethod
    def parse_event(d: dict[str, Any]) -> Event:
        return live_event_from_dict(d)

    def send(self, message: dict[str, Any]) -> bool:
        """One control message; False when the child is not running."""
        line = json.dumps(message) + "\n"
        with self._lock:
            proc = self.proc
            if proc is None or proc.poll() is not None or proc.stdin is None:
                return False
            try:
                proc.stdin.write(line)
                proc.stdin.flush()
                return True
            except (OSError, ValueError):
                return False

    def put(self, image: dict[str, Any], annotations: list[dict[str, Any]], path: str | None = None) -> bool:
        return self.send({"op": "put", "image": image, "annotations": annotations, "path": path})

    def remove(self, image_id: int) -> bool:
        return self.send({"op": "remove", "image_id": image_id})

    def predict(self, key: str, path: str, score: float = 0.05, tolerance: float | None = None) -> bool:
        """Ask for a pre-label of `path` (a ``LivePrediction`` event for `key` comes back)."""
        msg: dict[str, Any] = {"op": "predict", "key": key, "path": path, "score": score}
        if tolerance is not None:
            msg["tolerance"] = tolerance
        return self.send(msg)

    def request_checkpoint(self) -> bool:
        return self.send({"op": "checkpoint"})
