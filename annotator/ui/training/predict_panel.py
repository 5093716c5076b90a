"""The Pre-label dock's contents: the model in use (named, with a menu to choose another), predict
buttons, a slot for extra rows (`add_row`), the score slider and outline tolerance, this image's
predictions with Accept, the last action's message, and the unlabelled images ordered by the
model's uncertainty. A view: PredictionController (predicting.py) wires it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QSizePolicy,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from trainer.inference.polygons import DEFAULT_TOLERANCE  # torch-free

from ...app.prediction_counts import ImageCounts
from .predictions import DEFAULT_THRESHOLD

NEXT_ORDER = (
    "Label next: unlabelled images, the ones the model is least sure of first "
    "(scores near 0.5; an image with no detection sits in the middle)"
)


def _note(text: str) -> QListWidgetItem:
    """A line in a list that is not a prediction: cannot be selected or accepted."""
    item = QListWidgetItem(text)
    item.setFlags(Qt.ItemFlag.NoItemFlags)
    return item


class PredictPanel(QWidget):
    """Dock contents: model in use, predict buttons, score slider, this image's predictions,
    and the unlabelled images ordered by the model's uncertainty."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.model_label = QLabel("No model yet: train one, or pick a run in the Runs panel.")
        self.model_label.setWordWrap(True)
        # Its two or three wrapped lines are never squeezed to one (the lists below take the cut).
        self.model_label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.model_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.model_menu = QMenu(self)  # filled by the controller when it opens
        self.model_button = QToolButton()
        self.model_button.setText("Model…")
        self.model_button.setToolTip("Choose the model that pre-labels: a run, the best run, or a checkpoint file")
        self.model_button.setMenu(self.model_menu)
        self.model_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
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
        self.status = QLabel("")  # the last action's message, replaced by the next one
        self.status.setWordWrap(True)
        self.status.setStyleSheet("color: #9a9a9a")
        self.next_header = QLabel("Label next (least sure first)")
        self.next_header.setToolTip(NEXT_ORDER)
        self.next_list = QListWidget()
        self.next_list.setToolTip(NEXT_ORDER + "; double-click to open")
        for lst in (self.instances, self.next_list):  # small minimum: the dock shares its column
            lst.setMinimumHeight(48)
            # Long lines (why the list is empty, long file names) wrap to the dock's width.
            lst.setWordWrap(True)
            lst.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            lst.setResizeMode(QListWidget.ResizeMode.Adjust)

        model_row = QHBoxLayout()
        model_row.addWidget(self.model_label, 1)
        model_row.addWidget(self.model_button, 0, Qt.AlignmentFlag.AlignTop)
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
        lay.addLayout(model_row)
        lay.addLayout(row)
        self.extra_rows = QVBoxLayout()  # other features' rows (add_row), under the predict buttons
        self.extra_rows.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(self.extra_rows)
        lay.addLayout(slider_row)
        lay.addLayout(tolerance_row)
        lay.addWidget(QLabel("Predictions on this image"))
        lay.addWidget(self.instances, 2)
        lay.addLayout(accept_row)
        lay.addWidget(self.status)
        lay.addWidget(self.next_header)
        lay.addWidget(self.next_list, 1)
        self.slider.valueChanged.connect(lambda v: self.slider_label.setText(f"{v / 100:.2f}"))

    def add_row(self, widget: QWidget) -> None:
        """A row of another feature's widgets, under the predict buttons."""
        self.extra_rows.addWidget(widget)

    def show_model(self, text: str, tooltip: str = "") -> None:
        self.model_label.setText(text)
        self.model_label.setToolTip(tooltip)

    def say(self, text: str) -> None:
        """The last action's message (replaces the one before)."""
        self.status.setText(text)

    def show_instances(self, instances: list, counts: ImageCounts | None = None) -> None:
        """`instances` (each with an outline) listed; `counts` say what is left out, or why the
        list is empty (None: not predicted yet)."""
        self.instances.clear()
        why = counts.why_empty() if counts is not None else None
        if why:
            self.instances.addItem(_note(why))
        for i, inst in enumerate(instances):
            vertices = sum(len(flat) // 2 for flat in inst.polygons or [])
            parts = len(inst.polygons or [])
            shape = f"{vertices} vertices" + (f", {parts} parts" if parts > 1 else "")
            item = QListWidgetItem(f"{inst.class_name}  {inst.score:.2f}  ({shape})")
            item.setData(Qt.ItemDataRole.UserRole, i)
            self.instances.addItem(item)
        footer = counts.footer() if counts is not None else None
        if footer:
            self.instances.addItem(_note(footer))
        self.accept_all_button.setEnabled(bool(instances))
        self.accept_button.setEnabled(bool(instances))

    def listed(self) -> list[str]:
        """The predictions' rows (not the notes about them)."""
        rows = (self.instances.item(i) for i in range(self.instances.count()))
        return [it.text() for it in rows if it is not None and it.data(Qt.ItemDataRole.UserRole) is not None]

    def selected_indices(self) -> list[int]:
        return sorted(it.data(Qt.ItemDataRole.UserRole) for it in self.instances.selectedItems())

    def show_next(self, rows: list[tuple[str, str, float]], why_empty: str | None = None) -> None:
        """rows: (image key, file name, uncertainty); `why_empty` is shown when there are none."""
        self.next_list.clear()
        if not rows and why_empty:
            self.next_list.addItem(_note(why_empty))
        for key, name, u in rows:
            item = QListWidgetItem(f"{u:.2f}  {name}")
            item.setData(Qt.ItemDataRole.UserRole, key)
            item.setToolTip(f"uncertainty {u:.2f}: 1 = every detection near 0.5, 0 = all sure")
            self.next_list.addItem(item)
