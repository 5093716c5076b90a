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
    images had their sizes read). The form's ``validation`` says which images validate: a random
    share (``val_fraction``), the images the project marks val, or another file (``val_coco``).
    Raises ValueError when there is no run to continue, the continued run's folder is not the
    project's, or the chosen validation images are not there."""
    data = training_data(project)
    settings = dict(form)
    out = run_folder_for(project, settings.get("model", "fast"), settings.get("weights"))
    validation = settings.pop("validation", None)  # the form's choice: random, marked or file
    if validation == "marked":
        if data.split is None or "val" not in data.split.values():
            raise ValueError("No image of this project is marked val: choose a random share or another file.")
        settings.update(split=data.split, val_fraction=0.0)  # the unmarked images train
    elif validation == "file" and not settings.get("val_coco"):
        raise ValueError("Choose the COCO file of the validation images, or another kind of validation.")
    elif validation is None and data.split is not None:
        settings.setdefault("split", data.split)
    return {**settings, "coco": data.coco, "images": data.images, "out": str(out)}, data
