"""What a run trains with, in words: which parts start pretrained, the normalisation, the
schedule, the anchors, the input size and the augmentation. The run log (the ``started``
event), summary.json, the CLI and the train panel's hint say the same thing.

Torch-free: the window imports it for its hint text."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

FAST_NAMES = ("fast", "mobilenet", "maskrcnn_mobilenet_v3_large_fpn")

# torchvision publishes a COCO *Mask* R-CNN only for the ResNet-50 models; for MobileNetV3 only a
# COCO Faster R-CNN (a box detector) and an ImageNet classifier exist.
_FROM_SCRATCH = "every layer starts from scratch (random weights)"
_COCO_FAST = (
    "the backbone, FPN, RPN and box head start from torchvision's COCO Faster R-CNN (a box detector); "
    "the mask head and the class layers start from scratch (no COCO Mask R-CNN exists for MobileNetV3)"
)
_COCO_R50 = (
    "everything starts from torchvision's COCO Mask R-CNN except the class layers "
    "(box predictor, last mask layer), which start from scratch"
)
_IMAGENET = (
    "only the backbone starts pretrained (ImageNet classification); the FPN, RPN, box and mask heads start from scratch"
)


# The schedule by iterations (issue 19): a 60-image project and a 6,000-image one need different
# epoch counts, so an unset `epochs` plans about this many steps. Measured on real photos from
# scratch (docs/learning.md): segm AP50 still rose between 300 and 1,300 steps on both photo sets;
# 1,300 steps of the fast model at 320 px take about 25 minutes on 2 CPU cores (a GPU: minutes).
AUTO_ITERATIONS = 1300
AUTO_EVALUATIONS = 10  # an unset `eval_interval`: evaluate about this often (and after the last epoch)


def planned_schedule(epochs: int | None, eval_interval: int | None, iters_per_epoch: int) -> tuple[int, int]:
    """(epochs, eval_interval) of a run whose epochs have `iters_per_epoch` steps; None means planned."""
    if epochs is None:
        epochs = max(1, math.ceil(AUTO_ITERATIONS / max(1, iters_per_epoch)))
    if eval_interval is None:
        eval_interval = max(1, round(epochs / AUTO_EVALUATIONS))
    return epochs, eval_interval


def pretrained_parts(model: str, weights: str) -> str:
    """Which parts of ``model`` start pretrained with ``weights`` (coco | imagenet | none | last | a
    file), in one sentence for a person."""
    w = str(weights or "none")
    if w == "none":
        return _FROM_SCRATCH
    if w == "coco":
        return _COCO_FAST if str(model).lower() in FAST_NAMES else _COCO_R50
    if w == "imagenet":
        return _IMAGENET
    if w == "last":
        return "every layer continues from the run's last.pth"
    return f"the layers whose names and shapes match start from {Path(w).name}; any other layer starts from scratch"


def describe(cfg: Any, arch: dict[str, Any], lr: float, iters_per_epoch: int) -> dict[str, Any]:
    """The recipe a run uses, JSON-safe (``cfg``: a TrainConfig; ``arch``: ``resolve_arch``'s dict)."""
    total = cfg.epochs * iters_per_epoch
    warmup = min(cfg.warmup_iters, iters_per_epoch)
    return {
        "pretrained": pretrained_parts(arch["model"], cfg.weights),
        "norm": arch["norm"],
        "optimizer": f"{cfg.optimizer} lr {lr:g}, weight decay {cfg.weight_decay:g}, batch {cfg.batch_size}",
        "schedule": f"{cfg.schedule} over {total} iterations ({cfg.epochs} epochs of {iters_per_epoch}), "
        f"linear warm-up over {warmup}",
        "anchors": {"sizes": arch["anchor_sizes"][0], "aspect_ratios": arch["aspect_ratios"][0]},
        "input": f"{arch['min_size']}-{arch['max_size']} px",
        "augment": list(cfg.augment or []),
    }


def recipe_line(recipe: dict[str, Any]) -> str:
    """One line for a terminal or a log."""
    if not recipe:
        return ""
    anchors = recipe["anchors"]
    return (
        f"recipe: norm {recipe['norm']}; {recipe['optimizer']}; {recipe['schedule']}; "
        f"anchors {anchors['sizes']} px × ratios {anchors['aspect_ratios']}; input {recipe['input']}; "
        f"augment {', '.join(recipe['augment']) or 'none'}; {recipe['pretrained']}"
    )
