"""The project's training runs: a list to compare their curves and to choose the model
used for prediction. Runs are recorded in `project.polymask["runs"]` as
{dir, model, started, status, epochs, best_checkpoint, last_checkpoint, metrics}
(paths relative to the project's folder when inside it); each run folder holds
config.json, metrics.jsonl, best.pth / last.pth and tensorboard/."""

from __future__ import annotations

import json
import os
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget


def project_folder(project) -> Path:
    if project is not None and project.path is not None:
        return Path(project.path).resolve().parent
    if project is not None and project.image_root is not None:
        return Path(project.image_root).resolve()
    return Path.cwd()


def to_stored(project, path) -> str | None:
    if not path:
        return None
    p, base = Path(path).resolve(), project_folder(project)
    try:
        return p.relative_to(base).as_posix()
    except ValueError:
        return str(p)


def resolve(project, stored) -> Path | None:
    if not stored:
        return None
    p = Path(stored)
    return p if p.is_absolute() else project_folder(project) / p


class RunFolderOutside(ValueError):
    """A run folder recorded in the project file that is not inside the project's runs/."""


def run_folder(project, stored) -> Path:
    """The folder of a recorded run, where training may write (config.json, checkpoints).

    The project file says where its runs are, and a project file can come from anyone:
    only folders that resolve (symlinks included) inside the project's own runs/ folder
    are accepted, so opening a project never lets it choose where we write."""
    runs_root = (project_folder(project) / "runs").resolve()
    target = resolve(project, stored)
    if target is None:
        raise RunFolderOutside("The run has no folder recorded: start a new run instead.")
    target = target.resolve()
    if target == runs_root or not target.is_relative_to(runs_root):
        raise RunFolderOutside(
            f"The run folder {stored!r} recorded in the project file resolves to {target}, "
            f"outside this project's runs folder ({runs_root}); Polymask will not write "
            "there. Start a new run instead."
        )
    return target


def run_list(project) -> list[dict]:
    if project is None:
        return []
    runs = project.polymask.get("runs")
    if not isinstance(runs, list):
        runs = project.polymask["runs"] = []
    return runs


def read_curves(run_dir: Path) -> dict:
    """(x, total loss) per step and (epoch, mask mAP) from a run's metrics.jsonl."""
    sx, sy, ex, ey = [], [], [], []
    try:
        with open(run_dir / "metrics.jsonl", encoding="utf-8") as f:
            for line in f:
                try:
                    d = json.loads(line)
                except ValueError:
                    continue
                if d.get("kind") == "step" and d.get("total") is not None:
                    sx.append(d["global_step"])
                    sy.append(d["total"])
                elif d.get("kind") == "epoch":
                    ap = (d.get("metrics") or {}).get("segm_AP")
                    if ap is not None and ap >= 0:
                        ex.append(d["epoch"])
                        ey.append(ap)
    except OSError:
        pass
    return {"steps": (sx, sy), "epochs": (ex, ey)}


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
            if it.checkState(0) == Qt.CheckState.Checked:
                out.append(it.data(0, Qt.ItemDataRole.UserRole))
        return out

    def set_runs(self, runs: list[dict], in_use: str | None = None, running_index: int | None = None) -> None:
        ticked = set(self.ticked())
        self._filling = True
        try:
            self.tree.clear()
            for index in range(len(runs) - 1, -1, -1):  # newest first
                run = runs[index]
                name = os.path.basename(str(run.get("dir", "")).rstrip("/")) or f"run {index + 1}"
                status = "running" if index == running_index else run.get("status", "")
                item = QTreeWidgetItem(
                    [
                        name,
                        str(run.get("model", "")),
                        str(run.get("epochs_done", run.get("epochs", ""))),
                        _fmt_ap(run.get("metrics")),
                        status,
                    ]
                )
                item.setData(0, Qt.ItemDataRole.UserRole, index)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(0, Qt.CheckState.Checked if index in ticked else Qt.CheckState.Unchecked)
                item.setToolTip(0, str(run.get("dir", "")))
                if in_use and in_use in (run.get("best_checkpoint"), run.get("last_checkpoint")):
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
