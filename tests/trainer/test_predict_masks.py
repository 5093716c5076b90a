"""Predicted masks at full resolution without full-image masks, and clean polygons (issue 12, item 7)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from pycocotools import mask as mask_utils
from torchvision.models.detection.roi_heads import paste_masks_in_image

from trainer.config import TrainConfig
from trainer.inference.masks import detect, paste_in_box
from trainer.inference.polygons import mask_to_polygons
from trainer.inference.predict import output_to_instances
from trainer.model.registry import build_model, resolve_arch

from ..tiny_training import TINY

H, W = 1536, 2048  # a real photo's size
CX, CY, R = 1000.3, 700.7, 450.0  # a smooth object: a disc


def disc_probs(box: tuple[float, float, float, float], m: int = 28) -> torch.Tensor:
    """What a good mask head gives for the disc: probabilities at the M×M cell centres of the box,
    with a soft edge one cell wide."""
    x0, y0, x1, y1 = box
    centres = (torch.arange(m) + 0.5) / m
    gx, gy = x0 + centres * (x1 - x0), y0 + centres * (y1 - y0)
    dist = torch.sqrt((gx[None, :] - CX) ** 2 + (gy[:, None] - CY) ** 2)
    return torch.sigmoid((R - dist) / ((x1 - x0) / m))


def true_disc() -> np.ndarray:
    yy, xx = np.mgrid[:H, :W]
    return (xx + 0.5 - CX) ** 2 + (yy + 0.5 - CY) ** 2 <= R * R


def edge_deviation(mask: np.ndarray) -> float:
    """The largest distance (px) between a boundary pixel's centre and the true circle."""
    import cv2

    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    pts = np.concatenate([c.reshape(-1, 2) for c in contours]) + 0.5
    return float(np.abs(np.hypot(pts[:, 0] - CX, pts[:, 1] - CY) - R).max())


def iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / (a | b).sum())


def full(crop: np.ndarray, x: int, y: int) -> np.ndarray:
    out = np.zeros((H, W), bool)
    out[y : y + crop.shape[0], x : x + crop.shape[1]] = crop
    return out


BOX = (CX - 1.1 * R, CY - 1.1 * R, CX + 1.1 * R, CY + 1.1 * R)


def test_pasted_disc_has_no_stair_steps_larger_than_the_tolerance():
    probs = disc_probs(BOX)
    crop, x, y = paste_in_box(probs, torch.tensor(BOX), H, W)
    pasted = full(crop, x, y)
    # Pixel quantisation alone puts boundary centres up to ~0.7 px off the circle: allow the
    # default tolerance (1 px) on top of half a pixel.
    assert edge_deviation(pasted) <= 1.5
    assert iou(pasted, true_disc()) >= 0.99
    # The check sees stair steps: the same 28×28 map upsampled nearest-neighbour (cells of
    # 35 px) strays tens of pixels from the circle.
    x0, y0, x1, y1 = (round(v) for v in BOX)
    blocky = F.interpolate(probs[None, None], size=(y1 - y0, x1 - x0), mode="nearest")[0, 0] >= 0.5
    assert edge_deviation(full(blocky.numpy(), x0, y0)) > 10


def test_paste_in_box_sets_exactly_the_pixels_torchvision_sets():
    gen = torch.Generator().manual_seed(0)
    probs = torch.rand(5, 28, 28, generator=gen)
    boxes = torch.tensor(
        [
            [10.4, 20.7, 300.2, 250.9],
            [-40.0, -30.0, 120.0, 90.0],  # past the top-left corner
            [1900.5, 1400.2, 2100.0, 1600.0],  # past the bottom-right corner
            [500.0, 500.0, 500.6, 501.2],  # under a pixel wide
            [700.0, 100.0, 1500.0, 1300.0],
        ]
    )
    reference = paste_masks_in_image(probs[:, None], boxes, (H, W))[:, 0] >= 0.5
    for p, b, ref in zip(probs, boxes, reference):
        crop, x, y = paste_in_box(p, b, H, W)
        assert np.array_equal(full(crop, x, y), ref.numpy())
        grown = 30 / 28  # torchvision pads the 28×28 map by a cell each side and grows the box to match
        assert crop.shape[0] <= (b[3] - b[1]) * grown + 2 and crop.shape[1] <= (b[2] - b[0]) * grown + 2


def test_polygon_of_a_high_resolution_circle_is_close_and_small():
    disc = true_disc()
    for tolerance in (1.0, 3.0):
        polys = mask_to_polygons(disc, tolerance)
        assert len(polys) == 1
        vertices = len(polys[0]) // 2
        # Douglas–Peucker needs at least π / acos(1 − ε/R) chords for a circle; allow twice that.
        fewest = math.pi / math.acos(1 - tolerance / R)
        assert vertices <= 2 * fewest, (tolerance, vertices, fewest)
        rle = mask_utils.frPyObjects([polys[0]], H, W)
        drawn = mask_utils.decode(mask_utils.merge(rle)).astype(bool)
        assert iou(drawn, disc) >= 0.97, tolerance
    coarse, fine = (len(mask_to_polygons(disc, t)[0]) for t in (3.0, 0.5))
    assert coarse < fine  # the tolerance is honoured, not overridden by a size-relative floor


def test_instances_keep_box_crops_and_re_outline_at_another_tolerance():
    probs = disc_probs(BOX)
    found = {
        "boxes": torch.tensor([BOX]),
        "labels": torch.tensor([1]),
        "scores": torch.tensor([0.9]),
        "mask_probs": probs[None],
    }
    (inst,) = output_to_instances(found, (H, W), ["disc"], score_threshold=0.5, tolerance=1.0)
    assert inst.crop.size < 0.4 * H * W and inst.mask.shape == (H, W)  # its box, not the photo
    assert iou(inst.mask, true_disc()) >= 0.99
    decoded = mask_utils.decode(inst.rle()).astype(bool)
    assert np.array_equal(decoded, inst.mask)
    assert inst.at_tolerance(1.0) is inst
    coarse = inst.at_tolerance(4.0)
    assert coarse.tolerance == 4.0 and len(coarse.polygons[0]) < len(inst.polygons[0])
    assert output_to_instances(found, (H, W), ["disc"], score_threshold=0.95) == []


@pytest.fixture(scope="module")
def untrained():
    arch = resolve_arch(TrainConfig(**{**TINY, "box_score_thresh": 0.0}))
    torch.manual_seed(0)
    return build_model(arch, 3).eval()


def test_detect_then_paste_gives_torchvision_s_own_masks(untrained):
    torch.manual_seed(1)
    image = torch.rand(3, 150, 200)
    with torch.inference_mode():
        reference = untrained([image])[0]
        found = detect(untrained, image)
    assert len(reference["scores"]) > 0
    assert torch.equal(found["scores"], reference["scores"]) and torch.allclose(found["boxes"], reference["boxes"])
    for probs, box, ref in zip(found["mask_probs"], found["boxes"], reference["masks"][:, 0]):
        crop, x, y = paste_in_box(probs, box, 150, 200)
        canvas = np.zeros((150, 200), bool)
        canvas[y : y + crop.shape[0], x : x + crop.shape[1]] = crop
        assert np.array_equal(canvas, (ref >= 0.5).numpy())
