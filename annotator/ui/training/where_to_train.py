"""The Train panel's "Where to train": this computer, or a remote host over SSH (its Python,
work folder and GPU count), with the hosts used before remembered in QSettings. What the host
reports before training (torch, CUDA, GPUs) and the preparation's progress show under it."""

from __future__ import annotations

import json

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QLabel, QLineEdit, QSpinBox, QWidget

from ...app.remote_host import DEFAULT_PYTHON, DEFAULT_WORKDIR, RemoteChoice, remember, remembered

SETTINGS_KEY = "training/remote_hosts"
HERE, OTHER = "here", "other"


class WhereToTrain(QGroupBox):
    def __init__(self, store: QSettings | None = None, parent: QWidget | None = None):
        super().__init__("Where to train", parent)
        self.store = store if store is not None else QSettings("Polymask", "Polymask")
        self.place = QComboBox()
        # a long remembered host name must not widen the dock (the Train form fits a narrow one)
        self.place.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.place.setMinimumContentsLength(10)
        self.host = QLineEdit()
        self.host.setPlaceholderText("user@host[:port] or an ~/.ssh/config name")
        self.python = QLineEdit(DEFAULT_PYTHON)
        self.workdir = QLineEdit(DEFAULT_WORKDIR)
        self.gpus = QSpinBox()
        self.gpus.setRange(1, 16)
        self.gpus.setToolTip("More than 1: torchrun --nproc-per-node=N on the host (one process per GPU)")
        self.report = QLabel()
        self.report.setWordWrap(True)
        self.report.setStyleSheet("color: #9a9a9a; font-size: 11px")
        form = QFormLayout(self)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.addRow("Run on", self.place)
        self._rows = [("Host", self.host), ("Python", self.python), ("Work folder", self.workdir), ("GPUs", self.gpus)]
        for label, widget in self._rows:
            form.addRow(label, widget)
        form.addRow(self.report)
        self._form = form
        self.hosts = remembered(self._load())
        self._fill()
        self.place.currentIndexChanged.connect(self._chosen)
        self._chosen()

    def _load(self):
        raw = self.store.value(SETTINGS_KEY, "[]")
        try:
            return json.loads(raw) if isinstance(raw, str) else []
        except ValueError:
            return []

    def _fill(self) -> None:
        self.place.blockSignals(True)
        self.place.clear()
        self.place.addItem("This computer", HERE)
        for h in self.hosts:
            self.place.addItem(h.host, h.host)
        self.place.addItem("Another host…", OTHER)
        self.place.blockSignals(False)

    def _chosen(self) -> None:
        key = self.place.currentData()
        remote = key != HERE
        for _label, widget in self._rows:
            widget.setVisible(remote)
            lab = self._form.labelForField(widget)
            if lab is not None:
                lab.setVisible(remote)
        self.report.setVisible(remote and bool(self.report.text()))
        known = next((h for h in self.hosts if h.host == key), None)
        if known is not None:
            self.host.setText(known.host)
            self.python.setText(known.python)
            self.workdir.setText(known.workdir)
            self.gpus.setValue(known.gpus)
        elif key == OTHER:
            self.host.clear()
            self.host.setFocus()

    def choice(self) -> RemoteChoice | None:
        """The remote host chosen (None: this computer, or no host typed)."""
        if self.place.currentData() == HERE or not self.host.text().strip():
            return None
        return RemoteChoice(
            self.host.text().strip(),
            self.python.text().strip() or DEFAULT_PYTHON,
            self.workdir.text().strip() or DEFAULT_WORKDIR,
            self.gpus.value(),
        )

    def set_choice(self, choice: RemoteChoice | None) -> None:
        if choice is None:
            self.place.setCurrentIndex(0)
            return
        self.remember(choice)

    def remember(self, choice: RemoteChoice) -> None:
        """Keep `choice` first in the remembered hosts, and keep it chosen."""
        self.hosts = remember(self.hosts, choice)
        self.store.setValue(SETTINGS_KEY, json.dumps([h.to_dict() for h in self.hosts]))
        self._fill()
        self.place.setCurrentIndex(self.place.findData(choice.host))
        self._chosen()

    def show_report(self, text: str) -> None:
        self.report.setText(text)
        self.report.setVisible(bool(text) and self.place.currentData() != HERE)
