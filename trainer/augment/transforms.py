"""Augmentations by name, built from torchvision.transforms.v2 (boxes and masks follow the image)."""

from __future__ import annotations

import torch
from torchvision.transforms import v2

from trainer.augment.object_crop import ObjectZoomCrop
from trainer.choices import AUGMENTATIONS
from trainer.dataset.instances import CocoInstances
from trainer.dataset.prepared import PreparedData


def build_transforms(names: list[str] | None, train: bool) -> v2.Compose:
    steps: list = [v2.ToImage()]
    if train:
        for name in names or []:
            if name == "hflip":
                steps.append(v2.RandomHorizontalFlip(0.5))
            elif name == "vflip":
                steps.append(v2.RandomVerticalFlip(0.5))
            elif name == "color":
                steps.append(v2.ColorJitter(brightness=0.2, contrast=0.2, saturation=0.2, hue=0.02))
            elif name == "scale_jitter":
                # The model resizes every image to min_size, so plain resizing is undone: zoom by
                # cropping around an object instead (no padding, no sample loses its objects).
                steps.append(ObjectZoomCrop())
            else:
                raise ValueError(f"unknown augmentation {name!r}; choose from {', '.join(AUGMENTATIONS)}")
        # Boxes that a flip or crop made degenerate go, with their labels and masks.
        steps.append(v2.SanitizeBoundingBoxes(min_size=1))
    steps.append(v2.ToDtype(torch.float32, scale=True))
    return v2.Compose(steps)


def training_dataset(prepared: PreparedData, augment: list[str] | None, arch: dict) -> CocoInstances:
    """The training images as the model receives them: loaded at the model's input scale
    (large photos decoded small), then augmented. Shared by training and ``--preview-data``."""
    return CocoInstances(
        prepared,
        prepared.train_ids,
        build_transforms(augment, True),
        max_scale_for=(arch["min_size"], arch["max_size"]),
    )
