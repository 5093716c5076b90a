"""GrabCut on generated images with known shapes, and masks → polygons with parts and holes."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from annotator.assist import Assistant, GrabCutBackend, Proposal, mask_to_parts
from annotator.model.shapes import MultiPolygon, Polygon


def noisy_scene(seed=0, size=(300, 400)):
    """A textured grey-green background (GrabCut must learn its colours, not just a flat one)."""
    rng = np.random.default_rng(seed)
    img = np.empty((*size, 3), np.uint8)
    img[:] = (70, 110, 70)
    return np.clip(img + rng.normal(0, 18, img.shape), 0, 255).astype(np.uint8), rng


def iou(a, b):
    return np.logical_and(a, b).sum() / np.logical_or(a, b).sum()


def drawn(img, draw) -> np.ndarray:
    truth = np.zeros(img.shape[:2], np.uint8)
    draw(truth, 1)
    colour = np.array((200, 60, 50), np.float64)
    rng = np.random.default_rng(1)
    img[truth > 0] = np.clip(colour + rng.normal(0, 12, (int(truth.sum()), 3)), 0, 255).astype(np.uint8)
    return truth.astype(bool)


def box_of(mask):
    ys, xs = np.nonzero(mask)
    return (float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1))


@pytest.mark.parametrize(
    "draw",
    [
        lambda m, v: cv2.circle(m, (200, 150), 80, v, -1),
        lambda m, v: cv2.ellipse(m, (190, 140), (120, 50), 30, 0, 360, v, -1),
        lambda m, v: cv2.fillPoly(m, [np.array([[100, 60], [300, 90], [250, 250], [120, 220]])], v),
    ],
    ids=["disc", "ellipse", "quadrilateral"],
)
def test_grabcut_finds_the_shape_in_its_box(draw):
    img, _ = noisy_scene()
    truth = drawn(img, draw)
    p = GrabCutBackend().propose("k", img, box_of(truth))
    assert p.backend == "grabcut" and iou(p.full_mask(), truth) >= 0.9
    assert isinstance(p.shape(), Polygon)


def test_a_click_alone_finds_the_object_under_it():
    img, _ = noisy_scene()
    truth = drawn(img, lambda m, v: cv2.circle(m, (200, 150), 30, v, -1))
    p = GrabCutBackend().propose("k", img, None, [(200.0, 150.0, True)])
    assert iou(p.full_mask(), truth) >= 0.9


def test_a_background_click_takes_a_part_away():
    img, _ = noisy_scene()
    body = drawn(img, lambda m, v: cv2.circle(m, (170, 150), 70, v, -1))
    drawn(img, lambda m, v: cv2.circle(m, (290, 150), 40, v, -1))  # a second object of the same colour
    box = (95.0, 75.0, 335.0, 225.0)
    both = GrabCutBackend().propose("k", img, box)
    assert both.full_mask()[150, 290] and iou(both.full_mask(), body) < 0.85
    fixed = GrabCutBackend().propose("k", img, box, [(290.0, 150.0, False), (170.0, 150.0, True)])
    assert not fixed.full_mask()[150, 290] and iou(fixed.full_mask(), body) >= 0.9


def test_a_ring_is_one_part_with_a_hole_and_two_blobs_are_two_parts():
    mask = np.zeros((100, 200), bool)
    ring = np.zeros((100, 200), np.uint8)
    cv2.circle(ring, (50, 50), 40, 1, -1)
    cv2.circle(ring, (50, 50), 15, 0, -1)
    mask |= ring.astype(bool)
    mask[30:70, 120:180] = True
    parts = mask_to_parts(mask, 1.0, origin=(10, 20))
    assert [len(holes) for _, holes in parts] == [1, 0]
    outer = np.array(parts[1][0]).reshape(-1, 2)
    assert outer[:, 0].min() == pytest.approx(130.5) and outer[:, 1].min() == pytest.approx(50.5)  # placed at origin
    p = Proposal.from_mask(mask, (0, 0), (100, 200), 1.0, "test")
    shape = p.shape()
    assert isinstance(shape, MultiPolygon) and len(shape.parts) == 2 and len(shape.parts[0][1]) == 1
    assert p.to_json()["holes"][0] and p.to_json()["bbox"] == [10.0, 10.0, 170.0, 81.0]


def test_the_detail_slider_trades_vertices_for_accuracy():
    mask = np.zeros((400, 400), np.uint8)
    cv2.circle(mask, (200, 200), 150, 1, -1)
    p = Proposal.from_mask(mask.astype(bool), (0, 0), (400, 400), 1.0, "test", tolerance=0.5)
    counts = [p.at_tolerance(t).vertex_count() for t in (0.5, 1.5, 4.0)]
    assert counts[0] > counts[1] > counts[2] >= 8


def test_the_assistant_needs_a_prompt():
    with pytest.raises(ValueError):
        Assistant([GrabCutBackend()]).propose("k", np.zeros((10, 10, 3), np.uint8), None, [])
