"""The training form: model, weights, epochs, batch size, learning rate, device,
validation (a random share, the images marked val, or another COCO file), augmentation, and the trainer's other knobs under "Advanced".

`values()` returns TrainConfig settings (only what the form decides; the controller
adds the dataset and the run folder). The trainer validates them; this form only
offers sensible ranges. No torch here: "auto" device defaults are settled by the trainer.
"""

from __future__ import annotations

import os

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from trainer.config import LOSS_NAMES  # torch-free

MODELS = (("fast", "Fast (MobileNetV3)"), ("accurate", "Accurate (ResNet-50 FPN v2)"))
WEIGHTS = (
    ("coco", "COCO (pretrained Mask R-CNN)"),
    ("imagenet", "ImageNet backbone"),
    ("none", "None (from scratch)"),
    ("file", "A file…"),
    ("last", "Continue the last run"),
)
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
    """One line on what a model costs here (a measured images/s from an earlier run wins)."""
    cores = os.cpu_count() or 1
    gpu = device not in ("cpu",) and device != "auto"
    if measured:
        per = 1.0 / measured if measured > 0 else 0
        return f"Last run of this model here: {measured:.1f} images/s (≈{per:.1f} s per image)."
    if model == "fast":
        return (
            f"Small input (320 px); on this CPU ({cores} cores) roughly 1–3 images/s — minutes per epoch "
            "for 100 images."
            if not gpu
            else "Small input; tens of images/s on a GPU."
        )
    return (
        f"800 px input, ~45 M parameters: on this CPU ({cores} cores) several seconds per image — use a GPU."
        if not gpu
        else "800 px input: a few images/s on a laptop GPU, ~10 on a desktop one."
    )


def _spin(lo, hi, value, step=1, special=None) -> QSpinBox:
    s = QSpinBox()
    s.setRange(lo, hi)
    s.setSingleStep(step)
    s.setValue(value)
    if special:
        s.setSpecialValueText(special)
    return s


def _dspin(lo, hi, value, step, decimals, special=None) -> QDoubleSpinBox:
    s = QDoubleSpinBox()
    s.setRange(lo, hi)
    s.setDecimals(decimals)
    s.setSingleStep(step)
    s.setValue(value)
    if special:
        s.setSpecialValueText(special)
    return s


