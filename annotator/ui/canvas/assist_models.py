"""Getting the promptable segmenter's model files from the Assist tool: Download (progress and
Cancel, on a worker thread) or Import model file… (a file copied by hand, hash-checked and put
where the loader looks). The weights module does the work; this is its dialog."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QFileDialog, QMessageBox, QProgressDialog, QWidget

from ...assist.weights import ModelFile, WeightsError, download, import_file


class ModelFetcher:
    """One download or import at a time; `done()` runs on the UI thread when a file arrived."""

    def __init__(self, parent: QWidget, run_off_thread: Callable, done: Callable[[], None]):
        self.parent, self.run_off_thread, self.done = parent, run_off_thread, done
        self.busy = False

    def download(self, files: list[ModelFile]) -> None:
        if self.busy or not files:
            return
        self.busy = True
        cancel = threading.Event()
        state: dict[str, Any] = {"name": files[0].name, "done": 0, "total": None}
        dialog = QProgressDialog(f"Downloading {files[0].name}…", "Cancel", 0, 1000, self.parent)
        dialog.setWindowTitle("Assist model")
        dialog.setMinimumDuration(0)
        dialog.canceled.connect(cancel.set)
        timer = QTimer(dialog)  # the worker writes `state`; the UI thread shows it ten times a second

        def show():
            total = state["total"]
            mb = state["done"] / 1e6
            dialog.setLabelText(
                f"Downloading {state['name']}: {mb:.0f}" + (f" of {total / 1e6:.0f} MB" if total else " MB")
            )
            dialog.setValue(int(1000 * state["done"] / total) if total else 0)

        timer.timeout.connect(show)
        timer.start(100)

        def progress(name, done, total):
            state.update(name=name, done=done, total=total)

        def work():
            try:
                for f in files:
                    download(f, progress, cancel)
            except WeightsError as e:
                return e
            return None

        def finished(error):
            timer.stop()
            dialog.close()
            self.busy = False
            if error is not None and not cancel.is_set():
                QMessageBox.warning(self.parent, "Assist model", str(error))
            elif error is None:
                self.done()

        self.run_off_thread(work, finished)

    def import_file(self, files: list[ModelFile]) -> None:
        if self.busy or not files:
            return
        names = " ".join(f.name for f in files)
        path, _ = QFileDialog.getOpenFileName(
            self.parent, "Import model file", "", f"Model files ({names});;All files (*)"
        )
        if not path:
            return
        self.busy = True

        def work():
            try:
                return import_file(path, files)
            except WeightsError as e:
                return e

        def finished(result):
            self.busy = False
            if isinstance(result, WeightsError):
                QMessageBox.warning(self.parent, "Assist model", str(result))
            else:
                self.done()

        self.run_off_thread(work, finished)
