"""What a valid training configuration is, as tables: one row per setting (a test and what it
must be), then the few rules that relate settings or look at files. ``problems(cfg)`` lists every
violation in words a user can act on; ``TrainConfig.validate`` raises them together. It reads a
config's settings by name and imports no config module (``trainer.config`` imports it)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from polymask_common.text import plural
from trainer.choices import ARCH_KEYS, AUGMENTATIONS, LOSS_NAMES, NAMED_WEIGHTS, NORMS, OPTIMIZERS, SCHEDULES
from trainer.errors import ConfigError

Check = Callable[[Any], bool]


def is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def whole(at_least: int) -> Check:
    return lambda v: is_int(v) and v >= at_least


def number(at_least: float = 0.0, below: float | None = None, at_most: float | None = None) -> Check:
    return lambda v: is_num(v) and v >= at_least and (below is None or v < below) and (at_most is None or v <= at_most)


def positive(v: Any) -> bool:
    return is_num(v) and v > 0


def optional(check: Check) -> Check:
    return lambda v: v is None or check(v)


def one_of(choices: tuple[str, ...]) -> Check:
    return lambda v: v in choices


def positive_numbers(v: Any) -> bool:
    return isinstance(v, (list, tuple)) and bool(v) and all(positive(a) for a in v)


def anchor_sizes(v: Any) -> bool:
    if not isinstance(v, (list, tuple)):
        return False
    return positive_numbers([a for level in v for a in (level if isinstance(level, (list, tuple)) else [level])])


def non_empty_text(v: Any) -> bool:
    return isinstance(v, str) and bool(v)


def rules() -> tuple[tuple[str, Check, str], ...]:
    """(setting, test, what it must be): each failing row reads "'setting' must be WHAT, got VALUE"."""
    return (
        ("norm", one_of(NORMS), f"one of {', '.join(NORMS)}"),
        ("weights", non_empty_text, "coco, imagenet, none, last or a .pth file"),
        ("epochs", optional(whole(1)), "a whole number ≥ 1 (or null: planned by iterations)"),
        ("batch_size", whole(1), "a whole number ≥ 1"),
        ("lr", optional(positive), "a positive number (or null for the default)"),
        ("optimizer", one_of(OPTIMIZERS), f"one of {', '.join(OPTIMIZERS)}"),
        ("schedule", one_of(SCHEDULES), f"one of {', '.join(SCHEDULES)}"),
        ("weight_decay", number(0), "≥ 0"),
        ("momentum", number(0, below=1), "in [0, 1)"),
        ("warmup_iters", whole(0), "a whole number ≥ 0"),
        ("grad_clip", optional(number(0)), "≥ 0 or null"),
        ("workers", whole(0), "a whole number ≥ 0"),
        ("val_fraction", number(0, below=1), "in [0, 1)"),
        *((name, optional(whole(1)), "a whole number ≥ 1 or null") for name in ARCH_KEYS),
        ("detections_per_img", whole(1), "a whole number ≥ 1"),
        ("rpn_batch_size_per_image", whole(1), "a whole number ≥ 1"),
        *((name, number(0, at_most=1), "between 0 and 1") for name in ("box_score_thresh", "box_nms_thresh")),
        ("rpn_nms_thresh", number(0, at_most=1), "between 0 and 1"),
        ("anchor_sizes", optional(anchor_sizes), "positive numbers (a list, or a list per FPN level)"),
        ("aspect_ratios", optional(positive_numbers), "positive numbers"),
        (
            "trainable_backbone_layers",
            optional(lambda v: is_int(v) and 0 <= v <= 6),
            "0..5 (ResNet) or 0..6 (MobileNet)",
        ),
        ("preview_images", whole(0), "a whole number ≥ 0"),
        ("eval_interval", optional(whole(1)), "a whole number ≥ 1 (or null: about 10 evaluations a run)"),
        ("device", non_empty_text, "auto, cpu, cuda, cuda:N or mps"),
        ("augment", optional(lambda v: isinstance(v, (list, tuple))), f"a list of {', '.join(AUGMENTATIONS)}"),
    )


def problems(cfg: Any) -> list[str]:
    found = [
        f"'{name}' must be {what}, got {getattr(cfg, name)!r}"
        for name, check, what in rules()
        if not check(getattr(cfg, name))
    ]
    return _files(cfg) + found + _relations(cfg)


def _files(cfg: Any) -> list[str]:
    """The dataset, image folders and weights named must exist."""
    found = []
    if cfg.coco is None or cfg.coco == "":
        found.append("no dataset: set 'coco' to a COCO JSON file (or pass --coco FILE)")
    elif isinstance(cfg.coco, str) and not os.path.isfile(cfg.coco):
        found.append(f"the COCO file {cfg.coco} does not exist")
    elif not isinstance(cfg.coco, (str, dict)):
        found.append(f"'coco' must be a file path or a COCO dict, not {type(cfg.coco).__name__}")
    exists = (
        (cfg.images, os.path.isdir, "the image folder"),
        (cfg.val_coco, os.path.isfile, "the validation COCO file"),
        (cfg.val_images, os.path.isdir, "the validation image folder"),
    )
    found += [f"{what} {path} does not exist" for path, test, what in exists if path is not None and not test(path)]
    if isinstance(cfg.weights, str) and cfg.weights and cfg.weights not in NAMED_WEIGHTS:
        if not os.path.isfile(cfg.weights):
            found.append(f"the weights file {cfg.weights} does not exist")
    return found


def _relations(cfg: Any) -> list[str]:
    """Rules that involve more than one setting, or a setting's contents."""
    from trainer.model.names import resolve_model_name  # late: the names table imports shapely

    found = []
    try:
        resolve_model_name(cfg.model)
    except ConfigError as e:
        found.append(str(e).rstrip("."))
    if cfg.val_images is not None and cfg.val_coco is None:
        found.append("'val_images' needs 'val_coco' (the validation COCO file)")
    if cfg.norm == "frozen" and cfg.weights == "none":
        found.append(
            "'norm' frozen keeps pretrained BatchNorm statistics: with weights none it would not normalise "
            "at all; use local, batch or group"
        )
    low, high = cfg.min_size, cfg.max_size
    if isinstance(low, int) and isinstance(high, int) and low and high < low:
        found.append("'max_size' must be ≥ 'min_size'")
    if cfg.split is not None:
        if not isinstance(cfg.split, dict):
            found.append("'split' must map file names to 'train' or 'val'")
        elif bad := sorted({str(v) for v in cfg.split.values()} - {"train", "val"}):
            found.append(f"'split' values must be 'train' or 'val', found {', '.join(bad)}")
    if isinstance(cfg.augment, (list, tuple)) and (bad := [a for a in cfg.augment if a not in AUGMENTATIONS]):
        named = ", ".join(map(repr, bad))
        found.append(f"{plural(len(bad), 'unknown augmentation')} {named}; choose from {', '.join(AUGMENTATIONS)}")
    if isinstance(cfg.loss_weights, dict):
        if bad := [k for k in cfg.loss_weights if k not in LOSS_NAMES]:
            named = ", ".join(bad)
            found.append(
                f"{plural(len(bad), 'unknown loss name')} in 'loss_weights': {named}; use {', '.join(LOSS_NAMES)}"
            )
        if not all(is_num(v) and v >= 0 for v in cfg.loss_weights.values()):
            found.append("loss weights must be numbers ≥ 0")
    return found
