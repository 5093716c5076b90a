"""The Runs dock: every run of the project (annotator.app.run_list: its records and the run folders
it does not know), newest first, with what runs are compared by. Selecting one shows its curves and
summary; two or more selected can be compared; a run can be renamed, deleted (undoable until the
window closes), its folder opened, or its model used for prediction."""

from __future__ import annotations

import datetime as _dt

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...app.run_list import FAILED, RUNNING, RunEntry

COLUMNS = ("Run", "State", "Mask AP", "Box AP", "Epochs", "Date", "Model", "Weights")
STATE_WIDTH = 40  # characters of the State column; a longer error is in the tooltip and the summary
STATE_COLOURS = {FAILED: "#e15759", RUNNING: "#59a14f"}
MISSING_COLOUR = "#9a9a9a"


def fmt_ap(value: float | None) -> str:
    return f"{value * 100:.1f} %" if value is not None else "–"


def fmt_date(iso: str | None) -> str:
    if not iso:
        return "–"
    try:
        return _dt.datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return iso


def fmt_epochs(entry: RunEntry) -> str:
    if entry.live_steps is not None:
        return f"{entry.live_steps} steps"
    done = entry.epochs_done or 0
    return f"{done}/{entry.epochs}" if entry.epochs else str(done)


def fmt_weights(weights: str | None) -> str:
    if not weights:
        return "–"
    return weights if "/" not in weights and "\\" not in weights else weights.replace("\\", "/").rsplit("/", 1)[-1]


