"""Validation: losses, and COCO bbox/segm AP with pycocotools against the user's own ids."""

from __future__ import annotations

import contextlib
import io
import threading
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

import torch
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval
from torch import nn

from trainer.events import METRIC_KEYS, PREVIEW_SCORE
from trainer.inference.masks import detect
from trainer.inference.polygons import DEFAULT_TOLERANCE
from trainer.inference.predict import instances_to_coco, output_to_instances


@contextlib.contextmanager
def quiet():
    """pycocotools prints progress on stdout, which may carry JSON events: swallow it."""
    with contextlib.redirect_stdout(io.StringIO()):
        yield


def coco_from_dict(d: dict) -> COCO:
    with quiet():
        c = COCO()
        c.dataset = d
        c.createIndex()
    return c


def coco_metrics(gt: dict | COCO, results: list[dict]) -> dict[str, float | None]:
    """bbox/segm AP, AP50, AP75 (0..1). None where undefined (no ground truth)."""
    metrics: dict[str, float | None] = {k: None for k in METRIC_KEYS}
    gt_coco = gt if isinstance(gt, COCO) else coco_from_dict(gt)
    if not gt_coco.getAnnIds():
        return metrics
    if not results:
        return {k: 0.0 for k in METRIC_KEYS}
    with quiet():
        dt = gt_coco.loadRes(results)
        for iou_type in ("bbox", "segm"):
            ev = COCOeval(gt_coco, dt, iou_type)
            ev.evaluate()
            ev.accumulate()
            ev.summarize()
            for key, v in zip(("AP", "AP50", "AP75"), ev.stats[:3]):
                metrics[f"{iou_type}_{key}"] = None if v < 0 else float(v)
    return metrics


def _unwrap(model: nn.Module) -> nn.Module:
    return getattr(model, "module", model)


@torch.inference_mode()
def predict_dataset(
    model: nn.Module,
    dataset,
    device: torch.device,
    category_ids: Sequence[int],
    class_names: Sequence[str],
    preview_n: int = 0,
    stop: threading.Event | None = None,
    amp: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[list[dict], list[dict[str, Any]]]:
    """Run the model over every image, one at a time: COCO results (RLE masks), plus preview
    items for the first ``preview_n``. ``progress(done, total)`` follows each image."""
    model = _unwrap(model)
    model.eval()
    results, previews = [], []
    for idx in range(len(dataset)):
        if stop is not None and stop.is_set():
            break
        img, target = dataset[idx]
        if "unreadable" not in target:  # a stand-in for an image that failed to decode has no result
            with torch.autocast(device.type, enabled=amp):
                found = detect(model, img.to(device))
            found = {k: v.float() if v.is_floating_point() else v for k, v in found.items()}
            h, w = img.shape[-2:]
            instances = output_to_instances(found, (h, w), class_names, score_threshold=0.0, tolerance=None)
            results += instances_to_coco(target["image_id"], instances, category_ids)
            if idx < preview_n:
                shown = [i.at_tolerance(DEFAULT_TOLERANCE) for i in instances if i.score >= PREVIEW_SCORE]
                previews.append(
                    {
                        "image_id": target["image_id"],
                        "file_name": dataset.file_name(idx),
                        "width": int(w),
                        "height": int(h),
                        "instances": [i.to_dict() for i in shown],
                    }
                )
        if progress is not None:
            progress(idx + 1, len(dataset))
    return results, previews


@torch.no_grad()
def validation_losses(
    model: nn.Module,
    loader,
    device: torch.device,
    loss_weights: dict[str, float],
    stop: threading.Event | None = None,
    amp: bool = False,
) -> dict[str, float]:
    """Mean losses on the val set: torchvision returns losses only in train mode, so use it
    with BatchNorm frozen (running statistics must not learn from validation images)."""
    model = _unwrap(model)
    model.train()
    bns = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    for m in bns:
        m.eval()
    sums: dict[str, float] = defaultdict(float)
    n = 0
    try:
        for images, targets in loader:
            if stop is not None and stop.is_set():
                break
            images = [i.to(device) for i in images]
            targets = [
                {k: (v.to(device) if torch.is_tensor(v) else v) for k, v in t.items() if k != "unreadable"}
                for t in targets
            ]
            with torch.autocast(device.type, enabled=amp):
                losses = model(images, targets)
            for k, v in losses.items():
                sums[k] += float(v)
            sums["total"] += float(sum(loss_weights.get(k, 1.0) * v for k, v in losses.items()))
            n += 1
    finally:
        model.eval()
    return {k: v / max(n, 1) for k, v in sums.items()} if n else {}


def match_categories(class_names: Sequence[str], categories: list[dict]) -> list[int | None]:
    """For evaluating a checkpoint on another COCO file: label → that file's category id, by name."""
    by_name = {str(c.get("name")): c["id"] for c in categories}
    return [by_name.get(n) for n in class_names]
