"""Objects a model cannot learn from: a segmentation that covers no pixel once rasterised
(no polygon of three points, all points on a line, an all-zero RLE, none at all)."""

from __future__ import annotations

import math
from typing import Any

from pycocotools import mask as mask_utils


def _polygons(seg: list) -> list[list[float]]:
    out = []
    for p in seg:
        if (
            isinstance(p, (list, tuple))
            and len(p) >= 6
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in p)
        ):
            out.append([float(v) for v in p])
    return out


def segmentation_area(seg: Any, height: int, width: int) -> int:
    """Pixels ``seg`` covers when rasterised as training does (pycocotools); 0 when it is empty or unusable."""
    try:
        if isinstance(seg, list):
            polys = _polygons(seg)
            if not polys:
                return 0
            return int(mask_utils.area(mask_utils.merge(mask_utils.frPyObjects(polys, height, width))))
        if isinstance(seg, dict) and "counts" in seg:
            if isinstance(seg["counts"], list):
                h, w = seg.get("size", (height, width))
                return int(mask_utils.area(mask_utils.frPyObjects(seg, h, w)))
            rle = dict(seg)
            if isinstance(rle["counts"], str):
                rle["counts"] = rle["counts"].encode("ascii")
            return int(mask_utils.area(rle))  # counts the runs; never decodes the mask
    except Exception:  # noqa: BLE001 - pycocotools raises plain Exceptions for malformed input
        return 0
    return 0
