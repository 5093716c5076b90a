"""Mask quality from scratch: Polymask's training defaults against a plain loop written as in
torchvision's detection fine-tuning tutorial, same fast model, same images, same epochs.
Prints one JSON line: segm AP / AP50 (and bbox AP) on the validation set and wall time, side by side.

    python tests/benchmarks/segm_quality_bench.py --epochs 6                  # generated stand-in
    python tests/benchmarks/segm_quality_bench.py --train-via balloon/train/via_region_data.json \\
        --val-via balloon/val/via_region_data.json --epochs 25                # matterport balloon
    python tests/benchmarks/segm_quality_bench.py --train-via weapons/via_region_data.json \\
        --train-images weapons/data --val-fraction 0.2 --epochs 25            # the VIA tutorial's weapons

``--norm`` picks Polymask's normalisation (to compare batch / group at equal epochs);
``--only polymask|tutorial`` runs one side. Both are evaluated by the same pycocotools code."""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from pathlib import Path

import torch
from torch.utils.data import DataLoader
from torchvision.transforms import v2

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.benchmarks.photo_sets import standin, via_as_coco  # noqa: E402
from trainer.augment.transforms import build_transforms  # noqa: E402
from trainer.config import TrainConfig  # noqa: E402
from trainer.dataset.instances import CocoInstances, collate  # noqa: E402
from trainer.dataset.training_set import prepare_training  # noqa: E402
from trainer.evaluation.evaluate import coco_metrics, predict_dataset  # noqa: E402
from trainer.model.registry import build_model, resolve_arch  # noqa: E402
from trainer.run.engine import fit  # noqa: E402

KEYS = ("segm_AP", "segm_AP50", "bbox_AP", "bbox_AP50")


def polymask(cfg: TrainConfig) -> dict:
    t0 = time.perf_counter()
    last = None
    for ev in fit(cfg):
        if ev.kind == "failed":
            raise SystemExit(f"Polymask run failed: {ev.reason}")
        if ev.kind == "finished":
            last = ev
    summary = json.loads((Path(cfg.out) / "summary.json").read_text())
    assert last is not None
    return {
        "last": {k: last.metrics.get(k) for k in KEYS},
        "best": {k: summary.get("best_metrics", {}).get(k) for k in KEYS},
        "best_by": summary.get("best_by"),
        "score_threshold": summary.get("score_threshold"),
        "norm": resolve_arch(cfg)["norm"],
        "wall_s": round(time.perf_counter() - t0, 1),
    }


def train_tutorial(cfg: TrainConfig, deadline: float | None = None):
    """torchvision's tutorial loop: full-size images, random horizontal flip, SGD 0.005 / 0.9 /
    5e-4, linear warm-up over the first epoch (<= 1000 iterations), StepLR(3, 0.1); the model
    as torchvision builds it from scratch (BatchNorm). Trains ``cfg.epochs`` epochs, or with a
    ``deadline`` (time.perf_counter()) as many whole epochs as fit before it (at least one).
    Returns (model, prepared data, epochs trained)."""
    torch.manual_seed(cfg.seed)
    prepared = prepare_training(cfg)
    arch = resolve_arch(cfg.replace(norm="batch"))
    model = build_model(arch, len(prepared.class_names) + 1)
    flip = v2.Compose([v2.ToImage(), v2.RandomHorizontalFlip(0.5), v2.ToDtype(torch.float32, scale=True)])
    train = DataLoader(
        CocoInstances(prepared, prepared.train_ids, flip),
        batch_size=2,
        shuffle=True,
        num_workers=cfg.workers,
        collate_fn=collate,
    )
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.SGD(params, lr=0.005, momentum=0.9, weight_decay=0.0005)
    step_lr = torch.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.1)
    epoch, epoch_s = 0, 0.0
    while _another_epoch(epoch, cfg.epochs, deadline, epoch_s):
        t0 = time.perf_counter()
        model.train()
        warm = None
        if epoch == 0:
            iters = min(1000, len(train) - 1)
            warm = torch.optim.lr_scheduler.LinearLR(opt, start_factor=0.001, total_iters=iters)
        for images, targets in train:
            targets = [{k: v for k, v in t.items() if k != "unreadable"} for t in targets]
            loss = sum(model(list(images), targets).values())
            if not math.isfinite(float(loss.detach())):  # float() of a graph tensor warns (requires_grad)
                raise SystemExit(f"tutorial loop diverged at epoch {epoch + 1}")
            opt.zero_grad()
            loss.backward()
            opt.step()
            if warm is not None:
                warm.step()
        step_lr.step()
        epoch, epoch_s = epoch + 1, time.perf_counter() - t0
    return model, prepared, epoch


