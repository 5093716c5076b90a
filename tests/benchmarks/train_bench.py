"""Trainer figures: one JSON line per configuration.

For each model: training and inference images/s of our engine beside a plain loop written as in
torchvision's fine-tuning tutorial (same data, model, batch, in the same run), the engine's
overhead, the fast/R50 ratio, fast-model inference time on a ~1 MP image, and (``--ap-minutes``)
the mask AP the fast model reaches on the demo project after N CPU-minutes.

    python tests/benchmarks/train_bench.py --quick
    python tests/benchmarks/train_bench.py --ap-minutes 10 [--coco FILE --images DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from trainer.augment.transforms import build_transforms  # noqa: E402
from trainer.config import TrainConfig  # noqa: E402
from trainer.dataset.instances import CocoInstances, EpochRandomSampler, GroupedBatchSampler, collate  # noqa: E402
from trainer.dataset.prepared import prepare  # noqa: E402
from trainer.inference.predict import Predictor  # noqa: E402
from trainer.model.names import resolve_model_name  # noqa: E402
from trainer.model.registry import build_model, resolve_arch
from trainer.run.engine import fit  # noqa: E402


def make_data(root: Path, n: int, w: int = 640, h: int = 480, seed: int = 0) -> Path:
    """Photos-like sizes with 1-3 filled polygons each (two classes)."""
    rng = np.random.default_rng(seed)
    (root / "images").mkdir(parents=True, exist_ok=True)
    images, anns = [], []
    for i in range(n):
        base = rng.integers(0, 80, (h // 8, w // 8, 3), dtype=np.uint8)
        im = Image.fromarray(base).resize((w, h), Image.BILINEAR)
        d = ImageDraw.Draw(im)
        for _ in range(int(rng.integers(1, 4))):
            cx, cy, r = rng.uniform(80, w - 80), rng.uniform(80, h - 80), rng.uniform(25, 70)
            k = int(rng.integers(3, 9))
            t = np.sort(rng.uniform(0, 2 * np.pi, k))
            pts = [(float(cx + r * np.cos(a)), float(cy + r * np.sin(a))) for a in t]
            cat = int(rng.integers(1, 3))
            d.polygon(pts, fill=(220, 60, 60) if cat == 1 else (60, 200, 90))
            flat = [c for p in pts for c in p]
            xs, ys = flat[0::2], flat[1::2]
            anns.append(
                {
                    "id": len(anns) + 1,
                    "image_id": i + 1,
                    "category_id": cat,
                    "iscrowd": 0,
                    "segmentation": [flat],
                    "bbox": [min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)],
                }
            )
        fn = f"b_{i:03d}.jpg"
        im.save(root / "images" / fn, quality=92)
        images.append({"id": i + 1, "file_name": fn, "width": w, "height": h})
    p = root / "coco.json"
    p.write_text(
        json.dumps(
            {
                "images": images,
                "annotations": anns,
                "categories": [{"id": 1, "name": "red"}, {"id": 2, "name": "green"}],
            }
        )
    )
    return p


def bench_config(coco: Path, out: Path, model: str, batch: int) -> TrainConfig:
    return TrainConfig(
        coco=str(coco),
        images=str(coco.parent / "images"),
        out=str(out),
        model=model,
        weights="none",
        epochs=1,
        batch_size=batch,
        workers=0,
        augment=["hflip"],
        val_fraction=0.0,
        preview_images=0,
        warmup_iters=0,
        lr=0.002,
        grad_clip=None,
    )


def engine_train(cfg: TrainConfig, warm: int) -> float:
    """images/s of fit(), timed from the end of warm-up step `warm` to the last step."""
    stamps = []
    for ev in fit(cfg):
        if ev.kind == "step":
            stamps.append(time.perf_counter())
        elif ev.kind == "failed":
            raise RuntimeError(ev.reason)
    timed = len(stamps) - warm
    return timed * cfg.batch_size / (stamps[-1] - stamps[warm - 1])


def tutorial_train(cfg: TrainConfig, warm: int) -> float:
    """The plain loop of torchvision's fine-tuning tutorial on the same data, model and batch."""
    torch.manual_seed(cfg.seed)
    p = prepare(cfg.coco, cfg.images, 0.0)
    arch = resolve_arch(cfg)
    model = build_model(arch, len(p.class_names) + 1)
    ds = CocoInstances(
        p,
        p.train_ids,
        build_transforms(cfg.augment, True),
        max_scale_for=(arch["min_size"], arch["max_size"]),
    )
    loader = torch.utils.data.DataLoader(
        ds,
        batch_sampler=GroupedBatchSampler(EpochRandomSampler(len(ds), cfg.seed), ds.aspect_groups(), cfg.batch_size),
        collate_fn=collate,
        num_workers=cfg.workers,
    )
    params = [q for q in model.parameters() if q.requires_grad]
    optimizer = torch.optim.SGD(params, lr=cfg.lr, momentum=0.9, weight_decay=cfg.weight_decay)
    model.train()
    stamps = []
    for images, targets in loader:
        images = list(image for image in images)
        targets = [{k: v for k, v in t.items()} for t in targets]
        loss_dict = model(images, targets)
        losses = sum(loss for loss in loss_dict.values())
        optimizer.zero_grad()
        losses.backward()
        optimizer.step()
        losses.detach().item()
        stamps.append(time.perf_counter())
    return (len(stamps) - warm) * cfg.batch_size / (stamps[-1] - stamps[warm - 1])


