"""What an assist backend answers: a mask (a crop placed in its image) and the polygon a person
edits — parts and holes from OpenCV's two-level contours, each ring simplified by Douglas–Peucker
to a tolerance in pixels that the tool's detail slider changes."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import cv2
import numpy as np

from ..model.shapes import MultiPolygon, Polygon, Shape

DEFAULT_TOLERANCE = 2.0  # px: a 2 MP balloon in ~25 vertices (at most ~45), none more than 2 px off the mask
MIN_AREA = 16.0  # px²: specks below this are not parts or holes

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in image pixels
Click = tuple[float, float, bool]  # x, y, True for the object (False: background)
Ring = list[float]  # flat [x0, y0, x1, y1, ...], continuous coordinates (pixel centre + 0.5)


def _ring(contour: np.ndarray, tolerance: float, shift: np.ndarray) -> Ring | None:
    if cv2.contourArea(contour) < MIN_AREA:
        return None
    c = cv2.approxPolyDP(contour, tolerance, True) if tolerance > 0 else contour
    if len(c) < 3:
        return None
    return [round(float(v), 1) for v in (c.reshape(-1, 2) + shift).reshape(-1)]


def mask_to_parts(
    mask: np.ndarray, tolerance: float, origin: tuple[int, int] = (0, 0)
) -> list[tuple[Ring, list[Ring]]]:
    """(outer ring, holes) of each blob of a bool mask placed at ``origin`` (x, y); largest first."""
    m = np.ascontiguousarray(mask, dtype=np.uint8)
    if not m.any():
        return []
    contours, hierarchy = cv2.findContours(m, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_NONE)
    shift = np.array(origin, np.float64) + 0.5
    parts = []
    for i, contour in enumerate(contours):
        if hierarchy[0][i][3] != -1:
            continue  # a hole, taken with its blob
        outer = _ring(contour, tolerance, shift)
        if outer is None:
            continue
        holes, child = [], hierarchy[0][i][2]
        while child != -1:
            hole = _ring(contours[child], tolerance, shift)
            if hole is not None:
                holes.append(hole)
            child = hierarchy[0][child][0]
        parts.append((cv2.contourArea(contour), outer, holes))
    parts.sort(key=lambda p: -p[0])
    return [(outer, holes) for _, outer, holes in parts]


@dataclass(frozen=True)
class Proposal:
    """A backend's answer. ``mask`` is the bool crop at ``origin`` (x, y) of an image of
    ``image_size`` (h, w); ``parts`` its polygon at ``tolerance``."""

    mask: np.ndarray
    origin: tuple[int, int]
    image_size: tuple[int, int]
    score: float
    backend: str
    class_name: str | None = None  # the backend's suggestion (the own model's class)
    tolerance: float = DEFAULT_TOLERANCE
    parts: list[tuple[Ring, list[Ring]]] = field(default_factory=list)
    seconds: float = 0.0

    @classmethod
    def from_mask(
        cls,
        mask: np.ndarray,
        origin: tuple[int, int],
        image_size: tuple[int, int],
        score: float,
        backend: str,
        class_name: str | None = None,
        tolerance: float = DEFAULT_TOLERANCE,
    ) -> Proposal:
        mask, origin = _trimmed(np.asarray(mask, bool), origin)
        return cls(
            mask, origin, image_size, score, backend, class_name, tolerance, mask_to_parts(mask, tolerance, origin)
        )

    @property
    def empty(self) -> bool:
        return not self.parts

    def at_tolerance(self, tolerance: float) -> Proposal:
        if tolerance == self.tolerance:
            return self
        return dataclasses.replace(self, tolerance=tolerance, parts=mask_to_parts(self.mask, tolerance, self.origin))

    def vertex_count(self) -> int:
        return sum(len(outer) // 2 + sum(len(h) // 2 for h in holes) for outer, holes in self.parts)

    def full_mask(self) -> np.ndarray:
        out = np.zeros(self.image_size, bool)
        x, y = self.origin
        out[y : y + self.mask.shape[0], x : x + self.mask.shape[1]] = self.mask
        return out

    def shape(self) -> Shape | None:
        """A Polygon for one part without holes, else a MultiPolygon; None when empty."""
        if not self.parts:
            return None
        polys = [(_polygon(outer), tuple(_polygon(h) for h in holes)) for outer, holes in self.parts]
        if len(polys) == 1 and not polys[0][1]:
            return polys[0][0]
        return MultiPolygon(tuple(polys))

    def bbox(self) -> list[float]:
        """COCO [x, y, w, h] of the mask's pixels."""
        ys, xs = np.nonzero(self.mask)
        if not len(xs):
            return [0.0, 0.0, 0.0, 0.0]
        x, y = self.origin
        return [
            float(x + xs.min()),
            float(y + ys.min()),
            float(xs.max() - xs.min() + 1),
            float(ys.max() - ys.min() + 1),
        ]

    def to_json(self) -> dict:
        """COCO-style: ``segmentation`` (polygons, outer rings; holes as ``holes``, per part), bbox,
        area, score, backend, class."""
        return {
            "segmentation": [outer for outer, _ in self.parts],
            "holes": [holes for _, holes in self.parts],
            "bbox": [round(v, 1) for v in self.bbox()],
            "area": int(self.mask.sum()),
            "score": round(float(self.score), 4),
            "backend": self.backend,
            "class_name": self.class_name,
            "tolerance": self.tolerance,
            "vertices": self.vertex_count(),
        }


def _polygon(flat: Ring) -> Polygon:
    return Polygon(tuple(flat[0::2]), tuple(flat[1::2]))


def _trimmed(mask: np.ndarray, origin: tuple[int, int]) -> tuple[np.ndarray, tuple[int, int]]:
    """The mask cut to its pixels' box (a full-image mask of a small object costs 3 MB a copy)."""
    rows, cols = np.any(mask, 1), np.any(mask, 0)
    if not rows.any():
        return mask[:0, :0], origin
    y0, y1 = np.argmax(rows), len(rows) - np.argmax(rows[::-1])
    x0, x1 = np.argmax(cols), len(cols) - np.argmax(cols[::-1])
    return mask[y0:y1, x0:x1], (origin[0] + int(x0), origin[1] + int(y0))
