"""Predict with a trained model and turn predictions into labels.

Predictions run in a background QThread (one at a time, a queue of images), are
kept per image *outside* the project, drawn by the canvas' prediction layer, filtered
at once by the score slider (which starts at the threshold the model's run suggests, when
it recorded one), and enter the project only when accepted: each accepted instance's
contour(s), simplified to the panel's outline tolerance (pixels), become Polygon regions of
its class, all in ONE undoable EditGroup (built with the model's `new_region_edit`, as the canvas does).
"""

from __future__ import annotations

import threading
import traceback
from collections import deque

from PySide6.QtCore import QObject, Qt, QThread, Signal
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from trainer.polygons import DEFAULT_TOLERANCE  # torch-free modules
from trainer.suggested_threshold import suggested_threshold

from ...app.uncertainty import FLOOR, order_by_uncertainty
from ...model import EditGroup, Polygon, new_region_edit

DEFAULT_THRESHOLD = 0.5


class _PredictThread(QThread):
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
                    from trainer.predict import Predictor  # torch loads here, off the UI thread

                    predictor = self.predictors[checkpoint] = Predictor.from_checkpoint(checkpoint, "auto")
                from ...io.images import load_image

                instances = predictor.predict(load_image(path), score_threshold=FLOOR)
            except Exception as exc:  # noqa: BLE001 - reported, never raised in a thread
                self.failed.emit(checkpoint, key, f"{type(exc).__name__}: {exc}", traceback.format_exc())
                continue
            self.result.emit(checkpoint, key, instances)


def _outlined(inst, tolerance: float):
    """trainer.predict.Instance re-simplifies from its mask; objects without one (test
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
        self._thread: _PredictThread | None = None
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
        """This image's instances above the threshold, outlined at the current tolerance."""
        if not key:
            return []
        shown = []
        instances = self.results.get(key, [])
        for n, inst in enumerate(instances):
            if inst.score >= self.threshold:
                instances[n] = inst = _outlined(inst, self.tolerance)  # kept: each tolerance is simplified once
                shown.append(inst)
        return shown

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
        thread = _PredictThread(self._jobs, self._lock, self._predictors, self._cancel, self)
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


def accept_edit(project, image_key: str, instances: list) -> tuple[EditGroup | None, list[int]]:
    """ONE undoable edit adding each instance's polygons as Polygon regions of its class."""
    im = project.image(image_key)
    w, h = im.width, im.height
    edits, ids = [], []
    for inst in instances:
        for flat in inst.polygons or []:
            if len(flat) < 6:
                continue
            xs, ys = flat[0::2], flat[1::2]
            if w:
                xs = [min(max(float(x), 0.0), float(w)) for x in xs]
            if h:
                ys = [min(max(float(y), 0.0), float(h)) for y in ys]
            edit, rid = new_region_edit(
                project, image_key, Polygon(tuple(map(float, xs)), tuple(map(float, ys))), inst.class_name
            )
            edits.append(edit)
            ids.append(rid)
    if not edits:
        return None, []
    n = len(instances)
    return EditGroup(edits, f"Accept {n} prediction" + ("s" if n != 1 else "")), ids


