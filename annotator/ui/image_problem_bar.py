"""A bar over the canvas that says which images cannot be shown, and why.

Two things can be wrong: the project's images were not found at all (a wrong or
unknown image folder), and the image on screen cannot be read (missing, corrupt).
The image's own problem is shown first; a "Locate images…" button is offered
whenever a file is missing. The bar is a child of the canvas laid over its bottom
edge (the top one is the save-problem bar's), so the canvas knows nothing about it.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

STYLE = (
    "#imageProblemBar { background: #fff3cd; border-top: 1px solid #e0b84c; }"
    "#imageProblemBar QLabel { color: #4d3800; }"
)


def describe_failure(path, message: str) -> tuple[str, bool]:
    """(why the image cannot be shown, whether the file is missing), in words a user can act on."""
    path = Path(path)
    try:
        exists = path.is_file()
    except (OSError, ValueError):  # a name the file system refuses (e.g. a NUL byte)
        exists = False
    if not exists:
        return f"file not found at {path}", True
    return f"cannot be read ({message or 'unknown error'})", False


class ImageProblemBar(QFrame):
    locate_requested = Signal()

    def __init__(self, canvas: QWidget):
        super().__init__(canvas)
        self.setObjectName("imageProblemBar")
        self.setStyleSheet(STYLE)
        self.label = QLabel(wordWrap=True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.locate_button = QPushButton("Locate images…")
        self.locate_button.clicked.connect(self.locate_requested)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(10, 6, 10, 6)
        lay.addWidget(self.label, 1)
        lay.addWidget(self.locate_button)
        self._missing_images = ""  # project-wide: images not found
        self._image_problem = ""  # the image on screen
        self._image_missing = False
        canvas.installEventFilter(self)
        self.hide()

    # ---- what to say --------------------------------------------------------
    def set_missing_images(self, text: str) -> None:
        """Images of the project not found (empty: all found)."""
        self._missing_images = text
        self._update()

    def set_image_problem(self, text: str, missing: bool = False) -> None:
        """Why the image on screen cannot be shown (empty: it can)."""
        self._image_problem, self._image_missing = text, missing
        self._update()

    def text(self) -> str:
        return self.label.text() if self.isVisible() else ""

    def _update(self) -> None:
        lines = [t for t in (self._image_problem, self._missing_images) if t]
        self.label.setText("\n".join(lines))
        self.locate_button.setVisible(bool(self._missing_images) or self._image_missing)
        self.setVisible(bool(lines))
        if lines:
            self._place()
            self.raise_()

    # ---- over the canvas's bottom edge ----------------------------------------
    def _place(self) -> None:
        parent = self.parentWidget()
        if parent is None:
            return
        width = parent.width()
        height = self.heightForWidth(width) if self.hasHeightForWidth() else self.sizeHint().height()
        self.setGeometry(0, parent.height() - height, width, height)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parentWidget() and event.type() == QEvent.Type.Resize and self.isVisible():
            self._place()
        return False
