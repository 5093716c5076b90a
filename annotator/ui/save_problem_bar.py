"""A bar across the top of the canvas while the project cannot be saved.

Not a status-bar message (those time out and are easy to miss): it stays until a save
succeeds, says what failed and offers "Save as…" to put the work somewhere writable.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QStyle, QWidget


class SaveProblemBar(QFrame):
    save_as_requested = Signal()
    retry_requested = Signal()
    resolve_requested = Signal()

    def __init__(self, host: QWidget):
        super().__init__(host)
        self.setObjectName("saveProblemBar")
        self.setStyleSheet(
            "#saveProblemBar { background: #b3261e; }#saveProblemBar QLabel { color: white; font-weight: bold; }"
        )
        icon = QLabel()
        icon.setPixmap(self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxCritical).pixmap(20, 20))
        self.label = QLabel(wordWrap=True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.resolve_button = QPushButton("Resolve…")
        self.retry_button = QPushButton("Retry")
        self.save_as_button = QPushButton("Save as…")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(8, 4, 8, 4)
        lay.addWidget(icon)
        lay.addWidget(self.label, 1)
        for b in (self.resolve_button, self.retry_button, self.save_as_button):
            lay.addWidget(b)
        self.resolve_button.clicked.connect(self.resolve_requested)
        self.retry_button.clicked.connect(self.retry_requested)
        self.save_as_button.clicked.connect(self.save_as_requested)
        host.installEventFilter(self)  # follow the host's width
        self.hide()

    def show_problem(self, text: str, conflict: bool = False) -> None:
        self.label.setText(text)
        self.resolve_button.setVisible(conflict)
        self.retry_button.setVisible(not conflict)
        self.show()
        self._place()
        self.raise_()

    def text(self) -> str:
        return self.label.text()

    def _place(self) -> None:
        host = self.parentWidget()
        if host is None:
            return
        width = host.width()
        height = self.heightForWidth(width) if self.hasHeightForWidth() else self.sizeHint().height()
        self.setGeometry(0, 0, width, height)

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.Resize and self.isVisible():
            self._place()
        return False
