"""The training form: model, weights, epochs, batch size, learning rate, device,
validation (a random share, the images marked val, or another COCO file), augmentation, and the trainer's other knobs under "Advanced".

The fields are a table over TrainConfig's settings (form_fields.py: label and widget kind per
setting, the trainer's defaults as starting values). `values()` returns TrainConfig settings
(only what the form decides; annotator.app.training.plan_run adds the dataset and the run folder). The trainer validates them; this form only
offers sensible ranges. No torch here: "auto" device defaults are settled by the trainer.
"""

from __future__ import annotations

import os
from typing import cast

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from trainer.run.recipe import AUTO_ITERATIONS  # torch-free

from ...app.weights_choice import weights_detail, weights_gives, weights_label
from .form_fields import Choice, Field, Flags, LossWeights, Number, Numbers, Percent, Weights, Whole
from .where_to_train import WhereToTrain

MODELS = (("fast", "Fast (MobileNetV3)"), ("accurate", "Accurate (ResNet-50 FPN v2)"))
WEIGHTS = tuple((key, weights_label("fast", key)) for key in ("coco", "imagenet", "none", "file", "last"))
DEVICES = ("auto", "cpu", "cuda", "mps")
VALIDATION = (
    ("random", "Random share of the images"),
    ("marked", "Images marked val"),
    ("file", "Another COCO file…"),
)
AUGMENT = (
    ("hflip", "Horizontal flip"),
    ("vflip", "Vertical flip"),
    ("scale_jitter", "Zoom crops around objects"),
    ("color", "Colour jitter"),
)


def cost_hint(model: str, device: str, measured: float | None = None) -> str:
    """One line on what a model costs here: the speed measured by this project's last run of it,
    else what the model is (the time left is measured from the run's own steps once it starts)."""
    gpu = device not in ("cpu",) and device != "auto"
    if measured:
        per = 1.0 / measured if measured > 0 else 0
        return f"Last run of this model here: {measured:.2f} images/s (≈{per:.1f} s per image)."
    what = (
        "Small input (320 px), MobileNetV3: the model for a CPU."
        if model == "fast"
        else "800 px input, ~45 M parameters: slow on a CPU, use a GPU."
        if not gpu
        else "800 px input, ~45 M parameters."
    )
    return what + " The time left is measured from the run's first steps."


def basic_fields() -> list[Field]:
    return [
        Choice("model", "Model", MODELS),
        Weights("weights", "Weights", WEIGHTS),
        Whole("epochs", "Epochs", 0, 1000, none=f"auto (≈{AUTO_ITERATIONS:,} steps)"),
        Whole("batch_size", "Batch size", 1, 64),
        Number("lr", "Learning rate", 0.0, 1.0, 0.001, 5, none="auto"),
        Choice("device", "Device", [(d, d) for d in DEVICES]),
        Flags("augment", "Augment", AUGMENT),
    ]


def advanced_fields() -> list[Field]:
    return [
        Whole("min_size", "Input min size", 0, 4096, 32, none="model default"),
        Whole("max_size", "Input max size", 0, 8192, 32, none="model default"),
        Numbers("anchor_sizes", "Anchor sizes", "model default, e.g. 32, 64, 128, 256, 512"),
        Numbers("aspect_ratios", "Aspect ratios", "model default, e.g. 0.5, 1, 2"),
        Number("box_score_thresh", "Box score threshold", 0, 1, 0.05, 2),
        Number("box_nms_thresh", "Box NMS threshold", 0, 1, 0.05, 2),
        Number("rpn_nms_thresh", "RPN NMS threshold", 0, 1, 0.05, 2),
        Whole("detections_per_img", "Detections per image", 1, 1000),
        Whole("trainable_backbone_layers", "Trainable backbone layers", -1, 6, none="model default"),
        Whole("workers", "Data workers", 0, 32),
        Whole("warmup_iters", "Warm-up iterations", 0, 100000, 10),
        LossWeights("loss_weights", ""),
    ]


