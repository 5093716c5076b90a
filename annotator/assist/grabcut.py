"""GrabCut (OpenCV): the assist backend that needs no weights.

It works on the box plus a margin, scaled so its longer side is ~400 px (GrabCut's cost grows
with the pixels; 400 px keeps a box under 0.1 s on a laptop core), and the mask comes back at
full resolution by interpolating GrabCut's answer as a smooth map. Clicks are hard labels; a
prior mask (the own model's) replaces the box as the starting guess."""

from __future__ import annotations

import cv2
import numpy as np

from .proposal import Box, Click

WORK_SIDE = 400  # px: the longer side GrabCut works at
MARGIN = 0.1  # of the box's size, each side: background GrabCut learns its colours from
ITERATIONS = 5
CLICK_RADIUS = 0.02  # of the box's longer side (at least 2 work pixels)
CLICK_WINDOW = 0.25
SMOOTH = 2.0  # work px: the Gaussian that rounds GrabCut's edge before it is scaled up  # a click with no box: a square this share of the image's shorter side


def box_for_click(click: Click, image_size: tuple[int, int], share: float = CLICK_WINDOW) -> Box:
    h, w = image_size
    half = share * min(h, w) / 2
    x, y = click[0], click[1]
    return (max(0.0, x - half), max(0.0, y - half), min(float(w), x + half), min(float(h), y + half))


def grabcut(
    image: np.ndarray,
    box: Box,
    clicks: list[Click] = (),  # type: ignore[assignment]
    prior: tuple[np.ndarray, tuple[int, int]] | None = None,
) -> tuple[np.ndarray, tuple[int, int], float]:
    """(bool crop, its origin (x, y), score) of the object in ``box`` of an RGB image. ``prior``:
    a (bool crop, origin) first guess. The score is the share of the box's pixels GrabCut was sure of."""
    h, w = image.shape[:2]
    x0, y0, x1, y1 = box
    bw, bh = max(x1 - x0, 1.0), max(y1 - y0, 1.0)
    cx0, cy0 = int(max(0, np.floor(x0 - MARGIN * bw))), int(max(0, np.floor(y0 - MARGIN * bh)))
    cx1, cy1 = int(min(w, np.ceil(x1 + MARGIN * bw))), int(min(h, np.ceil(y1 + MARGIN * bh)))
    crop = image[cy0:cy1, cx0:cx1]
    scale = min(1.0, WORK_SIDE / max(crop.shape[:2]))
    size = (max(1, round(crop.shape[1] * scale)), max(1, round(crop.shape[0] * scale)))
    small = cv2.resize(crop, size, interpolation=cv2.INTER_AREA) if scale < 1 else crop
    small = np.ascontiguousarray(small[:, :, ::-1])  # OpenCV's GrabCut expects BGR order
    labels = np.full(small.shape[:2], cv2.GC_BGD, np.uint8)
    bx0, by0 = round((x0 - cx0) * scale), round((y0 - cy0) * scale)
    bx1, by1 = round((x1 - cx0) * scale), round((y1 - cy0) * scale)
    labels[max(by0, 0) : by1, max(bx0, 0) : bx1] = cv2.GC_PR_BGD
    if prior is not None:
        _paint_prior(labels, prior, (cx0, cy0), scale, crop.shape[:2])
    else:
        labels[max(by0, 0) : by1, max(bx0, 0) : bx1] = cv2.GC_PR_FGD
    radius = max(2, round(CLICK_RADIUS * max(bw, bh) * scale))
    for x, y, positive in clicks:
        centre = (round((x - cx0) * scale), round((y - cy0) * scale))
        cv2.circle(labels, centre, radius, cv2.GC_FGD if positive else cv2.GC_BGD, -1)
    if (
        not ((labels == cv2.GC_BGD) | (labels == cv2.GC_PR_BGD)).any()
        or not ((labels == cv2.GC_FGD) | (labels == cv2.GC_PR_FGD)).any()
    ):
        return np.zeros((0, 0), bool), (cx0, cy0), 0.0  # GrabCut needs both kinds of pixel
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    cv2.setRNGSeed(0)  # GrabCut seeds its colour models by k-means: the same prompt, the same answer
    cv2.grabCut(small, labels, (0, 0, 1, 1), bgd, fgd, ITERATIONS, cv2.GC_INIT_WITH_MASK)  # rect: unused with a mask
    fg = ((labels == cv2.GC_FGD) | (labels == cv2.GC_PR_FGD)).astype(np.float32)
    fg = _keep_clicked_blobs(fg, clicks, (cx0, cy0), scale, radius)
    fg = cv2.GaussianBlur(fg, (0, 0), SMOOTH)  # GrabCut's pixel staircase costs vertices, not accuracy
    full = cv2.resize(fg, (crop.shape[1], crop.shape[0]), interpolation=cv2.INTER_LINEAR) >= 0.5
    sure = float(np.mean((labels == cv2.GC_FGD) | (labels == cv2.GC_BGD))) if labels.size else 0.0
    return full, (cx0, cy0), 0.5 + 0.5 * sure


