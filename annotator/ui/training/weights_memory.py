"""The Train panel's weights, remembered per project (annotator.app.weights_choice): restored
when a project opens, kept when the person chooses, and when the pretrained weights cannot be
downloaded (offline) the panel says so once and asks: "Use a weights file…" or "Train from
scratch"; the answer is the project's weights from then on."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from trainer.events import Failed  # torch-free

from ...app import weights_choice as wc
from ...model import Project
from .train_panel import TrainPanel

FILE_FILTER = "PyTorch checkpoints (*.pth *.pt);;All files (*)"


class WeightsMemory(QObject):
    def __init__(
        self,
        panel: TrainPanel,
        window: QWidget,
        project: Callable[[], Project | None],
        changed: Callable[[], None],  # the project's remembered settings changed: save them
        parent: QObject | None = None,
    ):
        super().__init__(parent)
        self.panel, self.window, self._project, self._changed = panel, window, project, changed
        self.question: QMessageBox | None = None  # the offline question, while open
        panel.weights_chosen.connect(self.chosen)

    def opened(self) -> None:
        """A project opened: its remembered weights in the form (the form's default otherwise)."""
        project = self._project()
        weights = wc.remembered(project)
        if weights:
            self.panel.set_values(weights=weights)
        answer = wc.offline_answer(project)
        self.panel.show_weights_note(self._note(answer, weights) if answer and weights else "")

    def chosen(self, weights: str) -> None:
        if wc.remember(self._project(), weights):
            self._changed()

    def run_starts(self, weights: str | None) -> None:
        self.chosen(str(weights or ""))

    def failed(self, ev: Failed) -> bool:
        """A run failed: when it was the download of pretrained weights, ask what to use instead
        (once per project; the answer is remembered). True when this took care of telling."""
        if not wc.is_download_failure(ev.reason):
            return False
        project = self._project()
        if wc.offline_answer(project) is not None:  # asked before: say it on the panel, no second question
            self.panel.show_weights_note(
                "The pretrained weights could not be downloaded again (offline?): choose another starting point."
            )
            return False
        model = self.panel.model.currentData()
        weights = self.panel.values().get("weights")
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Pretrained weights not available",
            "The pretrained weights could not be downloaded: this computer seems to be offline.",
            QMessageBox.StandardButton.Cancel,
            self.window,
        )
        box.setInformativeText(
            f"{ev.reason}\n\nUse a weights file… — {wc.weights_gives(model, 'file')}\n"
            f"Train from scratch — {wc.weights_gives(model, 'none')}\n\n"
            "Your answer is remembered for this project."
        )
        self.file_button = box.addButton("Use a weights file…", QMessageBox.ButtonRole.AcceptRole)
        self.scratch_button = box.addButton("Train from scratch", QMessageBox.ButtonRole.AcceptRole)
        box.buttonClicked.connect(lambda b: self._answered(b, str(weights or "")))
        self.question = box
        box.open()
        return True

    def _answered(self, button, failed_weights: str) -> None:
        self.question = None
        if button is self.scratch_button:
            self.answer("none", failed_weights)
        elif button is self.file_button:
            path, _ = QFileDialog.getOpenFileName(self.window, "Starting weights", "", FILE_FILTER)
            if path:
                self.answer("file", failed_weights, path)

    def answer(self, answer: str, failed_weights: str, path: str | None = None) -> None:
        """The person's answer: "none" (train from scratch) or "file" (with its `path`)."""
        weights = path if answer == "file" and path else "none"
        wc.remember_offline_answer(self._project(), answer, weights)
        self.panel.set_values(weights=weights)
        self.panel.show_weights_note(self._note(answer, weights, failed_weights))
        self._changed()

    def _note(self, answer: str, weights: str | None, failed: str | None = None) -> str:
        names = {"coco": "COCO", "imagenet": "ImageNet"}
        was = f"The {names[failed]} weights" if failed in names else "The pretrained weights"
        now = "from scratch" if weights == "none" else f"from {weights}"
        return f"{was} could not be downloaded (offline): this project trains {now} (remembered)."
