"""COCO masks <-> polygons: run-length encodings checked and decoded, masks traced.

pycocotools trusts its input (a corrupt counts string decodes to garbage
pixels, not an error), so RLEs are checked and decoded here, with numpy.
Masks are traced with OpenCV along pixel *edges*, so that pycocotools rasterises
the traced polygon back to the same pixels.
"""

from __future__ import annotations

import math
import operator

import cv2
import numpy as np
import shapely
from pycocotools import mask as mask_utils
from shapely.geometry import Polygon as ShapelyPolygon

from .limits import MAX_IMAGE_PIXELS, too_many_pixels

Point2 = tuple[float, float]


def _string_counts(s: str) -> list[int]:
    """COCO's compressed counts string as run lengths (maskApi.c rleFrString)."""
    counts: list[int] = []
    p = 0
    while p < len(s):
        x, k, more = 0, 0, True
        while more:
            if p >= len(s):
                raise ValueError("the RLE counts string ends in the middle of a number")
            if k >= 13:  # over 64 bits: no real mask has such a run (and decoding it would be slow)
                raise ValueError("the RLE counts string has a run longer than any mask")
            c = ord(s[p]) - 48
            if not 0 <= c < 64:
                raise ValueError(f"the RLE counts string has an invalid character {s[p]!r}")
            x |= (c & 0x1F) << (5 * k)
            more = bool(c & 0x20)
            p += 1
            k += 1
            if not more and c & 0x10:
                x |= -1 << (5 * k)  # sign extension
        if len(counts) > 2:
            x += counts[-2]  # runs after the first two are stored as differences
        counts.append(x)
    return counts


def rle_runs(seg) -> tuple[int, int, list[int]]:
    """(height, width, run lengths) of a COCO RLE segmentation, compressed (counts
    a string) or not (counts a list). Raises ValueError when it is invalid."""
    if not isinstance(seg, dict):
        raise ValueError("the RLE is not an object")
    size = seg.get("size")
    if (
        not isinstance(size, list)
        or len(size) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in size)
    ):
        raise ValueError(f"the RLE size {size!r} is not [height, width]")
    h, w = size
    if too_many_pixels(h, w):  # before decoding: a few bytes of counts can declare gigabytes
        raise ValueError(f"the RLE declares a {h}x{w} mask, more than the {MAX_IMAGE_PIXELS:,} pixels Polymask decodes")
    counts = seg.get("counts")
    if isinstance(counts, list):
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in counts):
            raise ValueError("the RLE counts are not all integers")
        runs = counts
    elif isinstance(counts, str):
        runs = _string_counts(counts)
    else:
        raise ValueError("the RLE has no counts")
    if any(v < 0 for v in runs) or sum(runs) != h * w:
        raise ValueError(f"the RLE counts do not cover a {h}x{w} mask (they sum to {sum(runs)})")
    return h, w, runs


def mask_from_segmentation(seg, image_size: tuple[int | None, int | None] = (None, None)) -> np.ndarray:
    """The (height, width) uint8 mask of a COCO RLE segmentation; raises ValueError.

    `image_size` is the image's (height, width) when known: a mask larger than its
    image is refused before anything is decoded."""
    size = seg.get("size") if isinstance(seg, dict) else None
    img_h, img_w = image_size
    if (
        img_h is not None
        and img_w is not None
        and isinstance(size, list)
        and len(size) == 2
        and all(isinstance(v, int) for v in size)
        and size[0] * size[1] > img_h * img_w
    ):
        raise ValueError(f"the RLE declares a {size[0]}x{size[1]} mask for a {img_h}x{img_w} image; not decoded")
    h, w, runs = rle_runs(seg)
    # Runs alternate 0, 1, 0, ... over the pixels in column-major order.
    values = np.arange(len(runs), dtype=np.uint8) % 2
    return np.repeat(values, runs).reshape(w, h).T.copy()


