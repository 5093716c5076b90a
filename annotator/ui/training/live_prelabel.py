"""Pre-labelling for "Learn as I label", off the window's thread: one worker thread predicts the
image just opened with the newest live checkpoint. Only the latest request matters (the user
has moved on from the others), so a new one replaces one still waiting. The model is reloaded
when the checkpoint file changes (live training rewrites last.pth); torch loads on the worker."""

from __future__ import annotations

import os
import sys
import threading
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from trainer.live_events import default_threads  # torch-free

from ...app.uncertainty import FLOOR

# (checkpoint, image file) → the model's instances (trainer.predict.Instance)
PredictFn = Callable[[str, str], list]


class NewestCheckpoint:
    """Predicts with a checkpoint, reloading it when its file changed; on capped threads
    (one core is left to the window)."""

    def __init__(self) -> None:
        self._key: tuple[str, int] | None = None
        self._predictor: Any = None  # trainer.predict.Predictor (torch), loaded on the worker

    def __call__(self, checkpoint: str, path: str) -> list:
        import torch  # on the worker thread

        from trainer.predict import Predictor

        from ...io.images import load_image

        if torch.get_num_threads() > default_threads():
            torch.set_num_threads(default_threads())
        key = (checkpoint, os.stat(checkpoint).st_mtime_ns)
        if self._predictor is None or key != self._key:
            self._predictor, self._key = Predictor.from_checkpoint(checkpoint, "auto"), key
        return self._predictor.predict(load_image(path), score_threshold=FLOOR)


def lower_this_threads_priority(nice: int = 10) -> None:
    """Linux schedules threads one by one: the pre-labeler yields a shared core to the window's
    thread (and the trainer child runs niced too). Elsewhere, nothing."""
    native_id = getattr(threading, "get_native_id", None)
    if sys.platform.startswith("linux") and native_id is not None:
        try:
            os.setpriority(os.PRIO_PROCESS, native_id(), nice)
        except OSError:
            pass


class LivePrelabeler(QObject):
    done = Signal(str, str, object)  # image key, checkpoint, instances
    failed = Signal(str, str)  # image key, message

    def __init__(self, predict: PredictFn | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.predict: PredictFn = predict or NewestCheckpoint()
        self._cond = threading.Condition()
        self._job: tuple[str, str, str] | None = None
        self._working = False
        self._quit = False
        self._thread: threading.Thread | None = None

    def request(self, key: str, path: str, checkpoint: str) -> None:
        with self._cond:
            self._job = (key, path, checkpoint)
            self._quit = False
            self._cond.notify()
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, daemon=True, name="live-prelabel")
            self._thread.start()

    def busy(self) -> bool:
        with self._cond:
            return self._job is not None or self._working

    def _run(self) -> None:
        lower_this_threads_priority()
        while True:
            with self._cond:
                while self._job is None and not self._quit:
                    self._cond.wait()
                if self._quit:
                    return
                assert self._job is not None
                (key, path, checkpoint), self._job = self._job, None
                self._working = True
            try:
                instances = self.predict(checkpoint, path)
            except Exception as exc:  # noqa: BLE001 - said in the status bar, never raised in a thread
                self.failed.emit(key, f"{type(exc).__name__}: {exc}")
                traceback.print_exc()
            else:
                self.done.emit(key, checkpoint, instances)
            finally:
                with self._cond:
                    self._working = False

    def shutdown(self, timeout: float = 30.0) -> None:
        with self._cond:
            self._quit, self._job = True, None
            self._cond.notify()
        if self._thread is not None:
            self._thread.join(timeout)
