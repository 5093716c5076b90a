"""Image ▸ Go to image… (Ctrl+G): a number (its place in the list, 1-based) or a file name
(whole, or a part only one name has), with the names completed as you type. A wrong entry
is said in the dialog, which stays open to correct it."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QStringListModel, Qt
from PySide6.QtWidgets import QCompleter, QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget


class GoToImageDialog(QDialog):
    def __init__(self, parent: QWidget, names: list[str], current: int, go: Callable[[str], str]):
        super().__init__(parent)
        self.setWindowTitle("Go to image")
        self._go = go
        n = len(names)
        prompt = QLabel(f"Image number (1–{n:,}) or file name:")
        self.entry = QLineEdit(placeholderText=f"e.g. {current + 1} or {names[current] if names else 'photo.jpg'}")
        self.entry.setClearButtonEnabled(True)
        completer = QCompleter(QStringListModel(names, self), self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.entry.setCompleter(completer)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b3261e;")
        self.error.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Go")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(prompt)
        lay.addWidget(self.entry)
        lay.addWidget(self.error)
        lay.addWidget(buttons)
        self.resize(380, self.sizeHint().height())

    def accept(self) -> None:
        why = self._go(self.entry.text())
        if why:
            self.error.setText(why)
            self.error.show()
            self.entry.selectAll()
            self.entry.setFocus()
            return
        super().accept()
