"""The background predictor: one QThread at a time works through a shared queue of
(checkpoint, image key, image path) jobs, loading each checkpoint's Predictor once (torch
loads on this thread, never on the UI thread)."""

from __future__ import annotations

import threading
import traceback
from collections import deque

from PySide6.QtCore import QThread, Signal

from ...app.uncertainty import FLOOR


class PredictThread(QThread):
    result = Signal(str, str, object)  # checkpoint, image key, list of instances
    failed = Signal(str, str, str, str)  # checkpoint, image key, message, detail

    def __init__(self, jobs: deque, lock: threading.Lock, predictors: dict, cancel: threading.Event, parent=None):
        super().__init__(parent)
        self.jobs, self.lock, self.predictors, self.cancel = jobs, lock, predictors, cancel
        self.setObjectName("polymask-predict")

    def run(self) -> None:
        while not self.cancel.is_set():
            with self.lock:
                if not self.jobs:
                    return
                checkpoint, key, path = self.jobs.popleft()
            try:
                predictor = self.predictors.get(checkpoint)
                if predictor is None:
                    from trainer.inference.predict import Predictor  # torch loads here, off the UI thread

                    predictor = self.predictors[checkpoint] = Predictor.from_checkpoint(checkpoint, "auto")
                from ...io.images import load_image

                instances = predictor.predict(load_image(path), score_threshold=FLOOR)
            except Exception as exc:  # noqa: BLE001 - reported, never raised in a thread
                self.failed.emit(checkpoint, key, f"{type(exc).__name__}: {exc}", traceback.format_exc())
                continue
            self.result.emit(checkpoint, key, instances)
