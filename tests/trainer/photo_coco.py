"""Ground truth of tests/real_photos.py layouts as COCO, and polygon rasterising for alignment checks
(PIL's rasteriser, independent of the trainer's pycocotools one)."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from tests.real_photos import CLASSES, PhotoSet


def photos_to_coco(photos: PhotoSet) -> dict:
    images, anns = [], []
    for i, p in enumerate(photos.photos, 1):
        images.append({"id": i, "file_name": p.filename, "width": p.width, "height": p.height})
        for cls, pts in p.objects:
            xs, ys = [x for x, _ in pts], [y for _, y in pts]
            anns.append(
                {
                    "id": len(anns) + 1,
                    "image_id": i,
                    "category_id": CLASSES.index(cls) + 1,
                    "iscrowd": 0,
                    "segmentation": [[c for xy in pts for c in xy]],
                    "bbox": [min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)],
                    "area": 1.0,
                }
            )
    cats = [{"id": i + 1, "name": c} for i, c in enumerate(CLASSES)]
    return {"images": images, "annotations": anns, "categories": cats}


def raster(pts, size: tuple[int, int], sx: float, sy: float, flip: bool = False) -> np.ndarray:
    """The polygon `pts` (displayed pixels of the original photo) scaled by (sx, sy) and drawn on a
    `size` (w, h) canvas; mirrored left-right when `flip`."""
    w, h = size
    scaled = [((w - x * sx) if flip else x * sx, y * sy) for x, y in pts]
    im = Image.new("L", (w, h), 0)
    ImageDraw.Draw(im).polygon(scaled, fill=1)
    return np.array(im, bool)


def iou(a: np.ndarray, b: np.ndarray) -> float:
    union = np.logical_or(a, b).sum()
    return float(np.logical_and(a, b).sum() / union) if union else 0.0