def _another_epoch(done: int, epochs: int, deadline: float | None, epoch_s: float) -> bool:
    if deadline is None:
        return done < epochs
    return done == 0 or time.perf_counter() + epoch_s <= deadline


def evaluate_model(model, prepared) -> tuple[dict, list[dict]]:
    """(COCO metrics on the validation images, the detections), evaluated as Polymask's runs are."""
    val = CocoInstances(prepared, prepared.val_ids, build_transforms(None, False))
    results, _ = predict_dataset(model, val, torch.device("cpu"), prepared.category_ids, prepared.class_names)
    return coco_metrics(prepared.val_ground_truth(), results), results


def tutorial(cfg: TrainConfig) -> dict:
    t0 = time.perf_counter()
    model, prepared, _ = train_tutorial(cfg)
    metrics, _ = evaluate_model(model, prepared)
    return {"last": {k: metrics.get(k) for k in KEYS}, "norm": "batch", "wall_s": round(time.perf_counter() - t0, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--train-via", help="VIA file of the training images (else the generated stand-in)")
    ap.add_argument("--train-images", help="its image folder (default: beside it)")
    ap.add_argument("--val-via", help="VIA file of the validation images (else --val-fraction of the training file)")
    ap.add_argument("--val-images", help="its image folder (default: beside it)")
    ap.add_argument("--val-fraction", type=float, default=0.2)
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--norm", default="auto", help="Polymask's --norm (auto, batch, group)")
    ap.add_argument("--only", choices=("polymask", "tutorial"))
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0, help="initialisation and sampling seed (both sides)")
    args = ap.parse_args()
    torch.set_num_threads(max(1, torch.get_num_threads()))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        if args.train_via:
            images = args.train_images or str(Path(args.train_via).parent)
            coco, images = via_as_coco(args.train_via, images, root / "train.json")
            val = None
            if args.val_via:
                val = via_as_coco(args.val_via, args.val_images or str(Path(args.val_via).parent), root / "val.json")
            data = "VIA " + args.train_via + (f" + {args.val_via}" if args.val_via else "")
        else:
            sets = standin(root / "standin")
            (coco, images), val = sets["train"], sets["val"]
            data = "generated stand-in: 60 train / 13 val photos, 1-12 MP, EXIF-rotated, 1-2 objects each"
        cfg = TrainConfig(
            coco=coco,
            images=images,
            val_coco=val[0] if val else None,
            val_images=val[1] if val else None,
            val_fraction=args.val_fraction,
            model="fast",
            weights="none",
            norm=args.norm,
            epochs=args.epochs,
            workers=args.workers,
            seed=args.seed,
            device="cpu",
            tensorboard=False,
            preview_images=0,
            out=str(root / "run"),
        )
        figures: dict = {"dataset": data, "epochs": args.epochs, "seed": args.seed, "threads": torch.get_num_threads()}
        if args.only != "tutorial":
            figures["polymask"] = polymask(cfg)
        if args.only != "polymask":
            figures["tutorial"] = tutorial(cfg)
        if "polymask" in figures and "tutorial" in figures:
            t, p = figures["tutorial"]["last"]["segm_AP50"], figures["polymask"]["last"]["segm_AP50"]
            figures["segm_AP50_ratio"] = round(p / t, 2) if t else None
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
