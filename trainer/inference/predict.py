"""Checkpoint + images → instances (mask, box, score, class) and their polygons; COCO results."""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch
from PIL import Image, ImageOps
from pycocotools import mask as mask_utils

from polymask_common.atomic import atomic_write_text
from polymask_common.pixels import TooManyPixels, open_rgb, to_rgb
from trainer.errors import TrainerError
from trainer.inference.masks import detect, paste_in_box
from trainer.inference.polygons import DEFAULT_TOLERANCE, mask_to_polygons
from trainer.model.checkpoint import load_checkpoint
from trainer.model.checkpoint_checks import model_from_checkpoint
from trainer.model.registry import resolve_device


@dataclass
class Instance:
    """One detection. Its mask is kept as the part inside its box (``crop`` at ``origin``): a
    full-image mask per detection would cost 12 MB each on a 12 MP photo."""

    crop: np.ndarray  # bool, the mask inside its box
    origin: tuple[int, int]  # (x, y) of crop[0, 0] in the image
    image_size: tuple[int, int]  # (height, width)
    box: tuple[float, float, float, float]  # x0, y0, x1, y1
    score: float
    label: int  # 1..K
    class_name: str
    polygons: list[list[float]] = field(default_factory=list)  # flat [x0, y0, x1, y1, ...]
    tolerance: float | None = None  # what the polygons were simplified with, in pixels (None: not made)

    @property
    def mask(self) -> np.ndarray:
        """The H×W bool mask, made on each call."""
        return self._canvas(bool)

    def rle(self) -> dict:
        """pycocotools' compressed RLE of the full mask."""
        return mask_utils.encode(self._canvas(np.uint8, "F"))

    def _canvas(self, dtype: Any, order: Any = "C") -> np.ndarray:
        full = np.zeros(self.image_size, dtype, order=order)
        x, y = self.origin
        full[y : y + self.crop.shape[0], x : x + self.crop.shape[1]] = self.crop
        return full

    def at_tolerance(self, tolerance: float) -> Instance:
        """This instance with its polygons simplified to ``tolerance`` pixels instead."""
        if tolerance == self.tolerance:
            return self
        polygons = mask_to_polygons(self.crop, tolerance, offset=self.origin)
        return dataclasses.replace(self, polygons=polygons, tolerance=tolerance)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe, without the mask."""
        return {
            "label": self.label,
            "class_name": self.class_name,
            "score": round(float(self.score), 4),
            "box": [round(float(v), 2) for v in self.box],
            "polygons": self.polygons,
        }


def _decode_file(path: str | os.PathLike) -> np.ndarray:
    """A file as 8-bit RGB the way the viewer and training see it (pixels.open_rgb: the
    pixel cap from the header, 16-bit and float scaled by their range)."""
    try:
        return np.array(open_rgb(path))
    except TooManyPixels as e:
        raise TrainerError(f"Cannot read the image {path}: {str(e).removeprefix(f'{path}: ')}") from None
    except FileNotFoundError:
        raise TrainerError(f"The image {path} does not exist.") from None
    except Exception as e:  # noqa: BLE001
        raise TrainerError(f"Cannot read the image {path}: {e}") from None


def to_rgb_array(image: Any) -> np.ndarray:
    """Path, PIL image or array → HxWx3 uint8 RGB, EXIF orientation applied for files/PIL."""
    if isinstance(image, (str, os.PathLike)):
        return _decode_file(image)
    if isinstance(image, Image.Image):
        return np.array(to_rgb(ImageOps.exif_transpose(image)))
    arr = np.asarray(image)
    if arr.ndim == 2:
        arr = np.repeat(arr[:, :, None], 3, axis=2)
    if arr.ndim != 3 or arr.shape[2] not in (3, 4):
        raise TrainerError(f"Expected an HxWx3 image array, got shape {arr.shape}.")
    if arr.dtype != np.uint8:
        raise TrainerError(f"Expected a uint8 image array, got {arr.dtype}.")
    return np.ascontiguousarray(arr[:, :, :3])


def output_to_instances(
    detections: dict[str, torch.Tensor],
    image_size: tuple[int, int],
    class_names: Sequence[str],
    score_threshold: float = 0.5,
    mask_threshold: float = 0.5,
    tolerance: float | None = DEFAULT_TOLERANCE,
) -> list[Instance]:
    """``masks.detect``'s output for an image of ``image_size`` (height, width) → instances at or
    above ``score_threshold``, masks pasted at full resolution; no polygons when ``tolerance`` is None."""
    keep = detections["scores"] >= score_threshold
    scores = detections["scores"][keep].tolist()
    labels = detections["labels"][keep].tolist()
    boxes = detections["boxes"][keep]
    probs = detections["mask_probs"][keep]
    h, w = image_size
    out = []
    for s, lab, b, p in zip(scores, labels, boxes, probs):
        crop, x, y = paste_in_box(p, b, h, w, mask_threshold)
        out.append(
            Instance(
                crop=crop,
                origin=(x, y),
                image_size=(h, w),
                box=(float(b[0]), float(b[1]), float(b[2]), float(b[3])),
                score=float(s),
                label=int(lab),
                class_name=class_names[lab - 1] if 1 <= lab <= len(class_names) else str(int(lab)),
                polygons=mask_to_polygons(crop, tolerance, offset=(x, y)) if tolerance is not None else [],
                tolerance=tolerance,
            )
        )
    return out


class Predictor:
    """A trained model ready for inference. ``predict(image)`` → list of Instance."""

    def __init__(
        self,
        model: torch.nn.Module,
        class_names: list[str],
        category_ids: list[int] | None = None,
        device: torch.device | str = "cpu",
        metrics: dict | None = None,
    ):
        self.device = torch.device(device)
        self.model = model.to(self.device).eval()
        self.class_names = list(class_names)
        self.category_ids = list(category_ids) if category_ids else list(range(1, len(class_names) + 1))
        self.metrics = metrics or {}

    @classmethod
    def from_checkpoint(cls, path: str | os.PathLike, device: str = "auto") -> Predictor:
        ckpt = load_checkpoint(path)
        names = list(ckpt["class_names"])
        model = model_from_checkpoint(ckpt, path, len(names) + 1)  # checked before anything is allocated
        return cls(model, names, ckpt.get("category_ids"), resolve_device(device), ckpt.get("metrics"))

    @torch.inference_mode()
    def predict(
        self,
        image: Any,
        score_threshold: float = 0.5,
        mask_threshold: float = 0.5,
        tolerance: float = DEFAULT_TOLERANCE,
    ) -> list[Instance]:
        """Instances at or above ``score_threshold``; polygons within ``tolerance`` px of the masks."""
        arr = to_rgb_array(image)
        heads: Any = self.model.roi_heads  # torchvision's RoIHeads
        old = heads.score_thresh
        heads.score_thresh = min(old, score_threshold)  # never hide what the user asked to see
        try:
            x = torch.tensor(arr, device=self.device).permute(2, 0, 1).float() / 255  # a copy: arr may be read-only
            found = detect(self.model, x)
        finally:
            heads.score_thresh = old
        return output_to_instances(found, arr.shape[:2], self.class_names, score_threshold, mask_threshold, tolerance)


def instances_to_coco(
    image_id: int, instances: Iterable[Instance], category_ids: Sequence[int], file_name: str | None = None
) -> list[dict]:
    """COCO results entries (bbox xywh, RLE segmentation) with the user's category ids."""
    out = []
    for inst in instances:
        rle = inst.rle()
        x0, y0, x1, y1 = inst.box
        r = {
            "image_id": image_id,
            "category_id": category_ids[inst.label - 1],
            "bbox": [round(x0, 2), round(y0, 2), round(x1 - x0, 2), round(y1 - y0, 2)],
            "score": round(float(inst.score), 5),
            "segmentation": {"size": [int(v) for v in rle["size"]], "counts": rle["counts"].decode("ascii")},
        }
        if file_name is not None:
            r["file_name"] = file_name
        out.append(r)
    return out