DETECTIONS_CAP = 10  # untrained weights return the 100-detection maximum; a trained model a handful


def _predictor(ckpt: Path) -> Predictor:
    pred = Predictor.from_checkpoint(ckpt, device="cpu")
    pred.model.roi_heads.detections_per_img = DETECTIONS_CAP
    return pred


def inference(ckpt: Path, images: list[Path], warm: int = 1) -> tuple[float, float]:
    """(Predictor img/s incl. polygons, plain model img/s) on the same images."""
    pred = _predictor(ckpt)
    arrays = [np.asarray(Image.open(p).convert("RGB")) for p in images]
    for a in arrays[:warm]:
        pred.predict(a, 0.05)
    t = time.perf_counter()
    for a in arrays[warm:]:
        pred.predict(a, 0.05)
    ours = (len(arrays) - warm) / (time.perf_counter() - t)
    model = pred.model.eval()
    tens = [torch.from_numpy(a).permute(2, 0, 1).float() / 255 for a in arrays]
    with torch.inference_mode():
        for x in tens[:warm]:
            model([x])
        t = time.perf_counter()
        for x in tens[warm:]:
            model([x])
    return ours, (len(arrays) - warm) / (time.perf_counter() - t)


def megapixel_latency(ckpt: Path, tmp: Path, repeats: int = 3) -> float:
    img = Image.fromarray(np.random.default_rng(1).integers(0, 255, (864, 1152, 3), dtype=np.uint8))  # 1.0 MP
    pred = _predictor(ckpt)
    pred.predict(img)
    t = time.perf_counter()
    for _ in range(repeats):
        pred.predict(img)
    return (time.perf_counter() - t) / repeats


def demo_coco(tmp: Path, coco: str | None, images: str | None) -> tuple[object, str | None, str]:
    if coco:
        return coco, images, f"--coco {coco}"
    try:
        from annotator.app.training_data import training_subset
        from annotator.demo import write_demo
        from annotator.io.coco import project_to_coco
        from annotator.io.native import load_project
    except ImportError as e:
        raise SystemExit(f"demo project unavailable ({e}); pass --coco FILE --images DIR") from None
    path = write_demo(tmp / "demo")
    project = load_project(path).project
    return project_to_coco(training_subset(project)), str(path.parent), "annotator.demo.write_demo (40 labelled images)"