class PredictPanel(QWidget):
    """Dock contents: model in use, predict buttons, score slider, this image's predictions,
    and the unlabelled images ordered by the model's uncertainty."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.model_label = QLabel("No model yet: train one, or pick a run in the Runs panel.")
        self.model_label.setWordWrap(True)
        self.predict_button = QPushButton("Predict this image")
        self.predict_all_button = QPushButton("Predict unlabelled")
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, 100)
        self.slider.setValue(int(DEFAULT_THRESHOLD * 100))
        self.slider.setToolTip("Show predictions scoring at least this much")
        self.slider_label = QLabel(f"{DEFAULT_THRESHOLD:.2f}")
        self.slider_label.setMinimumWidth(32)
        self.tolerance = QDoubleSpinBox()
        self.tolerance.setRange(0.0, 20.0)
        self.tolerance.setSingleStep(0.5)
        self.tolerance.setDecimals(1)
        self.tolerance.setSuffix(" px")
        self.tolerance.setValue(DEFAULT_TOLERANCE)
        self.tolerance.setToolTip(
            "How far an accepted outline may stray from the predicted mask's edge: "
            "larger gives fewer vertices to edit, 0 follows every pixel"
        )
        self.instances = QListWidget()
        self.instances.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        self.accept_button = QPushButton("Accept selected")
        self.accept_all_button = QPushButton("Accept all")
        self.status = QLabel("")
        self.status.setStyleSheet("color: #9a9a9a")
        self.next_list = QListWidget()
        self.next_list.setToolTip("Unlabelled images, most uncertain first (double-click to open)")
        for lst in (self.instances, self.next_list):  # small minimum: the dock shares its column
            lst.setMinimumHeight(48)
            # Long lines (why the list is empty, long file names) wrap to the dock's width.
            lst.setWordWrap(True)
            lst.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            lst.setResizeMode(QListWidget.ResizeMode.Adjust)

        row = QHBoxLayout()
        row.addWidget(self.predict_button)
        row.addWidget(self.predict_all_button)
        slider_row = QHBoxLayout()
        slider_row.addWidget(QLabel("Min score"))
        slider_row.addWidget(self.slider, 1)
        slider_row.addWidget(self.slider_label)
        tolerance_row = QHBoxLayout()
        tolerance_row.addWidget(QLabel("Outline tolerance"))
        tolerance_row.addWidget(self.tolerance, 1)
        accept_row = QHBoxLayout()
        accept_row.addWidget(self.accept_button)
        accept_row.addWidget(self.accept_all_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addWidget(self.model_label)
        lay.addLayout(row)
        lay.addLayout(slider_row)
        lay.addLayout(tolerance_row)
        lay.addWidget(QLabel("Predictions on this image"))
        lay.addWidget(self.instances, 2)
        lay.addLayout(accept_row)
        lay.addWidget(self.status)
        lay.addWidget(QLabel("Label next (most uncertain first)"))
        lay.addWidget(self.next_list, 1)
        self.slider.valueChanged.connect(lambda v: self.slider_label.setText(f"{v / 100:.2f}"))

    def show_instances(self, instances: list, predicted: int | None = None, threshold: float = 0.0) -> None:
        """`instances` shown; `predicted`: how many the model found on this image at any score
        (None: not predicted yet), so an empty list says why it is empty."""
        self.instances.clear()
        if not instances and predicted is not None:
            why = (
                f"Nothing scores ≥ {threshold:.2f} here ({predicted} below): lower Min score to see them"
                if predicted
                else "The model found nothing on this image"
            )
            placeholder = QListWidgetItem(why)
            placeholder.setFlags(Qt.ItemFlag.NoItemFlags)
            self.instances.addItem(placeholder)
        for i, inst in enumerate(instances):
            vertices = sum(len(flat) // 2 for flat in inst.polygons or [])
            item = QListWidgetItem(f"{inst.class_name}  {inst.score:.2f}  ({vertices} vertices)")
            item.setData(Qt.ItemDataRole.UserRole, i)
            self.instances.addItem(item)
        self.accept_all_button.setEnabled(bool(instances))
        self.accept_button.setEnabled(bool(instances))

    def selected_indices(self) -> list[int]:
        return sorted(it.data(Qt.ItemDataRole.UserRole) for it in self.instances.selectedItems())

    def show_next(self, rows: list[tuple[str, str, float]]) -> None:
        """rows: (image key, file name, uncertainty)."""
        self.next_list.clear()
        for key, name, u in rows:
            item = QListWidgetItem(f"{u:.2f}  {name}")
            item.setData(Qt.ItemDataRole.UserRole, key)
            self.next_list.addItem(item)
