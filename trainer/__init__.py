"""Polymask trainer: COCO instance segmentation → fine-tuned torchvision Mask R-CNN.

Speaks COCO only (never imports the annotator or Qt). Entry points:
``trainer.run.engine.fit(config, stop) -> Iterator[Event]`` (in this process) or
``trainer.launch.supervisor.fit_in_subprocess(config, stop)`` (a supervised child),
``trainer.inference.predict.Predictor``, ``trainer.commands`` subcommands, ``python -m trainer``.
Heavy modules load lazily so that ``import trainer.events`` stays cheap for the GUI. The
sub-packages group the modules by job (docs/architecture.md, "The trainer's rooms").
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "TrainConfig": "config",
    "fit": "run.engine",
    "fit_in_subprocess": "launch.supervisor",
    "Predictor": "inference.predict",
    "Instance": "inference.predict",
    "write_coco_results": "inference.predict",
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
