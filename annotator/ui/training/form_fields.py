"""The train form's fields, as a table over TrainConfig's own fields: each row names a setting,
its label and the kind of widget that edits it; the widget's starting value is the setting's
default in the trainer's schema (``dataclasses.fields(TrainConfig)``), and reading and setting
go through the kind, so no setting is mapped by hand and a new one is one row."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from trainer.choices import LOSS_NAMES
from trainer.config import TrainConfig  # torch-free

_DEFAULTS = {f.name: f for f in dataclasses.fields(TrainConfig)}
W = TypeVar("W", bound=QWidget)


def default(name: str) -> Any:
    """The trainer's default for setting `name`."""
    f = _DEFAULTS[name]
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return f.default


class Field(Generic[W]):
    """One setting's widget: `widget` is built with the setting's default; `get` / `set` read
    and write it in TrainConfig's terms; `omit` values are left out of the form's settings."""

    omit: tuple = ()

    def __init__(self, name: str, label: str):
        self.name, self.label = name, label
        self.widget = self.build()
        self.set(default(name))

    def build(self) -> W:
        raise NotImplementedError

    def get(self) -> Any:
        raise NotImplementedError

    def set(self, value: Any) -> None:
        raise NotImplementedError


class Whole(Field[QSpinBox]):
    """A whole number; `none` names the lowest value, which stands for None (the model's default)."""

    def __init__(self, name: str, label: str, lo: int, hi: int, step: int = 1, none: str | None = None):
        self.lo, self.hi, self.step, self.none = lo, hi, step, none
        super().__init__(name, label)

    def build(self) -> QSpinBox:
        s = QSpinBox()
        s.setRange(self.lo, self.hi)
        s.setSingleStep(self.step)
        if self.none:
            s.setSpecialValueText(self.none)
        return s

    def get(self) -> int | None:
        v = self.widget.value()
        return None if self.none and v == self.lo else v

    def set(self, value: Any) -> None:
        self.widget.setValue(self.lo if value is None else int(value))


class Number(Field[QDoubleSpinBox]):
    """A decimal number; `none` as for Whole."""

    def __init__(
        self, name: str, label: str, lo: float, hi: float, step: float, decimals: int, none: str | None = None
    ):
        self.lo, self.hi, self.step, self.decimals, self.none = lo, hi, step, decimals, none
        super().__init__(name, label)

    def build(self) -> QDoubleSpinBox:
        s = QDoubleSpinBox()
        s.setRange(self.lo, self.hi)
        s.setDecimals(self.decimals)
        s.setSingleStep(self.step)
        if self.none:
            s.setSpecialValueText(self.none)
        return s

    def get(self) -> float | None:
        v = self.widget.value()
        return None if self.none and v == self.lo else v

    def set(self, value: Any) -> None:
        self.widget.setValue(self.lo if value is None else float(value))


class Percent(Field[QSpinBox]):
    """A fraction shown in whole percent, from `lo` to `hi` %."""

    def __init__(self, name: str, label: str, lo: int, hi: int, step: int = 1):
        self.lo, self.hi, self.step = lo, hi, step
        super().__init__(name, label)

    def build(self) -> QSpinBox:
        s = QSpinBox()
        s.setRange(self.lo, self.hi)
        s.setSingleStep(self.step)
        s.setSuffix(" %")
        return s

    def get(self) -> float:
        return self.widget.value() / 100

    def set(self, value: Any) -> None:
        self.widget.setValue(round(float(value) * 100))


class Choice(Field[QComboBox]):
    """One of (value, text) choices; a value set that is not among them is added (e.g. cuda:1)."""

    def __init__(self, name: str, label: str, choices: Sequence[tuple[str, str]]):
        self.choices = choices
        super().__init__(name, label)

    def build(self) -> QComboBox:
        c = QComboBox()
        for key, text in self.choices:
            c.addItem(text, key)
        c.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        c.setMinimumContentsLength(10)  # long item texts must not widen the dock
        return c

    def get(self) -> Any:
        return self.widget.currentData()

    def set(self, value: Any) -> None:
        index = self.widget.findData(value)
        if index < 0:
            self.widget.addItem(str(value), value)
            index = self.widget.count() - 1
        self.widget.setCurrentIndex(index)


