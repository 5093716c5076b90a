"""The images a run trains and validates on, from its configuration: one COCO file split by
``split`` / ``val_fraction``, or a training file and an explicit validation file (``val_coco``)."""

from __future__ import annotations

from trainer.config import TrainConfig
from trainer.dataset.checks import check_and_repair
from trainer.dataset.coco_merge import merge_coco
from trainer.dataset.prepared import PreparedData, prepare
from trainer.errors import DatasetError
from trainer.model.registry import resolve_arch


def prepare_training(cfg: TrainConfig) -> PreparedData:
    """The run's images, their polygons repaired and the data checks' line among the warnings."""
    prepared = _prepare(cfg)
    arch = resolve_arch(cfg)
    line = check_and_repair(prepared, arch["min_size"], arch["max_size"]).line()
    if line:
        prepared.warnings.append(line)
    return prepared


def _prepare(cfg: TrainConfig) -> PreparedData:
    assert cfg.coco is not None  # TrainConfig.validate() requires it
    if not cfg.val_coco:
        return prepare(cfg.coco, cfg.images, cfg.val_fraction, cfg.split)
    merged = merge_coco([(cfg.coco, cfg.images), (cfg.val_coco, cfg.val_images)])
    split = {im["file_name"]: "val" if im["source_index"] else "train" for im in merged["images"]}
    prepared = prepare(merged, None, 0.0, split)
    if not prepared.val_ids:
        listed = sum(1 for im in merged["images"] if im["source_index"])
        raise DatasetError(
            f"None of the {listed} images listed in the validation file {cfg.val_coco} could be read "
            "(check --val-images). " + " ".join(prepared.warnings)
        )
    train_name = cfg.coco if isinstance(cfg.coco, str) else "the training set"
    prepared.source = f"{train_name} (train) + {cfg.val_coco} (val)"
    return prepared
