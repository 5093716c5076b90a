"""Asks what to do when the project file was written by another window or program.

Every choice keeps both versions somewhere:
- Reload theirs: open the file as it is on disk; this window's version is written
  first to `<name>.mine-<time>.json` beside it.
- Keep mine: write this window's version over the file; the version on disk is
  copied first to `<name>.theirs-<time>.json`.
- Merge (only when the two sides changed different images): images changed only on
  disk come from disk, those changed only here from here (annotator.app.conflicts).
- Decide later: autosave stays paused and the bar over the window stays.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from polymask_common.text import plural

RELOAD, KEEP, MERGE = "reload", "keep", "merge"


class ConflictDialog(QDialog):
    chosen = Signal(str)  # RELOAD, KEEP or MERGE

    def __init__(self, parent, path, merge_result=None, merge_problem: str = ""):
        super().__init__(parent)
        name = Path(path).name
        self.setWindowTitle("The project file changed on disk")
        text = QLabel(
            f"<b>{name} was changed by another window or program</b> since this window last "
            "read or saved it. Autosave is paused until you choose; nothing has been overwritten.",
            wordWrap=True,
        )
        self.merge_label = QLabel(wordWrap=True)
        self.reload_button = QPushButton("Reload theirs")
        self.reload_button.setToolTip(
            f"Open {name} as it is on disk; this window's version is kept as {Path(path).stem}.mine-<time>.json"
        )
        self.keep_button = QPushButton("Keep mine")
        self.keep_button.setToolTip(
            f"Write this window's version over {name}; the version on disk is kept "
            f"as {Path(path).stem}.theirs-<time>.json"
        )
        self.merge_button = QPushButton("Merge")
        self.later_button = QPushButton("Decide later")
        if merge_result is not None and merge_result.ok:
            self.merge_label.setText(
                f"Merge takes {plural(len(merge_result.from_theirs), 'image')} changed on disk and "
                f"keeps {len(merge_result.from_mine)} changed here."
            )
        else:
            self.merge_button.setEnabled(False)
            if merge_result is not None:
                shown = ", ".join(merge_result.conflicts[:8]) + (" …" if len(merge_result.conflicts) > 8 else "")
                self.merge_label.setText(f"Cannot merge: both sides changed {shown}.")
            else:
                self.merge_label.setText(f"Cannot merge: {merge_problem or 'no common version to compare with'}.")
        self.merge_button.setToolTip(self.merge_label.text())
        buttons = QHBoxLayout()
        for b in (self.reload_button, self.keep_button, self.merge_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.later_button)
        lay = QVBoxLayout(self)
        lay.addWidget(text)
        lay.addWidget(self.merge_label)
        lay.addLayout(buttons)
        self.reload_button.clicked.connect(lambda: self._choose(RELOAD))
        self.keep_button.clicked.connect(lambda: self._choose(KEEP))
        self.merge_button.clicked.connect(lambda: self._choose(MERGE))
        self.later_button.clicked.connect(self.reject)

    def _choose(self, choice: str) -> None:
        self.accept()
        self.chosen.emit(choice)
