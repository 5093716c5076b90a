"""What training augmentation does to the samples, before (ScaleJitter to a padded 640x640
canvas, as Polymask did) and after (object-keeping zoom crops): one JSON line.

    python tests/benchmarks/augment_bench.py [--coco FILE --images DIR] [--epochs 3]

Without a dataset it measures the generated stand-in (tests/benchmarks/photo_sets.py)."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import torch
from torchvision.transforms import v2

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.benchmarks.photo_sets import standin  # noqa: E402
from trainer.augment.stats import augmentation_stats  # noqa: E402
from trainer.augment.transforms import build_transforms  # noqa: E402
from trainer.config import TrainConfig  # noqa: E402
from trainer.dataset.instances import CocoInstances  # noqa: E402
from trainer.dataset.prepared import prepare  # noqa: E402
from trainer.model.registry import resolve_arch  # noqa: E402


def scale_jitter_before(size: int) -> v2.Compose:
    """The pipeline this replaced: hflip, ScaleJitter to size x size, crop/pad, sanitize."""
    return v2.Compose(
        [
            v2.ToImage(),
            v2.RandomHorizontalFlip(0.5),
            v2.ScaleJitter(target_size=(size, size), scale_range=(0.5, 1.5), antialias=True),
            v2.RandomCrop((size, size), pad_if_needed=True, fill=0),
            v2.SanitizeBoundingBoxes(min_size=1),
            v2.ToDtype(torch.float32, scale=True),
        ]
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--coco")
    ap.add_argument("--images")
    ap.add_argument("--epochs", type=int, default=3, help="passes over the training images")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        coco, images = (args.coco, args.images) if args.coco else standin(Path(tmp))["train"]
        cfg = TrainConfig(coco=coco, images=images, weights="none", val_fraction=0)
        arch = resolve_arch(cfg)
        prepared = prepare(coco, images, 0)
        mn, mx = arch["min_size"], arch["max_size"]
        figures = {"dataset": coco if args.coco else "generated stand-in (60 photos, 1-12 MP)", "epochs": args.epochs}
        for name, transforms in (
            ("before", scale_jitter_before(mx)),
            ("after", build_transforms(cfg.augment, True)),
        ):
            torch.manual_seed(0)
            ds = CocoInstances(prepared, prepared.train_ids, transforms, max_scale_for=(mn, mx))
            figures[name] = augmentation_stats(ds, mn, mx, list(range(len(ds))) * args.epochs)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
