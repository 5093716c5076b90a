"""The pixel cap and 8-bit RGB from any image Pillow opens.

Pixel cap: 134 megapixels by default (about 11,600 x 11,600; a 100 MP camera fits), so a
decoded RGB image stays near 400 MB. An image above it is refused from its header,
before any pixel is decoded, with a message naming the image, its size and the setting
that raises the cap (the environment variable POLYMASK_MAX_PIXELS).

16-bit and float images (Pillow modes I;16*, I, F: 16-bit PNG and TIFF, microscopy,
depth maps) hold values far outside 0..255; Pillow's own convert("RGB") clips them, so a
12-bit image shows solid white. They are scaled by their actual (finite) range instead.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

MAX_PIXELS_SETTING = "POLYMASK_MAX_PIXELS"
_DEFAULT_MAX_PIXELS = 1 << 27
HIGH_DEPTH_MODES = frozenset({"I;16", "I;16B", "I;16L", "I;16N", "I", "F"})


def default_max_pixels() -> int:
    return _DEFAULT_MAX_PIXELS


def max_pixels() -> int:
    """The cap now: POLYMASK_MAX_PIXELS when set to a positive whole number, else the default."""
    raw = os.environ.get(MAX_PIXELS_SETTING, "").replace("_", "").replace(",", "").strip()
    if raw.isdigit() and int(raw) > 0:
        return int(raw)
    return _DEFAULT_MAX_PIXELS


class TooManyPixels(ValueError):
    """An image larger than the pixel cap; the message names it, its size and the setting."""

    def __init__(self, path, width: int, height: int, limit: int):
        self.path, self.width, self.height, self.limit = path, width, height, limit
        super().__init__(
            f"{path}: {width}x{height} is {width * height:,} pixels, more than the {limit:,} Polymask "
            f"decodes (a decompression bomb, or a very large image: set {MAX_PIXELS_SETTING} to raise the limit)"
        )


def check_pixels(path, width: int, height: int, limit: int | None = None) -> None:
    limit = max_pixels() if limit is None else limit
    if width * height > limit:
        raise TooManyPixels(path, width, height, limit)


def to_rgb(im: Image.Image) -> Image.Image:
    """8-bit RGB of any Pillow mode; 16-bit and float grey are scaled by their actual range."""
    if im.mode == "RGB":
        return im
    if im.mode in HIGH_DEPTH_MODES:
        return Image.fromarray(scale_to_8bit(np.asarray(im))).convert("RGB")
    if im.mode == "La":  # premultiplied grey + alpha: Pillow converts it only to LA
        im = im.convert("LA")
    return im.convert("RGB")


def scale_to_8bit(values: np.ndarray) -> np.ndarray:
    """uint8 of `values` scaled from their finite min..max to 0..255 (NaN/inf become 0; a
    constant image keeps its value where it fits in 0..255, else becomes mid-grey)."""
    a = values.astype(np.float32, copy=False)
    finite = np.isfinite(a)
    if not finite.any():
        return np.zeros(a.shape, np.uint8)
    lo, hi = float(a[finite].min()), float(a[finite].max())
    if hi == lo:
        level = lo if 0 <= lo <= 255 else 128
        return np.full(a.shape, level, np.uint8)
    out = (np.where(finite, a, lo) - lo) * (255.0 / (hi - lo))
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


# Every open in Polymask checks the cap itself (check_pixels, from the header, with the
# image's name and the setting in the message); Pillow's fixed cap would refuse images the
# user allowed with POLYMASK_MAX_PIXELS, and only warn below twice its value.
Image.MAX_IMAGE_PIXELS = None


def open_rgb(path: str | os.PathLike, limit: int | None = None) -> Image.Image:
    """The whole image as displayed (EXIF orientation applied), 8-bit RGB, after checking its
    size against the pixel cap from the header. Raises TooManyPixels, or Pillow's errors."""
    with Image.open(Path(path)) as im:
        check_pixels(path, im.width, im.height, limit=limit)
        im.load()
        return to_rgb(ImageOps.exif_transpose(im))