def polygons_to_mask(parts: list[list[float]], height: int, width: int) -> np.ndarray:
    """Flat COCO polygons rasterised exactly as pycocotools' annToMask does."""
    return mask_utils.decode(mask_utils.merge(mask_utils.frPyObjects(parts, height, width)))


def mask_to_polygons(mask: np.ndarray) -> list[list[Point2]]:
    """Outer outlines of a mask's blobs, largest first (holes are not traced).

    OpenCV's contour runs through pixel centres; shifting it by half a pixel and
    growing it by half a pixel with square corners puts it on the pixel edges,
    which pycocotools rasterises back to the same pixels.
    """
    contours, _ = cv2.findContours(
        np.ascontiguousarray(mask, dtype=np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE
    )
    polygons: list[tuple[float, list[Point2]]] = []
    for contour in contours:
        pts = contour.reshape(-1, 2).astype(float) + 0.5
        geom = (
            ShapelyPolygon(pts)
            if len(pts) >= 3
            else shapely.geometry.LineString(pts)
            if len(pts) == 2
            else shapely.geometry.Point(pts[0])
        )
        grown = geom.buffer(0.5, join_style="mitre", cap_style="square", mitre_limit=2.0)
        for part in getattr(grown, "geoms", [grown]):
            if part.geom_type == "Polygon" and part.area > 0:
                polygons.append((part.area, [(float(x), float(y)) for x, y in part.exterior.coords[:-1]]))
    polygons.sort(key=lambda item: -item[0])
    return [pts for _, pts in polygons]


def mask_to_geometry(mask: np.ndarray):
    """The shapely area of a mask on pixel edges: its blobs (as `mask_to_polygons`) minus its
    holes, which are the background blobs not connected to the border (4-connected, as
    pycocotools' pixels meet), traced the same way. None when the mask is empty."""
    blobs = [ShapelyPolygon(pts) for pts in mask_to_polygons(mask)]
    if not blobs:
        return None
    padded = np.pad(np.ascontiguousarray(mask, dtype=np.uint8) == 0, 1, constant_values=True).astype(np.uint8)
    n, labels = cv2.connectedComponents(padded, connectivity=4)
    outside = labels[0, 0]
    holes = [
        ShapelyPolygon(pts)
        for label in range(1, n)
        if label != outside
        for pts in mask_to_polygons((labels[1:-1, 1:-1] == label).astype(np.uint8))
    ]
    geom = shapely.union_all(blobs)
    return geom.difference(shapely.union_all(holes)) if holes else geom


def parts_to_rle(parts: list[tuple[list[float], list[list[float]]]], height: int, width: int) -> dict:
    """A compressed COCO RLE of flat (outer, holes) parts: COCO polygons cannot hold holes."""
    mask = polygons_to_mask([outer for outer, _ in parts], height, width)
    holes = [h for _, hs in parts for h in hs]
    if holes:
        mask &= 1 - polygons_to_mask(holes, height, width)
    rle = mask_utils.encode(np.asfortranarray(mask))
    return {"size": [int(height), int(width)], "counts": rle["counts"].decode("ascii")}


def rle_area_bbox(rle: dict) -> tuple[float, list[float]]:
    coded = {"size": rle["size"], "counts": rle["counts"].encode("ascii")}
    return float(mask_utils.area(coded)), [float(c) for c in mask_utils.toBbox(coded)]


def polygon_area(flat: list[float]) -> float:
    """Shoelace area of a flat [x0, y0, x1, y1, ...] polygon."""
    if len(flat) < 6:
        return 0.0
    # Plain shoelace: building a shapely polygon per annotation dominated 100k-polygon reads.
    xs, ys = flat[0::2], flat[1::2]
    twice = sum(map(operator.mul, xs, ys[1:] + ys[:1])) - sum(map(operator.mul, ys, xs[1:] + xs[:1]))
    return abs(twice) / 2.0


def is_finite_number(v) -> bool:
    if not isinstance(v, (int, float)) or isinstance(v, bool):
        return False
    try:
        return math.isfinite(v)
    except OverflowError:  # an integer too large for a float (10**400)
        return False
