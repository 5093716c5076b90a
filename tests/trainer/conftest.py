"""Tiny generated COCO datasets and a tiny configuration: a full train cycle in seconds on CPU."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from trainer.config import TrainConfig

from ..tiny_training import TINY


def make_dataset(
    root: Path, n: int = 12, size: int = 64, negatives: int = 1, seed: int = 0, categories: list[dict] | None = None
) -> Path:
    """Dark images with one bright square (category id 0) or disc (id 1); polygons in COCO.

    Returns the COCO file path; images are written beside it in images/."""
    rng = np.random.default_rng(seed)
    img_dir = root / "images"
    img_dir.mkdir(parents=True, exist_ok=True)
    cats = categories or [{"id": 0, "name": "square"}, {"id": 1, "name": "disc"}]
    images, anns = [], []
    for i in range(n + negatives):
        arr = np.full((size, size, 3), 20, np.uint8)
        fn = f"img_{i:03d}.png"
        images.append({"id": i + 1, "file_name": fn, "width": size, "height": size})
        if i < n:
            s = int(rng.integers(size // 4, size // 2))
            x0, y0 = (int(v) for v in rng.integers(2, size - s - 2, 2))
            if i % 2 == 0:
                arr[y0 : y0 + s, x0 : x0 + s] = (240, 60, 60)
                poly = [x0, y0, x0 + s, y0, x0 + s, y0 + s, x0, y0 + s]
                cat = cats[0]["id"]
            else:
                cx, cy, r = x0 + s / 2, y0 + s / 2, s / 2
                yy, xx = np.mgrid[:size, :size]
                arr[(xx + 0.5 - cx) ** 2 + (yy + 0.5 - cy) ** 2 <= r * r] = (60, 240, 60)
                t = np.linspace(0, 2 * np.pi, 16, endpoint=False)
                poly = np.stack([cx + r * np.cos(t), cy + r * np.sin(t)], 1).reshape(-1).round(1).tolist()
                cat = cats[1 % len(cats)]["id"]
            anns.append(
                {
                    "id": len(anns) + 1,
                    "image_id": i + 1,
                    "category_id": cat,
                    "iscrowd": 0,
                    "segmentation": [[float(v) for v in poly]],
                    "bbox": [x0, y0, s, s],
                    "area": float(s * s),
                }
            )
        Image.fromarray(arr).save(img_dir / fn)
    path = root / "coco.json"
    path.write_text(json.dumps({"images": images, "annotations": anns, "categories": cats}))
    return path


def tiny_config(coco: Path | dict, images: Path, out: Path, **kw) -> TrainConfig:
    base = dict(TINY, coco=str(coco) if isinstance(coco, Path) else coco, images=str(images), out=str(out))
    base.pop("device")  # the trainer's own default (cpu here)
    base.update(kw)
    return TrainConfig(**base)


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    return make_dataset(tmp_path / "data")


def untrained_checkpoint(path: Path, arch: dict, category_ids: list[int]) -> Path:
    """A checkpoint of an untrained model for classes "a" and "b": predict runs, finds noise."""
    from trainer.model.checkpoint import save_checkpoint
    from trainer.model.registry import build_model

    state = {
        "model": build_model(arch, 3).state_dict(),
        "arch": arch,
        "class_names": ["a", "b"],
        "category_ids": category_ids,
        "epoch": 0,
    }
    return save_checkpoint(state, path)
