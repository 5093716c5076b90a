"""Scale augmentation that keeps objects: zoom in by cropping a window around one object.

Mask R-CNN resizes every input to its own ``min_size``, so a crop of the image's aspect ratio
is a zoom: the objects in it reach the model ``zoom`` times their test-time size. Half the
samples are left whole (test-time scale exactly), the others zoom by up to ``max_zoom``
(the headroom images are loaded with, so zoomed pixels are never upsampled). Nothing is
padded, the crop always holds one chosen object, boxes are re-fitted to what is left of each
mask, and a crop that would still leave no object gives the sample back uncropped."""

from __future__ import annotations

import math
from typing import Any

import torch
from torchvision import tv_tensors
from torchvision.ops import masks_to_boxes
from torchvision.transforms.v2 import Transform
from torchvision.transforms.v2 import functional as F

from trainer.dataset.decode import LOAD_HEADROOM


class ObjectZoomCrop(Transform):
    def __init__(self, max_zoom: float = LOAD_HEADROOM, p: float = 0.5):
        super().__init__()
        self.max_zoom, self.p = max_zoom, p

    def forward(self, *inputs: Any) -> Any:
        image, target = inputs if len(inputs) > 1 else inputs[0]
        if torch.rand(()) >= self.p:
            return image, target
        h, w = F.get_size(image)
        zoom = math.exp(float(torch.empty(()).uniform_(0.0, math.log(self.max_zoom))))
        ch, cw = max(1, round(h / zoom)), max(1, round(w / zoom))
        top, left = _window(target["boxes"], (h, w), (ch, cw))
        masks = F.crop(target["masks"], top, left, ch, cw)
        keep = (masks.flatten(1) > 0).any(1)
        if len(keep) and not keep.any():
            return image, target  # never turn a sample with objects into one without
        cropped = dict(target)
        cropped["masks"] = tv_tensors.Mask(masks[keep])
        cropped["labels"] = target["labels"][keep]
        boxes = masks_to_boxes(cropped["masks"]) + torch.tensor([0.0, 0.0, 1.0, 1.0])  # pixel edges, as loaded
        cropped["boxes"] = tv_tensors.BoundingBoxes(boxes, format="XYXY", canvas_size=(ch, cw))
        return F.crop(image, top, left, ch, cw), cropped


def _window(boxes: torch.Tensor, size: tuple[int, int], crop: tuple[int, int]) -> tuple[int, int]:
    """(top, left) of a ``crop`` (h, w) window inside ``size`` that holds a random object's box
    whole when it fits (else as much of it as it can); anywhere for an image with none."""
    (h, w), (ch, cw) = size, crop
    if not len(boxes):
        return int(torch.randint(0, h - ch + 1, ())), int(torch.randint(0, w - cw + 1, ()))
    x0, y0, x1, y1 = boxes[int(torch.randint(0, len(boxes), ()))].tolist()
    return _start(y0, y1, ch, h), _start(x0, x1, cw, w)


def _start(lo: float, hi: float, length: int, limit: int) -> int:
    """A random start in [0, limit - length] for a window of ``length`` covering [lo, hi)."""
    if hi - lo >= length:  # the object is larger than the window: stay on it
        first, last = math.floor(lo), math.ceil(hi) - length
    else:
        first, last = math.ceil(hi) - length, math.floor(lo)
    first, last = max(0, first), min(limit - length, last)
    if first > last:
        first = last = min(max(0, first), limit - length)
    return int(torch.randint(first, last + 1, ()))
