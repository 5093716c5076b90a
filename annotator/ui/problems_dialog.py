"""The list of problems an import or an export met: what, which image, details."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget


class ProblemsDialog(QDialog):
    def __init__(self, parent: QWidget, path, problems, title: str = "Import problems", intro: str | None = None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Problem", "Image", "Details"])
        self.tree.setRootIsDecorated(False)
        for p in problems:
            self.tree.addTopLevelItem(QTreeWidgetItem([str(p.kind), str(p.image or p.file or ""), str(p.message)]))
        self.tree.resizeColumnToContents(0)
        self.tree.resizeColumnToContents(1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        intro = intro or f"{Path(path).name} was imported; {len(problems)} items were left out or repaired:"
        lay.addWidget(QLabel(intro, wordWrap=True))
        lay.addWidget(self.tree)
        lay.addWidget(buttons)
        self.resize(720, 420)
