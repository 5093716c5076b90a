"""COCO in, decoded: a COCO file read and its structure checked, an image opened in display orientation
(EXIF applied, within the pixel cap, decoded at reduced size when much larger than the model's input),
a segmentation (polygons or RLE) as a mask. The one module that decodes; ``prepared`` and the torch
dataset (``instances``) both use it."""

from __future__ import annotations

import json
import os
from typing import Any

import numpy as np
from PIL import Image, ImageOps
from pycocotools import mask as mask_utils

from polymask_common.pixels import check_pixels, to_rgb
from trainer.errors import DatasetError

EXIF_ORIENTATION = 0x0112
# Training images are loaded at this many times the model's input scale, so a zoom crop
# (trainer.augment.object_crop) of up to this factor still has a pixel per input pixel.
LOAD_HEADROOM = 1.5


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
