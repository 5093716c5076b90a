"""What training needs from the main window, named: the labelling side it reads and edits
(`TrainingHost`, which MainWindow provides) and the canvas' prediction layer. Docks,
menus and shortcuts go through the window's own QMainWindow API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import SignalInstance

from ...model import Edit, Project


class TrainingHost(Protocol):
    project: Project | None
    current_key: str | None  # the image shown

    def push(self, edit: Edit) -> None:
        """Apply `edit` as one undo step."""

    def show_error(self, title: str, text: str, detail: str = "") -> Any: ...

    def show_image(self, key: str) -> None: ...


class PredictionCanvas(Protocol):
    image_changed: SignalInstance  # the image key shown

    def set_predictions(self, instances: list, colour_for: Callable[[str | None], str] | None = None) -> Any: ...