class RunsPanel(QWidget):
    selected = Signal(object)  # the RunEntry selected (None: no single one)
    compare_requested = Signal(list)  # RunEntry list: draw their curves together
    rename_requested = Signal(object)
    delete_requested = Signal(object)
    undo_delete_requested = Signal()
    open_requested = Signal(object)
    use_requested = Signal(int)  # index into the project's run records: predict with that run

    def __init__(self, parent=None):
        super().__init__(parent)
        self.entries: list[RunEntry] = []
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(COLUMNS)
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tree.setToolTip("Select a run to see its curves; select two or more and Compare to overlay them")
        self.compare_button = QPushButton("Compare")
        self.rename_button = QPushButton("Rename…")
        self.delete_button = QPushButton("Delete…")
        self.undo_button = QPushButton("Undo delete")
        self.open_button = QPushButton("Open folder")
        self.use_button = QPushButton("Use for prediction")
        self.compare_button.setToolTip("Overlay the curves of the selected runs (select two or more)")
        self.delete_button.setToolTip("Delete the run and its files (Del); undoable until the window closes")
        self.undo_button.hide()
        buttons = QGridLayout()
        buttons.setSpacing(3)
        for i, b in enumerate(
            (self.compare_button, self.rename_button, self.delete_button, self.open_button, self.use_button)
        ):
            buttons.addWidget(b, i // 3, i % 3)
        buttons.addWidget(self.undo_button, 1, 2)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addWidget(self.tree, 1)
        lay.addLayout(buttons)
        lay.addWidget(self.summary)

        self.tree.itemSelectionChanged.connect(self._selection_changed)
        self.tree.itemDoubleClicked.connect(lambda *_: self._use())
        self.compare_button.clicked.connect(lambda: self.compare_requested.emit(self.selected_entries()))
        self.rename_button.clicked.connect(lambda: self._one(self.rename_requested))
        self.delete_button.clicked.connect(lambda: self._one(self.delete_requested))
        self.open_button.clicked.connect(lambda: self._one(self.open_requested))
        self.use_button.clicked.connect(self._use)
        self.undo_button.clicked.connect(self.undo_delete_requested)
        delete = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.tree)
        delete.setContext(Qt.ShortcutContext.WidgetShortcut)
        delete.activated.connect(lambda: self._one(self.delete_requested))
        self._selection_changed()

    # ---- what is selected -----------------------------------------------------------------
    def selected_entries(self) -> list[RunEntry]:
        rows = sorted(self.tree.indexOfTopLevelItem(i) for i in self.tree.selectedItems())
        return [self.entries[r] for r in rows if 0 <= r < len(self.entries)]

    def current(self) -> RunEntry | None:
        chosen = self.selected_entries()
        return chosen[0] if len(chosen) == 1 else None

    def select(self, *names: str) -> None:
        """Select the runs named (as a person would, with Ctrl-clicks)."""
        self.tree.clearSelection()
        for row, entry in enumerate(self.entries):
            if entry.name in names:
                item = self.tree.topLevelItem(row)
                if item is not None:
                    item.setSelected(True)

    def _one(self, signal) -> None:
        entry = self.current()
        if entry is not None:
            signal.emit(entry)

    def _use(self) -> None:
        entry = self.current()
        if entry is not None and entry.index is not None:
            self.use_requested.emit(entry.index)

    def _selection_changed(self) -> None:
        chosen = self.selected_entries()
        one = chosen[0] if len(chosen) == 1 else None
        self.compare_button.setEnabled(len(chosen) >= 2)
        for b in (self.rename_button, self.delete_button):
            b.setEnabled(one is not None and one.state != RUNNING)
        self.rename_button.setEnabled(self.rename_button.isEnabled() and one is not None and not one.missing)
        self.open_button.setEnabled(one is not None and not one.missing)
        self.use_button.setEnabled(one is not None and one.known and one.has_checkpoint)
        if one is None:
            self.summary.setText("")
        self.selected.emit(one)

    # ---- showing ---------------------------------------------------------------------------
    def set_entries(self, entries: list[RunEntry], in_use: str | None = None, keep: str | None = None) -> None:
        """Show `entries` (oldest first) newest first; keep the selection by name when still there."""
        names = {e.name for e in self.selected_entries()} if keep is None else {keep}
        self.tree.blockSignals(True)
        try:
            self.entries = list(reversed(entries))
            self.tree.clear()
            for entry in self.entries:
                self.tree.addTopLevelItem(self._item(entry, in_use))
            for row, entry in enumerate(self.entries):
                item = self.tree.topLevelItem(row)
                if item is not None and entry.name in names:
                    item.setSelected(True)
            for c in range(len(COLUMNS)):
                self.tree.resizeColumnToContents(c)
        finally:
            self.tree.blockSignals(False)
        self._selection_changed()

    def _item(self, entry: RunEntry, in_use: str | None) -> QTreeWidgetItem:
        state = entry.state_text()
        if len(state) > STATE_WIDTH:
            state = state[: STATE_WIDTH - 1] + "…"
        if in_use and entry.folder is not None and in_use.startswith(str(entry.folder)):
            state += " · predicting"
        item = QTreeWidgetItem(
            [
                entry.name,
                state,
                fmt_ap(entry.mask_ap),
                fmt_ap(entry.box_ap),
                fmt_epochs(entry),
                fmt_date(entry.started),
                entry.model or "–",
                fmt_weights(entry.weights),
            ]
        )
        notes = {True: "\nIts folder is gone: only the project's record is left."}.get(entry.missing, "")
        if not entry.known:
            notes = "\nFound in runs/ (e.g. polymask train --out): the project has no record of it."
        tip = f"{entry.folder}{notes}" + (f"\n\n{entry.error}" if entry.error else "")
        for c in range(len(COLUMNS)):
            item.setToolTip(c, tip)
        if entry.not_evaluated:
            for c in (2, 3):
                item.setToolTip(c, entry.ap_text())
        colour = MISSING_COLOUR if entry.missing else STATE_COLOURS.get(entry.state)
        if colour:
            item.setForeground(1, QBrush(QColor(colour)))
        if entry.missing or not entry.known:
            f = QFont(item.font(0))
            f.setItalic(True)
            item.setFont(0, f)
        for c in (2, 3, 4):
            item.setTextAlignment(c, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return item

    def show_summary(self, html: str) -> None:
        self.summary.setText(html)

    def show_undo(self, name: str | None) -> None:
        """Offer to undo the last delete (None: nothing to undo)."""
        self.undo_button.setVisible(name is not None)
        self.undo_button.setText(f"Undo delete of {name}" if name else "Undo delete")
        self.undo_button.setToolTip("Put the run and its files back (possible until the window closes)")
