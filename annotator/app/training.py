"""One way to start a run from a project, for the window and `polymask train --project`:
`plan_run(project, settings)` gives the run's one TrainConfig (the project's training data,
its train/val split, the run folder beside the project) and what was learnt on the way
(image sizes read, images that could not be read). The window's settings come from its form,
the terminal's from flags (`trainer.commands.train.settings_from_args`); the policy is the same."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from trainer.config import TrainConfig  # torch-free

from ..model import Project
from .training_data import TrainingData, training_data
from .training_runs import run_folder_for


@dataclass
class RunPlan:
    config: TrainConfig  # what the trainer runs (config.out: the run folder)
    data: TrainingData  # the project's images as COCO; data.unsized: keys whose sizes were read now


def plan_run(project: Project, settings: dict[str, Any]) -> RunPlan:
    """The run `settings` ask for on `project`'s training data. `settings`: TrainConfig fields
    (those not given take the trainer's defaults), plus the window form's ``validation`` choice.
    ``out`` and ``resume`` given are kept (a terminal's --out / --resume); else the run goes in
    the project's runs/ folder (the last run's, to continue it). Raises ValueError when there is
    no run to continue or the chosen validation images are not there, and trainer.ConfigError
    for settings the trainer does not know."""
    fields, data = train_settings(project, settings)
    return RunPlan(TrainConfig.from_dict(fields), data)


def train_settings(project: Project, settings: dict[str, Any]) -> tuple[dict[str, Any], TrainingData]:
    """TrainConfig fields for `project` with `settings`, and the data given. The form's
    ``validation`` says which images validate: a random share (``val_fraction``), the images the
    project marks val, or another file (``val_coco``); without it the project's split is used
    unless the settings give one."""
    data = training_data(project)
    fields = dict(settings)
    if not fields.get("out") and not fields.get("resume"):
        fields["out"] = str(run_folder_for(project, fields.get("model") or "fast", fields.get("weights")))
    validation = fields.pop("validation", None)  # the form's choice: random, marked or file
    if validation == "marked":
        if data.split is None or "val" not in data.split.values():
            raise ValueError("No image of this project is marked val: choose a random share or another file.")
        fields.update(split=data.split, val_fraction=0.0)  # the unmarked images train
    elif validation == "file" and not fields.get("val_coco"):
        raise ValueError("Choose the COCO file of the validation images, or another kind of validation.")
    elif validation is None and data.split is not None:
        fields.setdefault("split", data.split)
    return {**fields, "coco": data.coco, "images": data.images}, data
