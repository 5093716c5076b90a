"""Mask R-CNN detections with full-resolution masks that cost their box, not the image.

torchvision's ``postprocess`` pastes every detection's 28×28 mask probabilities into a float
canvas the size of the whole image: 100 detections on a 12 MP photo are N×H×W = 4.8 GB.
``detect`` stops before that paste, and ``paste_in_box`` pastes one mask into its own box
with torchvision's arithmetic (``roi_heads.paste_mask_in_image``: one pixel of padding, the
box grown to match, bilinear interpolation at full image resolution), then thresholds it."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import torch
import torch.nn.functional as F
from torchvision.models.detection import MaskRCNN
from torchvision.models.detection.roi_heads import expand_boxes, expand_masks
from torchvision.models.detection.transform import resize_boxes


def detect(model: MaskRCNN, image: torch.Tensor) -> dict[str, torch.Tensor]:
    """One 3×H×W image (float, 0..1) → ``boxes`` (N×4, image pixels), ``labels``, ``scores``
    and ``mask_probs`` (N×28×28): ``model([image])[0]`` without the full-image mask paste."""
    size = (int(image.shape[-2]), int(image.shape[-1]))
    batch, _ = model.transform([image])
    features = model.backbone(batch.tensors)
    if isinstance(features, torch.Tensor):
        features = OrderedDict([("0", features)])
    proposals, _ = model.rpn(batch, features)
    found = model.roi_heads(features, proposals, batch.image_sizes)[0][0]
    return {
        "boxes": resize_boxes(found["boxes"], batch.image_sizes[0], size),
        "labels": found["labels"],
        "scores": found["scores"],
        "mask_probs": found["masks"][:, 0],
    }


def paste_in_box(
    probs: torch.Tensor, box: torch.Tensor, height: int, width: int, threshold: float = 0.5
) -> tuple[np.ndarray, int, int]:
    """One M×M probability map and its box (x0, y0, x1, y1) → (bool crop, x0, y0): the pixels of
    the H×W image that torchvision's paste would set at ≥ ``threshold``, inside the image."""
    padded, scale = expand_masks(probs[None, None], padding=1)
    x0, y0, x1, y1 = (int(v) for v in expand_boxes(box[None], scale).to(torch.int64)[0])
    w, h = max(x1 - x0 + 1, 1), max(y1 - y0 + 1, 1)
    left, top = max(x0, 0), max(y0, 0)
    right, bottom = min(x1 + 1, width), min(y1 + 1, height)
    if right <= left or bottom <= top:
        return np.zeros((0, 0), bool), left, top
    full = F.interpolate(padded, size=(h, w), mode="bilinear", align_corners=False)[0, 0]
    crop = full[top - y0 : bottom - y0, left - x0 : right - x0] >= threshold
    return crop.cpu().numpy(), left, top
