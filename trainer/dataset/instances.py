"""COCO instance segmentation → torch datasets: reading COCO files and images, (image, target) pairs
with masks, boxes and labels 1..K, and the samplers that batch them. Which images and classes a run
uses is decided in ``trainer.dataset.prepared``."""

from __future__ import annotations

import json
import math
import os
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import torch
from PIL import Image, ImageOps
from pycocotools import mask as mask_utils
from torch.utils.data import Dataset, Sampler
from torchvision import tv_tensors

from polymask_common.pixels import check_pixels, to_rgb
from trainer.errors import DatasetError

if TYPE_CHECKING:
    from trainer.dataset.prepared import PreparedData

EXIF_ORIENTATION = 0x0112
# Training images are loaded at this many times the model's input scale, so a zoom crop
# (trainer.augment.object_crop) of up to this factor still has a pixel per input pixel.
LOAD_HEADROOM = 1.5
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")


# --------------------------------------------------------------------------- loading
def load_coco(coco: str | os.PathLike | dict) -> tuple[dict, str]:
    """Return (coco dict, a name for messages). Checks the structure a trainer needs."""
    if isinstance(coco, dict):
        data, name = coco, "the COCO dataset"
    else:
        name = str(coco)
        try:
            with open(coco, encoding="utf-8") as f:
                data = json.load(f)
        except FileNotFoundError:
            raise DatasetError(f"The COCO file {name} does not exist.") from None
        except (OSError, UnicodeDecodeError) as e:
            raise DatasetError(f"Cannot read the COCO file {name}: {e}.") from None
        except json.JSONDecodeError as e:
            raise DatasetError(f"The COCO file {name} is not valid JSON: {e}.") from None
    if not isinstance(data, dict):
        raise DatasetError(
            f"{name} is not a COCO dataset: expected a JSON object with images, annotations, categories."
        )
    missing = [k for k in ("images", "categories") if not isinstance(data.get(k), list)]
    if missing:
        raise DatasetError(f"{name} is not a COCO instance-segmentation file: it has no {' or '.join(missing)} list.")
    if not isinstance(data.get("annotations", []), list):
        raise DatasetError(f"{name}: 'annotations' must be a list.")
    return data, name


def open_image(path: str | os.PathLike, max_scale_for: tuple[int, int] | None = None) -> tuple[Image.Image, float]:
    """Open as RGB in display orientation (EXIF applied).

    With ``max_scale_for=(min_size, max_size)``, images much larger than the model's input
    are returned at ``scale`` times their displayed size (JPEGs decoded at reduced size by
    draft mode); returns (image, scale). Annotations scale by ``scale``."""
    with Image.open(path) as im:
        check_pixels(path, *im.size)  # before any pixel is decoded: the viewer's cap, named
        scale, target = 1.0, None
        if max_scale_for is not None:
            shown, swapped = _oriented(im)
            scale = input_scale(shown, max_scale_for)
            if scale < 0.9:
                target = (max(1, round(shown[0] * scale)), max(1, round(shown[1] * scale)))
                im.draft("RGB", target[::-1] if swapped else target)  # 1/2, 1/4 or 1/8 size, never below
            else:
                scale = 1.0
        img = ImageOps.exif_transpose(im)
        img = to_rgb(img)  # 16-bit / float scaled by their range, as the viewer shows them
        # The target comes from the original size: draft() may already have shrunk img.
        if target is not None and img.size != target:
            img = img.resize(target, Image.Resampling.BILINEAR)
    return img, scale


def input_scale(size: tuple[int, int], max_scale_for: tuple[int, int]) -> float:
    """The scale (≤ 1) at which an image of displayed ``size`` is loaded for a model with
    (min_size, max_size): LOAD_HEADROOM over the model's own resize, so zoom crops keep detail."""
    w, h = size
    mn, mx = max_scale_for
    return min(1.0, LOAD_HEADROOM * min(mn / min(w, h), mx / max(w, h)))


def _oriented(im: Image.Image) -> tuple[tuple[int, int], bool]:
    """((width, height) as displayed, whether EXIF orientation swaps the stored axes)."""
    w, h = im.size
    swapped = im.getexif().get(EXIF_ORIENTATION, 1) in (5, 6, 7, 8)
    return ((h, w) if swapped else (w, h)), swapped


def oriented_size(path: str | os.PathLike) -> tuple[int, int]:
    """(width, height) after EXIF orientation, reading only the header; raises on a bad file."""
    with Image.open(path) as im:
        check_pixels(path, *im.size)  # from the header, before anything is read
        im.verify()  # before decoding; catches truncated/corrupt files cheaply
    with Image.open(path) as im:
        w, h = im.size
        if im.getexif().get(EXIF_ORIENTATION, 1) in (5, 6, 7, 8):
            w, h = h, w
    return w, h


def decode_segmentation(seg: Any, height: int, width: int) -> np.ndarray:
    """Polygons, uncompressed RLE or compressed RLE → HxW uint8 mask (pycocotools)."""
    if isinstance(seg, list):
        polys = [p for p in seg if isinstance(p, (list, tuple)) and len(p) >= 6]
        if not polys:
            return np.zeros((height, width), np.uint8)
        rle = mask_utils.merge(mask_utils.frPyObjects(polys, height, width))
    elif isinstance(seg, dict) and "counts" in seg:
        if isinstance(seg["counts"], list):
            rle = mask_utils.frPyObjects(seg, *seg.get("size", (height, width)))
        else:
            rle = dict(seg)
            if isinstance(rle["counts"], str):
                rle["counts"] = rle["counts"].encode("ascii")
        m = mask_utils.decode(rle)
        if m.shape != (height, width):
            import cv2

            m = cv2.resize(m, (width, height), interpolation=cv2.INTER_NEAREST)
        return m
    else:
        return np.zeros((height, width), np.uint8)
    return mask_utils.decode(rle)


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
