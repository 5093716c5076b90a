"""Assisted labelling quality and speed: for every labelled object, prompt each backend with the
object's box (and, a second run, the box plus one click at the interior point farthest from the
edge), and compare the proposal with the hand polygon. Prints one JSON line.

    python tests/benchmarks/assist_bench.py balloon/val/via_region_data.json --images balloon/val
    python tests/benchmarks/assist_bench.py balloon/val/via_region_data.json --images balloon/val \\
        --checkpoint runs/x/best.pth --backend grabcut model model+grabcut
    python tests/benchmarks/assist_bench.py gunsword/via_region_data.json --images gunsword/data --every 5

Per backend and prompt: mean / median IoU, share with IoU >= 0.8, seconds per object (wall and
CPU; the first object of an image, which pays for its features or embedding, and the rest),
vertices per proposal at the default tolerance. IoU is the proposal's polygon (at that tolerance,
holes cut out) against the hand polygon, both rasterised by pycocotools. ``best`` is the mean over objects of the best IoU
any proposal gave (what a user picking among the tool's offers gets)."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from annotator.assist import DEFAULT_TOLERANCE, AssistUnavailable, backends_named  # noqa: E402
from annotator.io import open_path  # noqa: E402
from annotator.io.images import load_image  # noqa: E402
from annotator.io.rle import parts_to_mask  # noqa: E402
from annotator.model.shapes import MultiPolygon  # noqa: E402


def object_mask(shape, h: int, w: int) -> np.ndarray:
    if isinstance(shape, MultiPolygon):
        parts = [(_flat(o), [_flat(x) for x in holes]) for o, holes in shape.parts]
    else:
        parts = [([v for p in shape.outline() for v in p], [])]
    return parts_to_mask(parts, h, w).astype(bool)


def _flat(ring) -> list[float]:
    return [v for xy in zip(ring.xs, ring.ys) for v in xy]


def deepest_point(mask: np.ndarray) -> tuple[float, float]:
    """The interior point farthest from the edge (a person's click in the middle)."""
    dist = cv2.distanceTransform(np.pad(mask, 1).astype(np.uint8), cv2.DIST_L2, 5)[1:-1, 1:-1]
    y, x = np.unravel_index(int(np.argmax(dist)), dist.shape)
    return float(x) + 0.5, float(y) + 0.5


def iou(a: np.ndarray, b: np.ndarray) -> float:
    union = np.logical_or(a, b).sum()
    return float(np.logical_and(a, b).sum() / union) if union else 0.0


def summarise(rows: list[dict]) -> dict:
    ious = [r["iou"] for r in rows]
    first = [r["wall"] for r in rows if r["first"]]
    later = [r["wall"] for r in rows if not r["first"]]
    return {
        "mean_iou": round(statistics.fmean(ious), 4),
        "median_iou": round(statistics.median(ious), 4),
        "share_iou_0.8": round(sum(i >= 0.8 for i in ious) / len(ious), 3),
        "s_first": round(statistics.fmean(first), 3) if first else None,
        "s_cached": round(statistics.fmean(later), 3) if later else None,
        "cpu_s_first": round(statistics.fmean([r["cpu"] for r in rows if r["first"]]), 3) if first else None,
        "cpu_s_cached": round(statistics.fmean([r["cpu"] for r in rows if not r["first"]]), 3) if later else None,
        "vertices_mean": round(statistics.fmean(r["vertices"] for r in rows), 1),
        "vertices_max": max(r["vertices"] for r in rows),
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("annotations", help="VIA or COCO file")
    ap.add_argument("--images", required=True, help="image folder")
    ap.add_argument("--checkpoint", help="a trained model (best.pth)")
    ap.add_argument("--backend", nargs="+", default=None, help="grabcut osam model model+grabcut (default: all usable)")
    ap.add_argument("--every", type=int, default=1, help="every Nth image of the sorted file names (5: gun/sword val)")
    ap.add_argument("--tolerance", type=float, default=DEFAULT_TOLERANCE)
    ap.add_argument("--limit", type=int, default=0, help="at most this many images (0: all)")
    args = ap.parse_args(argv)

    project = open_path(args.annotations, images=args.images).project
    images = sorted(project.images, key=lambda im: im.filename)[:: args.every]
    if args.limit:
        images = images[: args.limit]
    names = args.backend or (["model", "model+grabcut"] if args.checkpoint else []) + ["osam", "grabcut"]
    backends, skipped = [], {}
    for name in names:
        try:
            b = backends_named(name, args.checkpoint)[0]
        except AssistUnavailable as e:
            skipped[name] = str(e)
            continue
        why = b.problem()
        if why:
            skipped[name] = why
        else:
            backends.append(b)
    rows: dict[str, dict[str, list[dict]]] = {b.name: {"box": [], "box+click": []} for b in backends}
    best: list[float] = []
    for im in images:
        image = np.asarray(load_image(Path(args.images) / im.filename))
        h, w = image.shape[:2]
        truths = [object_mask(r.shape, h, w) for r in im.regions if r.shape.has_area]
        truths = [t for t in truths if t.any()]
        for b in backends:
            for prompt in ("box", "box+click"):
                for i, truth in enumerate(truths):
                    ys, xs = np.nonzero(truth)
                    box = (float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1))
                    clicks = [(*deepest_point(truth), True)] if prompt == "box+click" else []
                    key = (im.filename, prompt)  # each prompt run pays for its own first object
                    t0, c0 = time.perf_counter(), time.process_time()
                    p = b.propose(key, image, box, clicks, args.tolerance)
                    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
                    rows[b.name][prompt].append(
                        {
                            "iou": iou(p.full_mask(), truth),
                            "wall": wall,
                            "cpu": cpu,
                            "first": i == 0,
                            "vertices": p.vertex_count(),
                            "obj": (im.filename, i),
                        }
                    )
    per_object: dict = {}
    for runs in rows.values():
        for prompt_rows in runs.values():
            for r in prompt_rows:
                per_object[r["obj"]] = max(per_object.get(r["obj"], 0.0), r["iou"])
    best = list(per_object.values())
    out = {
        "data": args.annotations,
        "images": len(images),
        "objects": len(best),
        "tolerance": args.tolerance,
        "machine": f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the end",
        "backends": {name: {p: summarise(r) for p, r in runs.items() if r} for name, runs in rows.items()},
        "best_offered_mean_iou": round(statistics.fmean(best), 4) if best else None,
        "skipped": skipped,
    }
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
