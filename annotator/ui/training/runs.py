"""The Runs dock: the project's training runs (their records: annotator.app.training_runs),
ticked to compare their curves, double-clicked to choose the model used for prediction."""

from __future__ import annotations

import os

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from ...model import RunRecord


def _fmt_ap(metrics) -> str:
    ap = (metrics or {}).get("segm_AP")
    return f"{ap * 100:.1f}" if isinstance(ap, (int, float)) and ap >= 0 else "–"


class RunsPanel(QWidget):
    use_requested = Signal(int)  # index into run_list(project)
    compare_changed = Signal(list)  # indices ticked for comparison

    COLUMNS = ("Run", "Model", "Epochs", "Mask mAP", "Status")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(self.COLUMNS)
        self.tree.setRootIsDecorated(False)
        self.tree.setToolTip("Tick runs to compare their curves; double-click one to predict with it")
        self.use_button = QPushButton("Use for prediction")
        self.use_button.setEnabled(False)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.use_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addWidget(self.tree, 1)
        lay.addLayout(row)
        self.tree.itemSelectionChanged.connect(lambda: self.use_button.setEnabled(bool(self.tree.selectedItems())))
        self.use_button.clicked.connect(self._use_selected)
        self.tree.itemDoubleClicked.connect(
            lambda item, _c: self.use_requested.emit(item.data(0, Qt.ItemDataRole.UserRole))
        )
        self.tree.itemChanged.connect(self._item_changed)
        self._filling = False

    def _use_selected(self) -> None:
        items = self.tree.selectedItems()
        if items:
            self.use_requested.emit(items[0].data(0, Qt.ItemDataRole.UserRole))

    def _item_changed(self, *_):
        if not self._filling:
            self.compare_changed.emit(self.ticked())

    def ticked(self) -> list[int]:
        out = []
        for i in range(self.tree.topLevelItemCount()):
            it = self.tree.topLevelItem(i)
            if it is not None and it.checkState(0) == Qt.CheckState.Checked:
                out.append(it.data(0, Qt.ItemDataRole.UserRole))
        return out

    def set_runs(self, runs: list[RunRecord], in_use: str | None = None, running_index: int | None = None) -> None:
        ticked = set(self.ticked())
        self._filling = True
        try:
            self.tree.clear()
            for index in range(len(runs) - 1, -1, -1):  # newest first
                run = runs[index]
                name = os.path.basename((run.dir or "").rstrip("/")) or f"run {index + 1}"
                status = "running" if index == running_index else (run.status or "")
                item = QTreeWidgetItem(
                    [
                        name,
                        run.model or "",
                        str(_first(run.epochs_done, run.epochs, "")),
                        _fmt_ap(run.metrics),
                        status,
                    ]
                )
                item.setData(0, Qt.ItemDataRole.UserRole, index)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(0, Qt.CheckState.Checked if index in ticked else Qt.CheckState.Unchecked)
                item.setToolTip(0, run.dir or "")
                if in_use and in_use in (run.best_checkpoint, run.last_checkpoint):
                    f = QFont(item.font(0))
                    f.setBold(True)
                    for c in range(len(self.COLUMNS)):
                        item.setFont(c, f)
                    item.setText(4, (status + ", " if status else "") + "in use")
                self.tree.addTopLevelItem(item)
            for c in range(len(self.COLUMNS)):
                self.tree.resizeColumnToContents(c)
        finally:
            self._filling = False


def _first(*values):
    return next(v for v in values if v is not None)
