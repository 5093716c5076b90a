"""A bar at the top of the image list when the image folders changed: "3 new images in data/"
with Add / Ignore, and "2 images are no longer in data/" with Remove from project. It stays
until answered (✕ hides it until the folders change again)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QPushButton, QToolButton

from polymask_common.text import plural

STYLE = (
    "#newImagesBar { background: #e3effd; border: 1px solid #8fb5e8; border-radius: 6px; }"
    "#newImagesBar QLabel { color: #0b2a52; }"
)


class NewImagesBar(QFrame):
    add_requested = Signal()
    ignore_requested = Signal()
    remove_gone_requested = Signal()
    dismissed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("newImagesBar")
        self.setStyleSheet(STYLE)
        self.new_label = QLabel(wordWrap=True)
        self.gone_label = QLabel(wordWrap=True)
        for label in (self.new_label, self.gone_label):
            label.setTextFormat(Qt.TextFormat.PlainText)
        self.add_button = QPushButton("Add")
        self.add_button.setToolTip("Add the new images to the project")
        self.ignore_button = QPushButton("Ignore")
        self.ignore_button.setToolTip("Do not offer these files again (Ctrl+Z undoes)")
        self.remove_button = QPushButton("Remove from project")
        self.remove_button.setToolTip("Take the missing images out of the project (Ctrl+Z undoes)")
        self.close_button = QToolButton()
        self.close_button.setText("✕")
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip("Hide until the folder changes again")
        new_buttons = QHBoxLayout()
        new_buttons.addStretch(1)
        new_buttons.addWidget(self.add_button)
        new_buttons.addWidget(self.ignore_button)
        gone_buttons = QHBoxLayout()
        gone_buttons.addStretch(1)
        gone_buttons.addWidget(self.remove_button)
        lay = QGridLayout(self)
        lay.setContentsMargins(8, 6, 4, 6)
        lay.setVerticalSpacing(4)
        lay.addWidget(self.new_label, 0, 0)
        lay.addWidget(self.close_button, 0, 1, Qt.AlignmentFlag.AlignTop)
        lay.addLayout(new_buttons, 1, 0)
        lay.addWidget(self.gone_label, 2, 0)
        lay.addLayout(gone_buttons, 3, 0)
        self._rows = (self.new_label, self.add_button, self.ignore_button, self.gone_label, self.remove_button)
        self.add_button.clicked.connect(self.add_requested)
        self.ignore_button.clicked.connect(self.ignore_requested)
        self.remove_button.clicked.connect(self.remove_gone_requested)
        self.close_button.clicked.connect(self.dismiss)
        self.hide()

    def show_changes(self, new: int, new_where: str, gone: int, gone_where: str) -> None:
        """Say what changed (nothing: the bar hides)."""
        self.new_label.setText(f"{plural(new, 'new image')} in {new_where}" if new else "")
        verb = "is" if gone == 1 else "are"
        self.gone_label.setText(
            f"{plural(gone, 'image')} of the project {verb} no longer in {gone_where}" if gone else ""
        )
        for widget in (self.new_label, self.add_button, self.ignore_button):
            widget.setVisible(bool(new))
        for widget in (self.gone_label, self.remove_button):
            widget.setVisible(bool(gone))
        self.setVisible(bool(new or gone))

    def text(self) -> str:
        if not self.isVisible():
            return ""
        return "\n".join(label.text() for label in (self.new_label, self.gone_label) if label.text())

    def dismiss(self) -> None:
        self.hide()
        self.dismissed.emit()