class TrainPanel(QWidget):
    train_requested = Signal()
    stop_requested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.measured: dict[str, float] = {}  # model -> images/s of its last run here
        self.weights_file = ""

        self.model = QComboBox()
        for key, text in MODELS:
            self.model.addItem(text, key)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: #9a9a9a; font-size: 11px")
        self.weights = QComboBox()
        for key, text in WEIGHTS:
            self.weights.addItem(text, key)
        self.val_source = QComboBox()
        for key, text in VALIDATION:
            self.val_source.addItem(text, key)
        for combo in (self.model, self.weights, self.val_source):  # long item texts must not widen the dock
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(10)
        self.epochs = _spin(1, 1000, 10)
        self.batch = _spin(1, 64, 2)
        self.lr = _dspin(0.0, 1.0, 0.0, 0.001, 5, special="auto")
        self.device = QComboBox()
        self.device.addItems(DEVICES)
        self.val_file = ""
        self.val_split = _spin(0, 90, 20, 5)
        self.val_split.setSuffix(" %")
        validation = QWidget()
        val_lay = QHBoxLayout(validation)
        val_lay.setContentsMargins(0, 0, 0, 0)
        val_lay.addWidget(self.val_source, 1)
        val_lay.addWidget(self.val_split)
        self.augment = {key: QCheckBox(text) for key, text in AUGMENT}
        for key in ("hflip", "scale_jitter"):
            self.augment[key].setChecked(True)
        aug = QWidget()
        aug_lay = QVBoxLayout(aug)
        aug_lay.setContentsMargins(0, 0, 0, 0)
        aug_lay.setSpacing(0)
        for box in self.augment.values():
            aug_lay.addWidget(box)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        # A narrow dock puts a wide field (validation, augment) under its label instead of clipping it.
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.addRow("Model", self.model)
        form.addRow("", self.hint)
        form.addRow("Weights", self.weights)
        form.addRow("Epochs", self.epochs)
        form.addRow("Batch size", self.batch)
        form.addRow("Learning rate", self.lr)
        form.addRow("Device", self.device)
        form.addRow("Validation", validation)
        form.addRow("Augment", aug)

        # ---- advanced
        self.advanced = QGroupBox("Advanced")
        self.advanced.setCheckable(True)
        self.advanced.setChecked(False)
        self.min_size = _spin(0, 4096, 0, 32, special="model default")
        self.max_size = _spin(0, 8192, 0, 32, special="model default")
        self.anchors = QLineEdit()
        self.anchors.setPlaceholderText("model default, e.g. 32, 64, 128, 256, 512")
        self.aspect = QLineEdit()
        self.aspect.setPlaceholderText("0.5, 1, 2")
        self.box_score = _dspin(0, 1, 0.05, 0.05, 2)
        self.box_nms = _dspin(0, 1, 0.5, 0.05, 2)
        self.rpn_nms = _dspin(0, 1, 0.7, 0.05, 2)
        self.detections = _spin(1, 1000, 100)
        self.trainable = _spin(-1, 6, -1, special="model default")
        self.workers = _spin(0, 32, 2)
        self.warmup = _spin(0, 100000, 100, 10)
        self.loss_weights = {name: _dspin(0, 100, 1.0, 0.1, 2) for name in LOSS_NAMES}
        adv = QFormLayout(self.advanced)
        adv.addRow("Input min size", self.min_size)
        adv.addRow("Input max size", self.max_size)
        adv.addRow("Anchor sizes", self.anchors)
        adv.addRow("Aspect ratios", self.aspect)
        adv.addRow("Box score threshold", self.box_score)
        adv.addRow("Box NMS threshold", self.box_nms)
        adv.addRow("RPN NMS threshold", self.rpn_nms)
        adv.addRow("Detections per image", self.detections)
        adv.addRow("Trainable backbone layers", self.trainable)
        adv.addRow("Data workers", self.workers)
        adv.addRow("Warm-up iterations", self.warmup)
        for name, spin in self.loss_weights.items():
            adv.addRow(f"Weight of {name.replace('loss_', '')}", spin)
        self._adv_body = [adv.itemAt(i).widget() for i in range(adv.count()) if adv.itemAt(i).widget()]
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

        body = QWidget()
        lay = QVBoxLayout(body)
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
        self.device.currentTextChanged.connect(self._device_changed)
        self.weights.activated.connect(self._weights_chosen)
        self.val_source.activated.connect(self._validation_chosen)
        self._update_hint()

    # ---- behaviour --------------------------------------------------------------------
    def _show_advanced(self, on: bool) -> None:
        for w in self._adv_body:
            w.setVisible(on)
        lay = self.advanced.layout()
        for i in range(lay.rowCount()):
            label = lay.itemAt(i, QFormLayout.ItemRole.LabelRole)
            if label is not None and label.widget() is not None:
                label.widget().setVisible(on)

    def _update_hint(self) -> None:
        model = self.model.currentData()
        self.hint.setText(cost_hint(model, self.device.currentText(), self.measured.get(model)))

    def _device_changed(self, device: str) -> None:
        # default batch size per device: small on CPU, larger on a GPU
        if self.batch.value() in (2, 4):
            self.batch.setValue(4 if device in ("cuda", "mps") else 2)
        self._update_hint()

    def _weights_chosen(self, index: int) -> None:
        if self.weights.itemData(index) != "file":
            return
        path, _ = QFileDialog.getOpenFileName(
            self, "Initial weights", "", "PyTorch checkpoints (*.pth *.pt);;All files (*)"
        )
        if path:
            self.weights_file = path
            self.weights.setItemText(index, f"File: {os.path.basename(path)}")
        else:
            self.weights.setCurrentIndex(0)

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
        weights = self.weights.currentData()
        if weights == "file":
            weights = self.weights_file or "coco"
        v = dict(
            model=self.model.currentData(),
            weights=weights,
            epochs=self.epochs.value(),
            batch_size=self.batch.value(),
            lr=self.lr.value() or None,
            device=self.device.currentText(),
            augment=[k for k, box in self.augment.items() if box.isChecked()],
            validation=self.val_source.currentData(),
        )
        if v["validation"] == "random":
            v["val_fraction"] = self.val_split.value() / 100
        elif v["validation"] == "file":
            v["val_coco"] = self.val_file
        if self.advanced.isChecked():
            v.update(
                min_size=self.min_size.value() or None,
                max_size=self.max_size.value() or None,
                box_score_thresh=self.box_score.value(),
                box_nms_thresh=self.box_nms.value(),
                rpn_nms_thresh=self.rpn_nms.value(),
                detections_per_img=self.detections.value(),
                trainable_backbone_layers=None if self.trainable.value() < 0 else self.trainable.value(),
                workers=self.workers.value(),
                warmup_iters=self.warmup.value(),
                loss_weights={k: s.value() for k, s in self.loss_weights.items()},
            )
            anchors = _numbers(self.anchors.text())
            if anchors:
                v["anchor_sizes"] = anchors
            ratios = _numbers(self.aspect.text())
            if ratios:
                v["aspect_ratios"] = ratios
        return v

    def set_values(self, **v) -> None:
        """Set form fields from TrainConfig-style names (used by tests and to restore a run's settings)."""
        if "model" in v:
            self.model.setCurrentIndex(max(0, self.model.findData(v["model"])))
        if "weights" in v:
            idx = self.weights.findData(v["weights"])
            if idx < 0:
                self.weights_file = v["weights"]
                idx = self.weights.findData("file")
            self.weights.setCurrentIndex(idx)
        for name, w in (("epochs", self.epochs), ("batch_size", self.batch)):
            if name in v:
                w.setValue(int(v[name]))
        if "lr" in v:
            self.lr.setValue(v["lr"] or 0.0)
        if "device" in v:
            self.device.setCurrentText(v["device"])
        if "val_fraction" in v:
            self.val_split.setValue(round(v["val_fraction"] * 100))
        if v.get("val_coco"):
            self._set_val_file(v["val_coco"])
        if "validation" in v or v.get("val_coco"):
            self.val_source.setCurrentIndex(self.val_source.findData(v.get("validation", "file")))
            self.val_split.setVisible(self.val_source.currentData() == "random")
        if "augment" in v:
            for k, box in self.augment.items():
                box.setChecked(k in v["augment"])
        adv = {
            "min_size": self.min_size,
            "max_size": self.max_size,
            "detections_per_img": self.detections,
            "workers": self.workers,
            "warmup_iters": self.warmup,
        }
        fl = {"box_score_thresh": self.box_score, "box_nms_thresh": self.box_nms, "rpn_nms_thresh": self.rpn_nms}
        if any(k in v for k in (*adv, *fl, "loss_weights", "anchor_sizes", "trainable_backbone_layers")):
            self.advanced.setChecked(True)
        for k, w in adv.items():
            if k in v:
                w.setValue(int(v[k] or 0))
        for k, w in fl.items():
            if k in v:
                w.setValue(float(v[k]))
        if "trainable_backbone_layers" in v:
            self.trainable.setValue(-1 if v["trainable_backbone_layers"] is None else v["trainable_backbone_layers"])
        for k, val in (v.get("loss_weights") or {}).items():
            if k in self.loss_weights:
                self.loss_weights[k].setValue(val)
        if v.get("anchor_sizes"):
            self.anchors.setText(", ".join(str(a) for a in v["anchor_sizes"]))


def _numbers(text: str) -> list[float | int]:
    out = []
    for part in text.replace(";", ",").replace(" ", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            f = float(part)
        except ValueError:
            continue
        out.append(int(f) if f.is_integer() else f)
    return out
