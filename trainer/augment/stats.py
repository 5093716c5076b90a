"""What augmentation does to the training samples, measured: black padding, objects dropped,
samples left with no object, and the object scale the model sees against test time.

Each source instance is tracked through the transforms by giving it its own label (labels
pass through every transform untouched), so a surviving instance is compared with itself."""

from __future__ import annotations

import statistics
from typing import Any

import torch

from trainer.dataset.instances import CocoInstances


def model_resize(size: tuple[int, int], min_size: int, max_size: int) -> float:
    """The factor torchvision's GeneralizedRCNNTransform resizes an (h, w) input by."""
    h, w = size
    return min(min_size / min(h, w), max_size / max(h, w))


def augmentation_stats(ds: CocoInstances, min_size: int, max_size: int, indices: list[int]) -> dict[str, Any]:
    """Figures over the samples ``ds[i]`` for ``i`` in ``indices`` (as the model receives them)."""
    padding, ratios = [], []
    instances = dropped = samples_with_objects = emptied = 0
    for idx in indices:
        image, target = ds.load(idx)
        iid = ds.ids[idx]
        loaded_scale = image.width / ds.p.sizes[iid][0]
        n = len(target["labels"])
        areas = target["masks"].flatten(1).sum(1).float()
        target["labels"] = torch.arange(1, n + 1)
        out, t = ds.transforms(image, target)
        padding.append(float((out == 0).all(0).float().mean()))
        kept = len(t["labels"])
        instances, dropped = instances + n, dropped + n - kept
        samples_with_objects += n > 0
        emptied += n > 0 and kept == 0
        h, w = out.shape[-2:]
        test = model_resize(ds.p.sizes[iid][::-1], min_size, max_size)
        train = model_resize((h, w), min_size, max_size)
        for box, label, mask in zip(t["boxes"].tolist(), t["labels"].tolist(), t["masks"]):
            x0, y0, x1, y1 = box
            if x0 < 1 or y0 < 1 or x1 > w - 1 or y1 > h - 1:
                continue  # cut by the image edge: its area says nothing about its scale
            zoom = float(mask.sum() / areas[label - 1]) ** 0.5
            ratios.append(loaded_scale * zoom * train / test)
    return {
        "samples": len(indices),
        "padding_fraction": statistics.fmean(padding) if padding else 0.0,
        "samples_losing_every_object": emptied / samples_with_objects if samples_with_objects else 0.0,
        "instances_dropped": dropped / instances if instances else 0.0,
        "train_test_scale_median": statistics.median(ratios) if ratios else None,
        "train_test_scale_mean": statistics.fmean(ratios) if ratios else None,
    }