def ap_after_minutes(minutes: float, tmp: Path, coco, images, source: str) -> dict:
    cfg = TrainConfig(
        coco=coco,
        images=images,
        out=str(tmp / "ap_run"),
        model="fast",
        weights="none",
        epochs=1000,
        workers=1,
        val_fraction=0.2,
        preview_images=0,
        tensorboard=False,
    )
    stop = threading.Event()
    timer = threading.Timer(minutes * 60, stop.set)
    timer.start()
    best, epochs, t0 = None, 0, time.perf_counter()
    try:
        for ev in fit(cfg, stop):
            if ev.kind == "epoch":
                epochs = ev.epoch
                ap = ev.metrics.get("segm_AP")
                if ap is not None and (best is None or ap > best):
                    best = ap
            elif ev.kind == "failed":
                raise RuntimeError(ev.reason)
    finally:
        timer.cancel()
    return {
        "figure": "demo_mask_AP",
        "model": "fast",
        "weights": "none",
        "cpu_minutes": minutes,
        "epochs": epochs,
        "best_segm_AP": best,
        "wall_s": round(time.perf_counter() - t0, 1),
        "dataset": source,
        "cores": os.cpu_count(),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer iterations; R50 v1 only as the large reference")
    ap.add_argument("--models", default=None, help="comma-separated registry names")
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=2, help="alternating engine/tutorial rounds (best kept)")
    ap.add_argument(
        "--ap-minutes", type=float, default=0, help="also train the fast model N minutes on the demo project"
    )
    ap.add_argument("--coco")
    ap.add_argument("--images")
    args = ap.parse_args()
    models = (
        args.models.split(",")
        if args.models
        else ["fast", "maskrcnn_resnet50_fpn"] + ([] if args.quick else ["maskrcnn_resnet50_fpn_v2"])
    )
    torch.set_num_threads(os.cpu_count() or 1)
    with tempfile.TemporaryDirectory(prefix="train_bench-") as tmpd:
        tmp = Path(tmpd)
        train_ips: dict[str, float] = {}
        for name in models:
            name = resolve_model_name(name)
            fast = name == "maskrcnn_mobilenet_v3_large_fpn"
            iters = (6 if fast else 2) if args.quick else (12 if fast else 4)
            warm = 2 if fast else 1
            coco = make_data(tmp / name, (iters + warm) * args.batch)
            cfg = bench_config(coco, tmp / name / "run", name, args.batch)
            # Alternate the two loops and keep each one's best round: other load on the machine
            # only ever slows a round down.
            plain = ours = 0.0
            for _ in range(args.rounds):
                plain = max(plain, tutorial_train(cfg, warm))
                ours = max(ours, engine_train(cfg, warm))
            train_ips[name] = ours
            imgs = sorted((tmp / name / "images").glob("*.jpg"))[: (5 if fast else 2) + 1]
            inf_ours, inf_plain = inference(Path(cfg.out) / "last.pth", imgs)
            row = {
                "model": name,
                "batch": args.batch,
                "timed_iters": iters,
                "image": "640x480",
                "train_img_s_engine": round(ours, 3),
                "train_img_s_tutorial": round(plain, 3),
                "engine_overhead_pct": round(100 * (plain / ours - 1), 1),
                "infer_img_s_predictor": round(inf_ours, 3),
                "infer_img_s_plain": round(inf_plain, 3),
                "infer_detections_cap": DETECTIONS_CAP,
                "rounds": args.rounds,
                "cores": os.cpu_count(),
                "torch": torch.__version__,
            }
            if fast:
                row["infer_1MP_s"] = round(megapixel_latency(Path(cfg.out) / "last.pth", tmp), 3)
            print(json.dumps(row), flush=True)
        f = train_ips.get("maskrcnn_mobilenet_v3_large_fpn")
        for ref in ("maskrcnn_resnet50_fpn", "maskrcnn_resnet50_fpn_v2"):
            if f and ref in train_ips:
                print(
                    json.dumps(
                        {
                            "figure": "fast_vs_r50_train_speed",
                            "reference": ref,
                            "ratio": round(f / train_ips[ref], 2),
                            "goal": ">= 8",
                        }
                    ),
                    flush=True,
                )
        if args.ap_minutes:
            coco, images, source = demo_coco(tmp, args.coco, args.images)
            print(json.dumps(ap_after_minutes(args.ap_minutes, tmp, coco, images, source)), flush=True)


if __name__ == "__main__":
    main()
