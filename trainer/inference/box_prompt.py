"""A trained model as a box → mask assistant: backbone features once per image (kept for the last
few images), then only the RoI box and mask heads on the box the user drew.

The expensive part of Mask R-CNN is the backbone (and FPN); the heads on one box cost a few
milliseconds. So a labelling tool computes an image's features when it opens, and every later box
is almost free. Masks are pasted at full resolution by ``masks.paste_in_box``, as predict does."""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torchvision.models.detection.transform import resize_boxes

from trainer.inference.masks import paste_in_box
from trainer.inference.predict import Predictor, to_rgb_array


@dataclass
class BoxMask:
    """The model's mask for one box: the bool crop at ``origin`` (x, y), the model's probability
    map (M×M, for tools that refine it) and its best foreground class."""

    crop: np.ndarray
    origin: tuple[int, int]
    image_size: tuple[int, int]  # (height, width)
    probs: np.ndarray
    score: float
    label: int
    class_name: str


@dataclass
class _Features:
    maps: OrderedDict[str, torch.Tensor]
    resized: tuple[int, int]  # the size the backbone saw
    padded: tuple[int, int]  # that size padded as the backbone's batch was (the RPN's anchors)
    size: tuple[int, int]  # the image's own size


class BoxSegmenter:
    """``segment(key, image, box)`` → BoxMask; ``prepare(key, image)`` computes the features ahead
    (call it from a worker when an image opens). Not thread-safe: one worker owns it."""

    def __init__(self, predictor: Predictor, cache_size: int = 3):
        self.predictor = predictor
        self.cache_size = max(1, cache_size)
        self._cache: OrderedDict[Hashable, _Features] = OrderedDict()

    @classmethod
    def from_checkpoint(cls, path: str | os.PathLike, device: str = "cpu", cache_size: int = 3) -> BoxSegmenter:
        return cls(Predictor.from_checkpoint(path, device), cache_size)

    @property
    def class_names(self) -> list[str]:
        return self.predictor.class_names

    def has_features(self, key: Hashable) -> bool:
        return key in self._cache

    @torch.inference_mode()
    def prepare(self, key: Hashable, image: Any) -> None:
        """The backbone's features of ``image``, cached under ``key`` (least recently used dropped)."""
        if key in self._cache:
            self._cache.move_to_end(key)
            return
        model: Any = self.predictor.model  # torchvision MaskRCNN
        arr = to_rgb_array(image)
        x = torch.tensor(arr, device=self.predictor.device).permute(2, 0, 1).float() / 255
        batch, _ = model.transform([x])
        maps = model.backbone(batch.tensors)
        if isinstance(maps, torch.Tensor):
            maps = OrderedDict([("0", maps)])
        (rh, rw), (ph, pw) = batch.image_sizes[0], batch.tensors.shape[-2:]
        self._cache[key] = _Features(maps, (int(rh), int(rw)), (int(ph), int(pw)), (arr.shape[0], arr.shape[1]))
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)

    @torch.inference_mode()
    def segment(self, key: Hashable, image: Any, box: tuple[float, float, float, float]) -> BoxMask:
        """The mask of the object in ``box`` (x0, y0, x1, y1, image pixels)."""
        self.prepare(key, image)
        f = self._cache[key]
        heads: Any = self.predictor.model.roi_heads
        b = torch.tensor([box], dtype=torch.float32, device=self.predictor.device)
        rois = [resize_boxes(b, f.size, f.resized)]
        pooled = heads.box_head(heads.box_roi_pool(f.maps, rois, [f.resized]))
        logits, _ = heads.box_predictor(pooled)
        scores = torch.softmax(logits, -1)[0]
        label = int(torch.argmax(scores[1:])) + 1 if scores.numel() > 1 else 0
        mask_logits = heads.mask_predictor(heads.mask_head(heads.mask_roi_pool(f.maps, rois, [f.resized])))
        probs = torch.sigmoid(mask_logits[0, label])
        crop, x, y = paste_in_box(probs, b[0], f.size[0], f.size[1])
        names = self.predictor.class_names
        return BoxMask(
            crop=crop,
            origin=(x, y),
            image_size=f.size,
            probs=probs.cpu().numpy(),
            score=float(scores[label]),
            label=label,
            class_name=names[label - 1] if 1 <= label <= len(names) else str(label),
        )

    @torch.inference_mode()
    def detections(self, key: Hashable, image: Any) -> list[BoxMask]:
        """Every detection on the cached features (RPN + heads), best first: a click picks one."""
        self.prepare(key, image)
        f = self._cache[key]
        model: Any = self.predictor.model  # torchvision MaskRCNN
        from torchvision.models.detection.image_list import ImageList

        dummy = ImageList(torch.zeros((1, 3, *f.padded), device=self.predictor.device), [f.resized])
        proposals, _ = model.rpn(dummy, f.maps)
        found = model.roi_heads(f.maps, proposals, [f.resized])[0][0]
        boxes = resize_boxes(found["boxes"], f.resized, f.size)
        names = self.predictor.class_names
        out = []
        for box, label, score, probs in zip(boxes, found["labels"], found["scores"], found["masks"][:, 0]):
            crop, x, y = paste_in_box(probs, box, f.size[0], f.size[1])
            lab = int(label)
            out.append(
                BoxMask(
                    crop,
                    (x, y),
                    f.size,
                    probs.cpu().numpy(),
                    float(score),
                    lab,
                    names[lab - 1] if lab <= len(names) else str(lab),
                )
            )
        return out
