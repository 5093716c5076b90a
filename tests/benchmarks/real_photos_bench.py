"""Real photos: Polymask's from-scratch defaults against torchvision's tutorial loop (fast model,
``--weights none``), on the same images and budget. Both run folders are kept under ``--out``
(printed); one JSON line gives segm/bbox AP, AP50, AP75, F1 at the suggested threshold, epochs
and wall seconds for each side.

    python tests/benchmarks/real_photos_bench.py balloon/train/via_region_data.json \\
        --val balloon/val/via_region_data.json --minutes 25 --out /work/runs/me
    python tests/benchmarks/real_photos_bench.py gunsword/via_region_data.json \\
        --images gunsword/data --epochs 10 --out /work/runs/me

Without ``--val`` the images are split by sorted file name: every 5th (the 5th, 10th, ...) is a
validation image (gun/sword: 64 train / 16 val). The budget is ``--epochs`` or ``--iterations``
(exact, the same for both sides) or ``--minutes``: the tutorial loop trains whole epochs while
they fit in the minutes; Polymask's epochs are planned from its seconds per iteration (timed
here on a few batches, or given with ``--s-per-iter`` to plan with a quiet machine's speed).
``--set key=value`` changes Polymask's settings (experiments); ``--only`` runs one side."""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from datetime import datetime
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.benchmarks.photo_sets import via_as_coco  # noqa: E402
from tests.benchmarks.segm_quality_bench import evaluate_model, train_tutorial  # noqa: E402
from trainer.augment.transforms import training_dataset  # noqa: E402
from trainer.config import TrainConfig, parse_value  # noqa: E402
from trainer.dataset.instances import collate  # noqa: E402
from trainer.dataset.training_set import prepare_training  # noqa: E402
from trainer.evaluation.evaluate import coco_from_dict  # noqa: E402
from trainer.evaluation.score_threshold import best_f1_threshold  # noqa: E402
from trainer.model.registry import build_model, resolve_arch  # noqa: E402
from trainer.run.engine import fit  # noqa: E402

KEYS = ("segm_AP", "segm_AP50", "segm_AP75", "bbox_AP", "bbox_AP50", "bbox_AP75")
EVAL_SHARE = 0.15  # of a --minutes budget kept for the per-epoch validation


def every_fifth_val(coco_file: str) -> dict[str, str]:
    """{file name: "train" | "val"}: sorted by name, the 5th, 10th, ... image is validation."""
    names = sorted(im["file_name"] for im in json.loads(Path(coco_file).read_text(encoding="utf-8"))["images"])
    return {n: "val" if i % 5 == 4 else "train" for i, n in enumerate(names)}


def pick(metrics: dict) -> dict:
    return {k: None if metrics.get(k) is None else round(100 * metrics[k], 2) for k in KEYS}


def seconds_per_iteration(cfg: TrainConfig, batches: int = 3) -> float:
    """Seconds one training iteration of this configuration takes here (after one warm-up batch)."""
    prepared = prepare_training(cfg)
    arch = resolve_arch(cfg)
    model = build_model(arch, len(prepared.class_names) + 1).train()
    data = training_dataset(prepared, cfg.augment, arch)
    opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=1e-5)
    times = []
    for b in range(batches + 1):
        t0 = time.perf_counter()
        images, targets = collate([data[(b * 2 + i) % len(data)] for i in range(cfg.batch_size)])
        targets = [{k: v for k, v in t.items() if k != "unreadable"} for t in targets]
        loss = sum(model(list(images), targets).values())
        opt.zero_grad()
        loss.backward()
        opt.step()
        times.append(time.perf_counter() - t0)
    return sum(times[1:]) / batches


def run_polymask(cfg: TrainConfig) -> dict:
    t0 = time.perf_counter()
    last = None
    for ev in fit(cfg):
        if ev.kind == "failed":
            return {"failed": ev.reason, "run": cfg.out}
        if ev.kind == "finished":
            last = ev
    assert last is not None
    summary = json.loads((Path(cfg.out) / "summary.json").read_text(encoding="utf-8"))
    choice = summary.get("score_threshold_choice") or {}
    arch = resolve_arch(cfg)
    return {
        "best": pick(summary.get("best_metrics") or {}),
        "best_epoch": summary.get("best_epoch"),
        "last": pick(last.metrics),
        "f1": choice.get("f1"),
        "score_threshold": summary.get("score_threshold"),
        "epochs": cfg.epochs,
        "recipe": {"norm": arch["norm"], "min_size": arch["min_size"], "augment": cfg.augment},
        "wall_s": round(time.perf_counter() - t0, 1),
        "run": cfg.out,
    }


