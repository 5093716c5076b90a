"""The "is it helping?" figure of live training: for an image the user finished after a pre-label,
the IoU between the pre-label and what the user kept, matched per object, and the seconds spent.

Objects are COCO annotations (``category_id``, polygon ``segmentation``). Pairs of the same class are
matched greedily by IoU (highest first); the image's figure is the sum of the matched IoUs over the
matched pairs plus every unmatched object on either side, so a missed object and a spurious one
each count as a 0."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pycocotools import mask as mask_utils

QUALITY_FILE = "prelabel_quality.jsonl"  # in the live run's folder: one line per finished image
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ImageQuality:
    image_id: int
    iou: float
    predicted: int  # objects in the pre-label
    kept: int  # objects the user finished with
    seconds: float | None = None
    prelabelled: bool = True  # False: no model yet, so nothing helped (iou 0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "image_id": self.image_id,
            "iou": round(self.iou, 4),
            "predicted": self.predicted,
            "kept": self.kept,
            "seconds": None if self.seconds is None else round(self.seconds, 2),
            "prelabelled": self.prelabelled,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ImageQuality:
        seconds = d.get("seconds")
        return cls(
            int(d["image_id"]),
            float(d["iou"]),
            int(d.get("predicted") or 0),
            int(d.get("kept") or 0),
            float(seconds) if isinstance(seconds, (int, float)) else None,
            bool(d.get("prelabelled", True)),
        )


def _rle(ann: dict[str, Any], height: int, width: int) -> Any:
    seg = ann.get("segmentation")
    polys = [p for p in seg if isinstance(p, (list, tuple)) and len(p) >= 6] if isinstance(seg, list) else []
    if not polys:
        return None
    return mask_utils.merge(mask_utils.frPyObjects([list(map(float, p)) for p in polys], height, width))


def matched_iou(predicted: list[dict[str, Any]], kept: list[dict[str, Any]], height: int, width: int) -> float:
    """Per-object matched IoU of a pre-label against the kept annotations (1.0 when both are empty)."""
    if not predicted and not kept:
        return 1.0
    pairs: list[tuple[float, int, int]] = []
    p_rles = [_rle(a, height, width) for a in predicted]
    k_rles = [_rle(a, height, width) for a in kept]
    for i, (pa, pr) in enumerate(zip(predicted, p_rles)):
        for j, (ka, kr) in enumerate(zip(kept, k_rles)):
            if pr is None or kr is None or pa.get("category_id") != ka.get("category_id"):
                continue
            iou = float(mask_utils.iou([pr], [kr], [0])[0][0])
            if iou > 0:
                pairs.append((iou, i, j))
    used_p: set[int] = set()
    used_k: set[int] = set()
    total = 0.0
    for iou, i, j in sorted(pairs, reverse=True):
        if i not in used_p and j not in used_k:
            used_p.add(i)
            used_k.add(j)
            total += iou
    return total / (len(predicted) + len(kept) - len(used_p))


def image_quality(
    image_id: int,
    predicted: list[dict[str, Any]] | None,
    kept: list[dict[str, Any]],
    size: tuple[int, int],
    seconds: float | None = None,
) -> ImageQuality:
    """`size`: (width, height). `predicted` None: the image had no pre-label (iou 0)."""
    w, h = size
    if predicted is None:
        return ImageQuality(image_id, 0.0, 0, len(kept), seconds, prelabelled=False)
    return ImageQuality(image_id, matched_iou(predicted, kept, h, w), len(predicted), len(kept), seconds)


def rolling_mean(values: list[float], n: int = 10) -> list[float]:
    return [sum(values[max(0, i - n + 1) : i + 1]) / len(values[max(0, i - n + 1) : i + 1]) for i in range(len(values))]


def images_until(values: list[float], target: float, n: int = 10) -> int | None:
    """How many images until the mean of the last `n` first reached `target` (needs `n` images)."""
    for i, m in enumerate(rolling_mean(values, n)):
        if i + 1 >= n and m >= target:
            return i + 1
    return None


def append_quality(folder: Path, quality: ImageQuality) -> None:
    """Keep the figure in the live run's folder, so the curve outlives the window. A folder that
    cannot be written costs the record, never the labelling (logged)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / QUALITY_FILE, "a", encoding="utf-8") as f:
            f.write(json.dumps(quality.to_dict()) + "\n")
    except OSError as e:
        log.warning("could not record the pre-label quality in %s: %s", folder, e)


def read_quality(folder: Path) -> list[ImageQuality]:
    """The figures a live run recorded; a damaged line (a killed write) is skipped."""
    try:
        text = (folder / QUALITY_FILE).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    out = []
    for line in text.splitlines():
        try:
            out.append(ImageQuality.from_dict(json.loads(line)))
        except (ValueError, KeyError, TypeError):
            continue
    return out


def recent_ious(quality: list[ImageQuality], n: int = 10) -> list[float]:
    """The IoUs of the last `n` images that had a pre-label (the figure's "last 10")."""
    return [q.iou for q in quality if q.prelabelled][-n:]


def quality_text(quality: list[ImageQuality], n: int = 10) -> str:
    """In words: "pre-label IoU 0.25 over the last 10 of 31 images", or why there is none."""
    last = recent_ious(quality, n)
    if not last:
        return f"no pre-label yet ({len(quality)} labelled)" if quality else "no image labelled while it learned"
    return f"pre-label IoU {sum(last) / len(last):.2f} over the last {len(last)} of {len(quality)} images"
