"""Masks → polygons a person can edit: OpenCV contours simplified by Douglas–Peucker.

OpenCV and numpy load on first use: the CLI's ``--help`` and the window read
``DEFAULT_TOLERANCE`` without them."""

from __future__ import annotations

from typing import Any

DEFAULT_TOLERANCE = 1.0  # px: Douglas–Peucker's largest allowed distance from the mask's edge


def mask_to_polygons(
    mask: Any, tolerance: float = DEFAULT_TOLERANCE, min_area: float = 8.0, offset: tuple[int, int] = (0, 0)
) -> list[list[float]]:
    """Outer contours (OpenCV) simplified by Douglas–Peucker (``approxPolyDP``): no vertex strays
    more than ``tolerance`` pixels from the mask's edge. Specks below ``min_area`` px² are dropped;
    ``offset`` (x, y) places a box crop in its image. Flat [x0, y0, x1, y1, ...] lists in continuous
    coordinates (pixel centre + 0.5), as COCO and VIA polygons are."""
    import cv2
    import numpy as np

    m = np.ascontiguousarray(mask, dtype=np.uint8)
    if not m.any():
        return []
    contours, _ = cv2.findContours(m, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    shift = np.array(offset, np.float64) + 0.5
    polys = []
    for c in contours:
        if cv2.contourArea(c) < min_area:
            continue
        c = cv2.approxPolyDP(c, tolerance, True)
        if len(c) >= 3:
            polys.append([round(float(v), 1) for v in (c.reshape(-1, 2) + shift).reshape(-1)])
    return polys