def grabcut_around_click(image: np.ndarray, clicks: list[Click]) -> tuple[np.ndarray, tuple[int, int], float]:
    """A click with no box: GrabCut in a window round it, widened while the object fills it."""
    size = (int(image.shape[0]), int(image.shape[1]))
    first = next((c for c in clicks if c[2]), clicks[0])
    share = CLICK_WINDOW
    while True:
        box = box_for_click(first, size, share)
        mask, origin, score = grabcut(image, box, clicks)
        if share >= 1 or not _fills(mask, origin, box):
            return mask, origin, score
        share = min(1.0, share * 2)


def _fills(mask: np.ndarray, origin: tuple[int, int], box: Box) -> bool:
    """Whether the mask is (nearly) empty — GrabCut found no edge — or reaches the box's edge on
    two or more sides: the object is bigger than the window."""
    ys, xs = np.nonzero(mask)
    if len(xs) < max(16.0, 0.05 * (box[2] - box[0]) * (box[3] - box[1])):
        return True
    x0, y0, x1, y1 = (v - o for v, o in zip(box, (*origin, *origin)))
    sides = [xs.min() <= x0 + 1, ys.min() <= y0 + 1, xs.max() >= x1 - 2, ys.max() >= y1 - 2]
    return sum(sides) >= 2


def _paint_prior(labels: np.ndarray, prior, corner: tuple[int, int], scale: float, crop_hw) -> None:
    """The prior mask as 'probably object' over 'probably background' inside the box."""
    mask, (px, py) = prior
    canvas = np.zeros(crop_hw, np.uint8)
    cx0, cy0 = corner
    ys0, xs0 = max(py - cy0, 0), max(px - cx0, 0)
    part = mask[max(cy0 - py, 0) :, max(cx0 - px, 0) :]
    part = part[: crop_hw[0] - ys0, : crop_hw[1] - xs0]
    canvas[ys0 : ys0 + part.shape[0], xs0 : xs0 + part.shape[1]] = part
    small = cv2.resize(canvas, (labels.shape[1], labels.shape[0]), interpolation=cv2.INTER_NEAREST).astype(bool)
    labels[small] = cv2.GC_PR_FGD
    # the model's confident core stays object: GrabCut only moves the edge
    core = cv2.erode(small.astype(np.uint8), np.ones((5, 5), np.uint8), iterations=2).astype(bool)
    labels[core] = cv2.GC_FGD


def _keep_clicked_blobs(fg: np.ndarray, clicks, corner, scale: float, radius: int) -> np.ndarray:
    """Blobs of at least a tenth of the largest one's area, plus any a positive click is on, less
    any other a background click is on: GrabCut leaves specks of similar colour about the box, and
    a background click on another object means all of it."""
    n, comp, stats, _ = cv2.connectedComponentsWithStats((fg > 0).astype(np.uint8), connectivity=8)
    if n <= 1:
        return fg
    areas = stats[1:, cv2.CC_STAT_AREA]
    largest = 1 + int(np.argmax(areas))
    keep = {1 + i for i in np.flatnonzero(areas >= 0.1 * areas.max())}
    wanted = {largest}  # a background click on the object itself only trims it
    for x, y, positive in clicks:
        centre = (round((x - corner[0]) * scale), round((y - corner[1]) * scale))
        near = np.zeros(comp.shape, np.uint8)
        cv2.circle(near, centre, radius + 2, 1, -1)  # the click itself is background: look round it
        touched = set(np.unique(comp[near > 0]).tolist()) - {0}
        if positive:
            wanted |= touched
        else:
            keep -= touched
    return np.isin(comp, list(keep | wanted)).astype(np.float32)
