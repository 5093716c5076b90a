"""Polymask trainer: COCO instance segmentation → fine-tuned torchvision Mask R-CNN.

Speaks COCO only (never imports the annotator or Qt). Entry points:
``trainer.engine.fit(config, stop) -> Iterator[Event]`` (in this process) or
``trainer.remote.fit_in_subprocess(config, stop)`` (a supervised child), ``trainer.predict.Predictor``,
``trainer.cli`` subcommands, ``python -m trainer``. Heavy modules load lazily so that
``import trainer.events`` stays cheap for the GUI.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "TrainConfig": "config",
    "fit": "engine",
    "fit_in_subprocess": "remote",
    "Predictor": "predict",
    "Instance": "predict",
    "write_coco_results": "predict",
    "event_from_dict": "events",
    "TrainerError": "errors",
    "DatasetError": "errors",
    "ConfigError": "errors",
    "CheckpointError": "errors",
    "WeightsUnavailableError": "errors",
}
__all__ = list(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'trainer' has no attribute {name!r}")
