"""``train --preview-data DIR``: the first training samples exactly as the model receives them.

Writes one overlay PNG per sample (masks, boxes, class names drawn on the augmented input)
and ``samples.json`` (per sample: source file, input size, each instance's label, box, mask
area and mask as COCO RLE), so a user can check that labels sit on their objects after
loading, EXIF rotation, resizing and augmentation, without training."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch
from pycocotools import mask as mask_utils

from trainer.augment.transforms import training_dataset
from trainer.config import TrainConfig
from trainer.dataset.instances import EpochRandomSampler, GroupedBatchSampler
from trainer.dataset.training_set import prepare_training
from trainer.inference.predict import label_colour
from trainer.model.registry import resolve_arch

DEFAULT_COUNT = 8


def write_preview(config: TrainConfig, out_dir: str | os.PathLike, count: int = DEFAULT_COUNT) -> list[dict[str, Any]]:
    """Write the first ``count`` samples of epoch 1 (the engine's order and transforms) to ``out_dir``."""
    config.validate()
    prepared = prepare_training(config)
    arch = resolve_arch(config)
    ds = training_dataset(prepared, config.augment, arch)
    # The engine's epoch-1 order: a seeded shuffle, batched by aspect ratio.
    sampler = EpochRandomSampler(len(ds), config.seed)
    groups = ds.aspect_groups() if config.aspect_ratio_grouping else [0] * len(ds)
    batches = GroupedBatchSampler(sampler, groups, config.batch_size)
    batches.set_epoch(1)
    order = [i for batch in batches for i in batch][: max(0, count)]

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(config.seed)
    samples = []
    for n, idx in enumerate(order, 1):
        image, target = ds[idx]
        picture = (image.clamp(0, 1) * 255).round().to(torch.uint8).permute(1, 2, 0).numpy()
        instances = _instances(target, prepared.class_names)
        name = f"sample_{n:03d}.png"
        cv2.imwrite(str(out / name), cv2.cvtColor(draw_samples(picture, instances), cv2.COLOR_RGB2BGR))
        samples.append(
            {
                "image": name,
                "source": str(prepared.paths[ds.ids[idx]]),
                "file_name": ds.file_name(idx),
                "input_size": [int(picture.shape[1]), int(picture.shape[0])],
                "instances": [{k: v for k, v in inst.items() if k != "mask"} for inst in instances],
            }
        )
    tmp = out / "samples.json.tmp"
    tmp.write_text(
        json.dumps(
            {
                "model": arch["model"],
                "min_size": arch["min_size"],
                "max_size": arch["max_size"],
                "augment": list(config.augment or []),
                "samples": samples,
            },
            indent=1,
        ),
        encoding="utf-8",
    )
    os.replace(tmp, out / "samples.json")
    return samples


def _instances(target: dict, class_names: list[str]) -> list[dict[str, Any]]:
    masks = target["masks"].numpy().astype(bool)
    out = []
    for box, label, mask in zip(target["boxes"].tolist(), target["labels"].tolist(), masks):
        rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
        out.append(
            {
                "label": class_names[label - 1],
                "box": [round(v, 2) for v in box],
                "mask_area": int(mask.sum()),
                "segmentation": {"size": list(rle["size"]), "counts": rle["counts"].decode("ascii")},
                "mask": mask,
            }
        )
    return out


def draw_samples(picture: np.ndarray, instances: list[dict[str, Any]], alpha: float = 0.45) -> np.ndarray:
    """RGB uint8: each instance's mask filled, its box outlined and its class name written."""
    arr = picture.copy()
    names = sorted({inst["label"] for inst in instances})
    for inst in instances:
        m = inst["mask"]
        fill = np.array(label_colour(names.index(inst["label"]) + 1), np.float32)
        arr[m] = (arr[m] * (1 - alpha) + fill * alpha).astype(np.uint8)
    for inst in instances:
        col = label_colour(names.index(inst["label"]) + 1)
        x0, y0, x1, y1 = (int(round(v)) for v in inst["box"])
        cv2.rectangle(arr, (x0, y0), (x1 - 1, y1 - 1), col, 2)
        (tw, th), _ = cv2.getTextSize(inst["label"], cv2.FONT_HERSHEY_SIMPLEX, 0.5, 1)
        y = max(th + 4, y0)
        cv2.rectangle(arr, (x0, y - th - 4), (x0 + tw + 4, y), col, -1)
        cv2.putText(arr, inst["label"], (x0 + 2, y - 3), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 1, cv2.LINE_AA)
    return arr
