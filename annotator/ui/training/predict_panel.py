"""The Predict dock's contents: the model in use, predict buttons, the score slider and outline
tolerance, this image's predictions with Accept, and the unlabelled images ordered by the
model's uncertainty. A view: PredictionController (predicting.py) wires it."""

from __future__ import annotations

from PySide6.QtCore import Qt
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

from trainer.inference.polygons import DEFAULT_TOLERANCE  # torch-free

from .predictions import DEFAULT_THRESHOLD


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
