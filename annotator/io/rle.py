"""COCO masks <-> polygons: run-length encodings checked and decoded, masks traced.

pycocotools trusts its input (a corrupt counts string decodes to garbage
pixels, not an error), so RLEs are checked and decoded here, with numpy.
Masks are traced with OpenCV's contours along pixel *edges*, so that pycocotools rasterises
the traced polygon back to the same pixels.
"""

from __future__ import annotations

import math
import operator

import cv2
import numpy as np
import shapely
from pycocotools import mask as mask_utils
from shapely import affinity
from shapely.geometry import Polygon as ShapelyPolygon

from .limits import MAX_IMAGE_PIXELS, too_many_pixels


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


def _on_pixel_edges(contour: np.ndarray):
    """The area of the pixels an OpenCV contour runs round.

    The contour runs through pixel centres; shifting it by half a pixel and growing it by half
    a pixel with square corners puts it on the pixel edges, which pycocotools rasterises back to
    the same pixels."""
    pts = contour.reshape(-1, 2).astype(float) + 0.5
    if len(pts) >= 3:
        geom = ShapelyPolygon(pts)
    else:
        geom = shapely.geometry.LineString(pts) if len(pts) == 2 else shapely.geometry.Point(pts[0])
    return geom.buffer(0.5, join_style="mitre", cap_style="square", mitre_limit=2.0)


def _hole_pixels(mask: np.ndarray, contour: np.ndarray):
    """The background pixels a hole contour (traced through the foreground round it) encloses:
    ((row, column) offset, their mask cropped to the contour's box)."""
    x, y, w, h = cv2.boundingRect(contour)
    inside = np.zeros((h, w), np.uint8)
    cv2.drawContours(inside, [contour], -1, 1, thickness=cv2.FILLED, offset=(-x, -y))
    return (x, y), inside & (mask[y : y + h, x : x + w] == 0)


def mask_to_geometry(mask: np.ndarray):
    """The shapely area of a mask on pixel edges, holes as holes; None when the mask is empty.

    OpenCV's two-level contours (RETR_CCOMP) give each blob's outline and its holes; a hole's
    own pixels are traced the same way, so a blob inside a hole (a target's bull's-eye) is a
    part of its own and a pixel touching the hole's edge corner-to-corner is kept."""
    mask = np.ascontiguousarray(mask, dtype=np.uint8)
    contours, hierarchy = cv2.findContours(mask, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    pieces = []
    for i, contour in enumerate(contours):
        if hierarchy[0][i][3] != -1:
            continue  # a hole: cut from its blob below
        holes, child = [], hierarchy[0][i][2]
        while child != -1:
            (x, y), pixels = _hole_pixels(mask, contours[child])
            hole = mask_to_geometry(pixels)
            if hole is not None:
                holes.append(affinity.translate(hole, x, y))
            child = hierarchy[0][child][0]
        blob = _on_pixel_edges(contour)
        pieces.append(blob.difference(shapely.union_all(holes)) if holes else blob)
    return shapely.union_all(pieces) if pieces else None


def parts_to_mask(parts: list[tuple[list[float], list[list[float]]]], height: int, width: int) -> np.ndarray:
    """The pixels of flat (outer, holes) parts: each part less its own holes, so a part lying in
    another part's hole stays."""
    mask = np.zeros((height, width), np.uint8)
    for outer, holes in parts:
        part = polygons_to_mask([outer], height, width)
        if holes:
            part &= 1 - polygons_to_mask(holes, height, width)
        mask |= part
    return mask


def parts_to_rle(parts: list[tuple[list[float], list[list[float]]]], height: int, width: int) -> dict:
    """A compressed COCO RLE of flat (outer, holes) parts: COCO polygons cannot hold holes."""
    rle = mask_utils.encode(np.asfortranarray(parts_to_mask(parts, height, width)))
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