def write_coco_results(
    path: str | os.PathLike,
    items: Iterable[tuple[int, Iterable[Instance]]],
    category_ids: Sequence[int],
    file_names: dict[int, str] | None = None,
) -> Path:
    """Write a COCO results JSON (a list; loads with ``COCO.loadRes``). ``items``: (image_id, instances)."""
    results = []
    for image_id, instances in items:
        results += instances_to_coco(image_id, instances, category_ids, (file_names or {}).get(image_id))
    return write_results(path, results)


def write_results(path: str | os.PathLike, results: list[dict]) -> Path:
    """Write COCO results entries (``instances_to_coco``) atomically."""
    path = Path(path)
    try:
        atomic_write_text(path, json.dumps(results))
    except OSError as e:
        raise TrainerError(f"Cannot write the results {path}: {e.strerror or e}.") from None
    return path


def label_colour(label: int) -> tuple[int, int, int]:
    """A stable, light RGB colour per class label (overlays drawn by the trainer)."""
    r, g, b = (int(c) for c in np.random.default_rng(label * 7919).integers(60, 255, 3))
    return (r, g, b)


def draw_overlay(image: Any, instances: Sequence[Instance], alpha: float = 0.45) -> np.ndarray:
    """RGB uint8 picture: filled masks, outlines, class names and scores."""
    arr = to_rgb_array(image).copy()
    for inst in instances:
        fill = np.array(label_colour(inst.label), np.float32)
        x, y = inst.origin
        region = arr[y : y + inst.crop.shape[0], x : x + inst.crop.shape[1]]
        region[inst.crop] = (region[inst.crop] * (1 - alpha) + fill * alpha).astype(np.uint8)
    for inst in instances:
        col = label_colour(inst.label)
        for p in inst.polygons:
            pts = np.array(p, np.float32).reshape(-1, 1, 2).round().astype(np.int32)
            cv2.polylines(arr, [pts], True, col, 2, cv2.LINE_AA)
        x0, y0 = int(inst.box[0]), int(inst.box[1])
        text = f"{inst.class_name} {inst.score:.2f}"
        (tw, th), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, 0.5, 1)
        y = max(th + 4, y0)
        cv2.rectangle(arr, (x0, y - th - 4), (x0 + tw + 4, y), col, -1)
        cv2.putText(arr, text, (x0 + 2, y - 3), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 1, cv2.LINE_AA)
    return arr