class TrainPanel(QWidget):
    train_requested = Signal()
    stop_requested = Signal()
    weights_chosen = Signal(str)  # the person chose other starting weights (the form's value)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.measured: dict[str, float] = {}  # model -> images/s of its last run here
        self.basic, self.advanced_settings = basic_fields(), advanced_fields()
        self.fields = {f.name: f for f in self.basic + self.advanced_settings}
        w = {name: f.widget for name, f in self.fields.items()}
        self.model, self.weights, self.device = (cast(QComboBox, w[k]) for k in ("model", "weights", "device"))
        self.batch, self.workers = (cast(QSpinBox, w[k]) for k in ("batch_size", "workers"))
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: #9a9a9a; font-size: 11px")
        self.weights_hint = QLabel()  # what the chosen weights give for the chosen model
        self.weights_hint.setWordWrap(True)
        self.weights_hint.setStyleSheet("color: #9a9a9a; font-size: 11px")
        self.weights_note = QLabel()  # e.g. "the COCO weights could not be downloaded: ..."
        self.weights_note.setWordWrap(True)
        self.weights_note.setStyleSheet("color: #c47f00; font-size: 11px")  # amber that reads on light and dark
        self.weights_note.hide()
        # Validation: a random share (val_fraction), the images marked val, or another COCO file (val_coco).
        self.val_source = QComboBox()
        for key, text in VALIDATION:
            self.val_source.addItem(text, key)
        self.val_source.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.val_source.setMinimumContentsLength(10)
        self.val_file = ""
        self.val_fraction = Percent("val_fraction", "", 0, 90, 5)
        self.val_split = self.val_fraction.widget
        validation = QWidget()
        val_lay = QHBoxLayout(validation)
        val_lay.setContentsMargins(0, 0, 0, 0)
        val_lay.addWidget(self.val_source, 1)
        val_lay.addWidget(self.val_split)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        # A narrow dock puts a wide field (validation, augment) under its label instead of clipping it.
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        for f in self.basic:
            if f.name == "augment":
                form.addRow("Validation", validation)
            form.addRow(f.label, f.widget)
            if f.name == "model":
                form.addRow("", self.hint)
            if f.name == "weights":
                form.addRow("", self.weights_hint)
                form.addRow("", self.weights_note)

        # ---- advanced
        self.advanced = QGroupBox("Advanced")
        self.advanced.setCheckable(True)
        self.advanced.setChecked(False)
        adv = QFormLayout(self.advanced)
        for f in self.advanced_settings:
            for label, widget in f.rows() if isinstance(f, LossWeights) else [(f.label, f.widget)]:
                adv.addRow(label, widget)
        self._adv_body = [body for i in range(adv.count()) if (item := adv.itemAt(i)) and (body := item.widget())]
        self._adv_layout = adv
        self.advanced.toggled.connect(self._show_advanced)
        self._show_advanced(False)

        self.preflight = QLabel()
        self.preflight.setWordWrap(True)
        self.preflight.setTextFormat(Qt.TextFormat.RichText)
        self.preflight.hide()
        self.train_button = QPushButton("Train")
        self.train_button.setDefault(True)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setEnabled(False)
        self.train_button.clicked.connect(self.train_requested)
        self.stop_button.clicked.connect(self.stop_requested)
        buttons = QHBoxLayout()
        buttons.addWidget(self.train_button, 1)
        buttons.addWidget(self.stop_button)

        self.where = WhereToTrain()  # this computer, or a host over SSH
        body = QWidget()
        lay = QVBoxLayout(body)
        lay.addWidget(self.where)
        lay.addLayout(form)
        lay.addWidget(self.advanced)
        lay.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(2, 2, 2, 2)
        outer.addWidget(scroll, 1)
        outer.addWidget(self.preflight)
        outer.addLayout(buttons)

        self.model.currentIndexChanged.connect(self._update_hint)
        self.weights.currentIndexChanged.connect(self._update_hint)
        self.weights.activated.connect(lambda _i: self.weights_chosen.emit(str(self.fields["weights"].get())))
        self.device.currentIndexChanged.connect(lambda _i: self._device_changed(self.device.currentData()))
        self.val_source.activated.connect(self._validation_chosen)
        self._update_hint()

    # ---- behaviour --------------------------------------------------------------------
    def _show_advanced(self, on: bool) -> None:
        for w in self._adv_body:
            w.setVisible(on)
        lay = self._adv_layout
        for i in range(lay.rowCount()):
            label = lay.itemAt(i, QFormLayout.ItemRole.LabelRole)
            if label is not None and (widget := label.widget()) is not None:
                widget.setVisible(on)

    def _update_hint(self) -> None:
        model = self.model.currentData()
        self.hint.setText(cost_hint(model, self.device.currentData(), self.measured.get(model)))
        for i in range(self.weights.count()):  # each choice says what it gives for this model
            key = self.weights.itemData(i)
            if key != "file" or not self.fields["weights"].file:  # type: ignore[attr-defined]
                self.weights.setItemText(i, weights_label(model, key))
            self.weights.setItemData(i, weights_detail(model, key), Qt.ItemDataRole.ToolTipRole)
        self.weights_hint.setText(weights_gives(model, self.weights.currentData()))
        self.weights_hint.setToolTip(weights_detail(model, self.weights.currentData()))

    def show_weights_note(self, text: str) -> None:
        """A line under the weights (e.g. the download failed and what was chosen instead); "" hides it."""
        self.weights_note.setText(text)
        self.weights_note.setVisible(bool(text))

    def _device_changed(self, device: str) -> None:
        # default batch size per device: small on CPU, larger on a GPU
        if self.batch.value() in (2, 4):
            self.batch.setValue(4 if device in ("cuda", "mps") else 2)
        self._update_hint()

    def _validation_chosen(self, index: int) -> None:
        if self.val_source.itemData(index) == "file":
            path, _ = QFileDialog.getOpenFileName(
                self, "Validation images (COCO file)", "", "COCO JSON (*.json);;All files (*)"
            )
            if path:
                self._set_val_file(path)
            elif not self.val_file:
                self.val_source.setCurrentIndex(0)
        self.val_split.setVisible(self.val_source.currentData() == "random")

    def _set_val_file(self, path: str) -> None:
        self.val_file = path
        index = self.val_source.findData("file")
        self.val_source.setItemText(index, f"File: {os.path.basename(path)}")
        self.val_source.setItemData(index, path, Qt.ItemDataRole.ToolTipRole)

    def set_measured(self, model: str, images_per_s: float) -> None:
        self.measured[model] = images_per_s
        self._update_hint()

    def set_running(self, running: bool) -> None:
        self.train_button.setEnabled(not running)
        self.stop_button.setEnabled(running)

    def show_issues(self, issues) -> None:
        if not issues:
            self.preflight.hide()
            self.preflight.clear()
            return
        text = ""
        for blocking, title in ((True, "<b style='color:#e15759'>Fix before training:</b>"), (False, "<b>Notes:</b>")):
            items = "".join(f"<li>{i.message}</li>" for i in issues if i.blocking == blocking)
            text += f"{title}<ul style='margin:0'>{items}</ul>" if items else ""
        self.preflight.setText(text)
        self.preflight.show()

    # ---- values -----------------------------------------------------------------------
    def values(self) -> dict:
        """TrainConfig settings: every field of the form (the advanced ones when Advanced is on),
        and the validation choice (``validation``, with ``val_fraction`` or ``val_coco``)."""
        shown = self.basic + (self.advanced_settings if self.advanced.isChecked() else [])
        v = {f.name: value for f in shown if (value := f.get()) not in f.omit}
        v["validation"] = self.val_source.currentData()
        if v["validation"] == "random":
            v["val_fraction"] = self.val_fraction.get()
        elif v["validation"] == "file":
            v["val_coco"] = self.val_file
        return v

    def set_values(self, **v) -> None:
        """Set form fields from TrainConfig names (used by tests and to restore a run's settings);
        names the form has no field for are left alone. An advanced setting opens Advanced."""
        for name, value in v.items():
            if name in self.fields:
                self.fields[name].set(value)
        if any(f.name in v for f in self.advanced_settings):
            self.advanced.setChecked(True)
        if "val_fraction" in v:
            self.val_fraction.set(v["val_fraction"])
        if v.get("val_coco"):
            self._set_val_file(v["val_coco"])
        if "validation" in v or v.get("val_coco"):
            self.val_source.setCurrentIndex(self.val_source.findData(v.get("validation", "file")))
            self.val_split.setVisible(self.val_source.currentData() == "random")