def run_tutorial(cfg: TrainConfig, minutes: float | None) -> dict:
    t0 = time.perf_counter()
    deadline = t0 + 60 * minutes if minutes else None
    model, prepared, epochs = train_tutorial(cfg, deadline)
    metrics, results = evaluate_model(model, prepared)
    choice = best_f1_threshold(coco_from_dict(prepared.val_ground_truth()), results)
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), out / "model.pth")
    figures = {
        "last": pick(metrics),
        "f1": choice["f1"],
        "score_threshold": choice["score_threshold"],
        "epochs": epochs,
        "wall_s": round(time.perf_counter() - t0, 1),
        "run": str(out),
    }
    (out / "detections.json").write_text(json.dumps(results), encoding="utf-8")
    (out / "figures.json").write_text(json.dumps(figures, indent=2), encoding="utf-8")
    return figures


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("annotations", help="VIA (any version) or COCO file of the training images")
    ap.add_argument("--images", help="its image folder (default: beside it)")
    ap.add_argument("--val", help="VIA or COCO file of the validation images (else every 5th image by name)")
    ap.add_argument("--val-images", help="its image folder (default: beside it)")
    budget = ap.add_mutually_exclusive_group(required=True)
    budget.add_argument("--minutes", type=float, help="wall-clock budget per side")
    budget.add_argument("--epochs", type=int, help="epochs (both sides)")
    budget.add_argument("--iterations", type=int, help="training iterations, rounded up to whole epochs")
    ap.add_argument("--s-per-iter", type=float, help="plan --minutes with this speed instead of timing it here")
    ap.add_argument("--out", default="runs/real_photos_bench", help="folder that keeps both run folders")
    ap.add_argument("--name", help="this comparison's folder under --out (default: date and time)")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="a Polymask setting")
    ap.add_argument("--only", choices=("polymask", "tutorial"))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workers", type=int, default=1)
    return ap.parse_args(argv)


def base_config(args: argparse.Namespace, root: Path) -> tuple[TrainConfig, str]:
    images = args.images or str(Path(args.annotations).parent)
    coco, images = via_as_coco(args.annotations, images, root / "train.json")
    val = split = None
    if args.val:
        val = via_as_coco(args.val, args.val_images or str(Path(args.val).parent), root / "val.json")
        data = f"{args.annotations} + {args.val}"
    else:
        split = every_fifth_val(coco)
        data = f"{args.annotations}, every 5th image by name is val"
    cfg = TrainConfig(
        coco=coco,
        images=images,
        val_coco=val[0] if val else None,
        val_images=val[1] if val else None,
        split=split,
        model="fast",
        weights="none",
        workers=args.workers,
        seed=args.seed,
        device="cpu",
        tensorboard=False,
        preview_images=0,
    )
    for item in args.set:
        key, _, value = item.partition("=")
        cfg = cfg.replace(**{key.strip(): parse_value(value)})
    return cfg.validate(), data


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    root = Path(args.out) / (args.name or datetime.now().strftime("%Y%m%d-%H%M%S"))
    root.mkdir(parents=True, exist_ok=True)
    cfg, data = base_config(args, root)
    prepared = prepare_training(cfg)
    iters = math.ceil(len(prepared.train_ids) / cfg.batch_size)
    figures: dict = {
        "dataset": data,
        "train_images": len(prepared.train_ids),
        "val_images": len(prepared.val_ids),
        "seed": args.seed,
        "threads": torch.get_num_threads(),
        "set": args.set,
        "folder": str(root),
    }
    if args.minutes:
        s_iter = args.s_per_iter or seconds_per_iteration(cfg)
        epochs = max(1, int(60 * args.minutes * (1 - EVAL_SHARE) / (s_iter * iters)))
        figures.update(minutes=args.minutes, s_per_iter=round(s_iter, 2))
    else:
        epochs = args.epochs or max(1, math.ceil(args.iterations / iters))
    figures["iters_per_epoch"] = iters
    if args.only != "tutorial":
        figures["polymask"] = run_polymask(cfg.replace(epochs=epochs, out=str(root / "polymask")))
    if args.only != "polymask":
        tut = cfg.replace(epochs=epochs, out=str(root / "tutorial"))
        figures["tutorial"] = run_tutorial(tut, args.minutes)
    if "last" in figures.get("polymask", {}) and "tutorial" in figures:
        p, t = figures["polymask"]["best"]["segm_AP50"], figures["tutorial"]["last"]["segm_AP50"]
        figures["segm_AP50_ratio"] = round(p / t, 2) if p is not None and t else None
    line = json.dumps(figures)
    (root / "bench.json").write_text(line + "\n", encoding="utf-8")
    print(f"run folders kept in {root}", file=sys.stderr)
    print(line)


if __name__ == "__main__":
    main()
