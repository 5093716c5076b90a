"""Sizes we refuse before allocating anything: a 39-byte RLE or a PNG header can
declare a 70000x70000 image, which would take gigabytes to decode."""

from __future__ import annotations

from polymask_common.pixels import default_max_pixels, max_pixels

# 134 megapixels (about 11,600 x 11,600; a 100 MP camera fits): a decoded RGB image
# stays near 400 MB and a mask near 134 MB. One cap for the viewer and the trainer (the
# `pixels` package); POLYMASK_MAX_PIXELS raises it.
MAX_IMAGE_PIXELS = default_max_pixels()
# Widest / tallest image side we believe (panoramas and slide scans are long but not this long).
MAX_SIDE = 1 << 20


def usable_side(value) -> int | None:
    """`value` as an image width or height, or None when it is not one (bool, float,
    string, zero, negative, 10**400, ...)."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_SIDE:
        return value
    return None


def too_many_pixels(height: int, width: int) -> bool:
    return height * width > max_pixels()
