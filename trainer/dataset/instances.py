"""COCO instance segmentation → torch datasets: (image, target) pairs with masks, boxes and labels
1..K (files and images decoded by ``trainer.dataset.decode``), and the samplers that batch them.
Which images and classes a run uses is decided in ``trainer.dataset.prepared``."""

from __future__ import annotations

import math
import os
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import torch
from PIL import Image
from torch.utils.data import Dataset, Sampler
from torchvision import tv_tensors

from trainer.dataset.decode import decode_segmentation, open_image
from trainer.errors import DatasetError

if TYPE_CHECKING:
    from trainer.dataset.prepared import PreparedData

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")


def _scale_segmentation(seg: Any, s: float) -> Any:
    if s == 1.0 or not isinstance(seg, list):
        return seg
    return [[c * s for c in p] for p in seg if isinstance(p, (list, tuple))]


# --------------------------------------------------------------------------- dataset
class CocoInstances(Dataset):
    """(image, target) pairs in the format torchvision detection models take."""

    def __init__(
        self,
        prepared: PreparedData,
        image_ids: list[int],
        transforms=None,
        max_scale_for: tuple[int, int] | None = None,
    ):
        self.p = prepared
        self.ids = list(image_ids)
        self.transforms = transforms
        self.max_scale_for = max_scale_for
        self.label_of = prepared.label_of
        self.unreadable: dict[int, str] = {}  # image id → why (per process: each worker has its own)

    def __len__(self) -> int:
        return len(self.ids)

    def aspect_groups(self) -> list[int]:
        """0 for landscape/square, 1 for portrait (batches mix only similar shapes)."""
        return [0 if self.p.sizes[i][0] >= self.p.sizes[i][1] else 1 for i in self.ids]

    def file_name(self, idx: int) -> str:
        return str(self.p.images_by_id[self.ids[idx]]["file_name"])

    def load(self, idx: int) -> tuple[Image.Image, dict]:
        iid = self.ids[idx]
        path = self.p.paths[iid]
        try:
            img, s = open_image(path, self.max_scale_for)
        except Exception as e:  # noqa: BLE001
            raise DatasetError(f"Cannot read the image {path}: {e}") from None
        w, h = img.size
        boxes, labels, masks = [], [], []
        for a in self.p.anns_by_image.get(iid, []):
            if a.get("iscrowd"):
                continue  # crowd regions are only used to ignore detections in evaluation
            m = decode_segmentation(_scale_segmentation(a.get("segmentation"), s), h, w)
            if not m.any():
                continue
            ys, xs = np.nonzero(m)
            box = [float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1)]
            bb = a.get("bbox")
            if isinstance(bb, (list, tuple)) and len(bb) == 4 and bb[2] > 0 and bb[3] > 0:
                x, y, bw, bh = (float(v) * s for v in bb)
                box = [max(0.0, x), max(0.0, y), min(float(w), x + bw), min(float(h), y + bh)]
            if box[2] - box[0] < 1 or box[3] - box[1] < 1:
                continue
            boxes.append(box)
            labels.append(self.label_of[a["category_id"]])
            masks.append(m)
        target = {
            "boxes": tv_tensors.BoundingBoxes(
                torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4), format="XYXY", canvas_size=(h, w)
            ),
            "labels": torch.tensor(labels, dtype=torch.int64),
            "masks": tv_tensors.Mask(
                torch.from_numpy(np.stack(masks)) if masks else torch.zeros((0, h, w), dtype=torch.uint8)
            ),
            "image_id": iid,
        }
        return img, target

    def __getitem__(self, idx: int):
        """An image that verified but fails to decode (truncated, corrupt) does not end the run:
        the next readable image stands in, and ``target["unreadable"]`` says which file failed and
        why, so the training loop (in the main process, whatever the workers) can warn once."""
        try:
            img, target = self.load(idx)
        except DatasetError as e:
            self.unreadable[self.ids[idx]] = str(e)
            img, target = self._stand_in(idx)
            target["unreadable"] = str(e)
        if self.transforms is not None:
            img, target = self.transforms(img, target)
        return img, target

    def _stand_in(self, idx: int) -> tuple[Image.Image, dict]:
        for step in range(1, len(self.ids)):
            j = (idx + step) % len(self.ids)
            if self.ids[j] in self.unreadable:
                continue
            try:
                return self.load(j)
            except DatasetError as e:
                self.unreadable[self.ids[j]] = str(e)
        raise DatasetError(
            f"None of the {len(self.ids)} images could be read: " + "; ".join(list(self.unreadable.values())[:3])
        )


def collate(batch):
    return tuple(zip(*batch))


# --------------------------------------------------------------------------- sampling
class SizedSampler(Protocol):
    """A sampler that knows its length (ours and torch's DistributedSampler do)."""

    def __iter__(self) -> Iterator[int]: ...

    def __len__(self) -> int: ...


class EpochRandomSampler(Sampler[int]):
    """A seeded shuffle that changes with ``set_epoch`` (same API as DistributedSampler)."""

    def __init__(self, n: int, seed: int = 0):
        self.n, self.seed, self.epoch = n, seed, 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __iter__(self) -> Iterator[int]:
        g = torch.Generator().manual_seed(self.seed + self.epoch)
        return iter(torch.randperm(self.n, generator=g).tolist())

    def __len__(self) -> int:
        return self.n


class GroupedBatchSampler(Sampler[list[int]]):
    """Batches of images with similar aspect ratio (less padding).

    Always yields ceil(len(sampler) / batch_size) batches, so every DDP rank takes the
    same number of steps."""

    def __init__(self, sampler: SizedSampler, group_ids: list[int], batch_size: int):
        self.sampler, self.group_ids, self.batch_size = sampler, group_ids, batch_size

    def set_epoch(self, epoch: int) -> None:
        if hasattr(self.sampler, "set_epoch"):
            self.sampler.set_epoch(epoch)

    def __iter__(self) -> Iterator[list[int]]:
        buckets: dict[int, list[int]] = defaultdict(list)
        for idx in self.sampler:
            b = buckets[self.group_ids[idx]]
            b.append(idx)
            if len(b) == self.batch_size:
                yield list(b)
                b.clear()
        rest = [i for b in buckets.values() for i in b]
        for i in range(0, len(rest), self.batch_size):
            yield rest[i : i + self.batch_size]

    def __len__(self) -> int:
        return math.ceil(len(self.sampler) / self.batch_size)


def list_images(paths: list[str | os.PathLike]) -> list[Path]:
    """Expand folders into their image files (sorted); keep files as given."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out += sorted(q for q in p.rglob("*") if q.suffix.lower() in IMAGE_EXTENSIONS and q.is_file())
        else:
            out.append(p)
    return out
