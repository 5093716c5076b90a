"""Predictions per image for the chosen checkpoint, kept *outside* the project: filled in the
background (predict_thread.py), filtered at once by the score threshold (which starts at the
threshold the model's run suggests, when it recorded one) and outlined at the panel's
tolerance. They enter the project only when accepted (annotator.app.accept)."""

from __future__ import annotations

import threading
from collections import deque

from PySide6.QtCore import QObject, Signal

from trainer.evaluation.suggested_threshold import suggested_threshold
from trainer.inference.polygons import DEFAULT_TOLERANCE  # torch-free modules

from ...app.prediction_counts import ImageCounts, count, has_outline
from ...app.uncertainty import order_by_uncertainty
from .predict_thread import PredictThread

DEFAULT_THRESHOLD = 0.5


def _outlined(inst, tolerance: float):
    """trainer.inference.predict.Instance re-simplifies from its mask; objects without one (test
    doubles) keep the polygons they came with."""
    at_tolerance = getattr(inst, "at_tolerance", None)
    return at_tolerance(tolerance) if at_tolerance is not None else inst


class Predictions(QObject):
    """Predictions per image key for the chosen checkpoint; background predicting."""

    predicted = Signal(str)  # image key
    failed = Signal(str, str)  # image key, message
    busy_changed = Signal(bool)
    progress = Signal(int, int)  # done, total of the current batch
    changed = Signal()  # threshold, tolerance, results or checkpoint changed
    threshold_suggested = Signal(float)  # a new checkpoint's starting threshold

    def __init__(self, parent=None):
        super().__init__(parent)
        self.checkpoint: str | None = None
        self.results: dict[str, list] = {}
        self.threshold = DEFAULT_THRESHOLD
        self.tolerance = DEFAULT_TOLERANCE
        self._jobs: deque = deque()
        self._lock = threading.Lock()
        self._cancel = threading.Event()
        self._predictors: dict = {}
        self._thread: PredictThread | None = None
        self._batch = [0, 0]

    def set_checkpoint(self, path: str | None) -> None:
        if path == self.checkpoint:
            return
        self.checkpoint = path
        self.results.clear()
        with self._lock:
            self._jobs.clear()
        if path:
            suggested = suggested_threshold(path)
            self.threshold_suggested.emit(DEFAULT_THRESHOLD if suggested is None else suggested)
        self.changed.emit()

    def forget_model(self, checkpoint: str) -> None:
        """`checkpoint` was rewritten (live training's last.pth): the next prediction loads it afresh."""
        with self._lock:
            self._predictors.pop(checkpoint, None)

    def reload(self) -> None:
        """The checkpoint file was rewritten (a run continued in its folder): predict afresh."""
        with self._lock:
            self._jobs.clear()
        if self.checkpoint:
            self.forget_model(self.checkpoint)
        self.results.clear()
        self.changed.emit()

    def set_results(self, key: str, instances: list) -> None:
        """Predictions of one image (what the worker delivers; tests may call it)."""
        self.results[key] = list(instances)
        self.predicted.emit(key)
        self.changed.emit()

    def set_threshold(self, value: float) -> None:
        self.threshold = float(value)
        self.changed.emit()

    def set_tolerance(self, pixels: float) -> None:
        self.tolerance = float(pixels)
        self.changed.emit()

    def visible(self, key: str | None) -> list:
        """This image's instances above the threshold that have an outline (a ring of 3+ vertices)
        at the current tolerance: what the list, the overlay and Accept all offer."""
        return [inst for inst in self._above(key) if has_outline(inst)]

    def _above(self, key: str | None) -> list:
        if not key:
            return []
        shown = []
        instances = self.results.get(key, [])
        for n, inst in enumerate(instances):
            if inst.score >= self.threshold:
                instances[n] = inst = _outlined(inst, self.tolerance)  # kept: each tolerance is simplified once
                shown.append(inst)
        return shown

    def counts(self, key: str | None) -> ImageCounts:
        """Shown, below the threshold, without an outline, best score: so the list can say why."""
        found = self.results.get(key) if key else None
        return count(found, self._above(key), self.threshold)

    def busy(self) -> bool:
        return self._thread is not None and self._thread.isRunning()

    def request(self, items: list[tuple[str, str]]) -> int:
        """Predict (image key, image path) pairs in the background; returns how many were queued."""
        if not self.checkpoint or not items:
            return 0
        with self._lock:
            queued = {k for _, k, _ in self._jobs}
            new = [(self.checkpoint, k, p) for k, p in items if k not in queued]
            self._jobs.extend(new)
        self._batch = [self._batch[0], self._batch[1] + len(new)] if self.busy() else [0, len(new)]
        self._cancel.clear()
        self._ensure_thread()
        return len(new)

    def _ensure_thread(self) -> None:
        if self.busy():
            return
        thread = PredictThread(self._jobs, self._lock, self._predictors, self._cancel, self)
        thread.result.connect(self._on_result)
        thread.failed.connect(self._on_failed)
        thread.finished.connect(self._on_finished)
        self._thread = thread
        thread.start()
        self.busy_changed.emit(True)

    def _on_result(self, checkpoint: str, key: str, instances) -> None:
        self._batch[0] += 1
        self.progress.emit(*self._batch)
        if checkpoint == self.checkpoint:
            self.set_results(key, instances)

    def _on_failed(self, checkpoint: str, key: str, message: str, detail: str) -> None:
        self._batch[0] += 1
        self.progress.emit(*self._batch)
        self.failed.emit(key, message)

    def _on_finished(self) -> None:
        with self._lock:
            more = bool(self._jobs) and not self._cancel.is_set()
        if more:  # a job queued while the thread was leaving
            self._thread = None
            self._ensure_thread()
            return
        self.busy_changed.emit(False)

    def shutdown(self, ms: int = 30000) -> bool:
        self._cancel.set()
        with self._lock:
            self._jobs.clear()
        if self._thread is not None:
            return self._thread.wait(ms)
        return True

    def uncertainty_order(self, keys: list[str]) -> list[tuple[str, float]]:
        return order_by_uncertainty(self.results, keys)