class Weights(Choice):
    """The initial weights: a named kind, or a checkpoint file chosen with "A file…"."""

    FILE = "file"

    def __init__(self, name: str, label: str, choices: Sequence[tuple[str, str]]):
        self.file = ""
        super().__init__(name, label, choices)
        self.widget.activated.connect(self._chosen)

    def get(self) -> Any:
        value = self.widget.currentData()
        return (self.file or default(self.name)) if value == self.FILE else value

    def set(self, value: Any) -> None:
        if self.widget.findData(value) < 0:
            self._use_file(str(value))
            value = self.FILE
        self.widget.setCurrentIndex(self.widget.findData(value))

    def _use_file(self, path: str) -> None:
        self.file = path
        self.widget.setItemText(self.widget.findData(self.FILE), f"File: {os.path.basename(path)}")

    def _chosen(self, index: int) -> None:
        if self.widget.itemData(index) != self.FILE:
            return
        path, _ = QFileDialog.getOpenFileName(
            self.widget, "Initial weights", "", "PyTorch checkpoints (*.pth *.pt);;All files (*)"
        )
        if path:
            self._use_file(path)
        else:
            self.widget.setCurrentIndex(0)


class Numbers(Field[QLineEdit]):
    """A list of numbers typed as text ("32, 64, 128"); empty means the model's default (omitted)."""

    omit = (None,)

    def __init__(self, name: str, label: str, placeholder: str):
        self.placeholder = placeholder
        super().__init__(name, label)

    def build(self) -> QLineEdit:
        e = QLineEdit()
        e.setPlaceholderText(self.placeholder)
        return e

    def get(self) -> list[float | int] | None:
        return numbers(self.widget.text()) or None

    def set(self, value: Any) -> None:
        self.widget.setText(", ".join(str(a) for a in value) if value else "")


class Flags(Field[QWidget]):
    """A list of names from `choices`, one checkbox each."""

    def __init__(self, name: str, label: str, choices: Sequence[tuple[str, str]]):
        self.choices = choices
        super().__init__(name, label)

    def build(self) -> QWidget:
        box = QWidget()
        lay = QVBoxLayout(box)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        self.boxes = {key: QCheckBox(text) for key, text in self.choices}
        for b in self.boxes.values():
            lay.addWidget(b)
        return box

    def get(self) -> list[str]:
        return [k for k, b in self.boxes.items() if b.isChecked()]

    def set(self, value: Any) -> None:
        for k, b in self.boxes.items():
            b.setChecked(k in (value or ()))


class LossWeights(Field[QWidget]):
    """The weight of each loss, one spin box each (shown as rows of their own)."""

    def build(self) -> QWidget:
        self.spins = {name: _dspin(0, 100, 0.1, 2) for name in LOSS_NAMES}
        return QWidget()

    def rows(self) -> list[tuple[str, QWidget]]:
        return [(f"Weight of {name.replace('loss_', '')}", spin) for name, spin in self.spins.items()]

    def get(self) -> dict[str, float]:
        return {k: s.value() for k, s in self.spins.items()}

    def set(self, value: Any) -> None:
        for k, v in (value or {}).items():
            if k in self.spins:
                self.spins[k].setValue(float(v))


def _dspin(lo: float, hi: float, step: float, decimals: int) -> QDoubleSpinBox:
    s = QDoubleSpinBox()
    s.setRange(lo, hi)
    s.setDecimals(decimals)
    s.setSingleStep(step)
    return s


def numbers(text: str) -> list[float | int]:
    out: list[float | int] = []
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
