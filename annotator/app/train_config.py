"""The settings of a run started from the window: the form's, plus the project's training
data and where the run goes (`polymask train --project` takes its settings from flags,
on the same data and run folder). The window makes them a trainer TrainConfig."""

from __future__ import annotations

from typing import Any

from ..model import Project
from .training_data import TrainingData, training_data
from .training_runs import run_folder_for


def train_settings(project: Project, form: dict[str, Any]) -> tuple[dict[str, Any], TrainingData]:
    """TrainConfig fields for `project` with the `form` settings, and the data given (which
    images had their sizes read). Raises ValueError when there is no run to continue or the
    continued run's folder is not the project's."""
    data = training_data(project)
    settings = dict(form)
    out = run_folder_for(project, settings.get("model", "fast"), settings.get("weights"))
    if data.split is not None:
        settings.setdefault("split", data.split)
    return {**settings, "coco": data.coco, "images": data.images, "out": str(out)}, data
