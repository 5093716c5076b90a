"""Decoding image files the same way everywhere: the viewer, `validate`, training,
evaluation and prediction.

A leaf package under polymask_common (Pillow and numpy only; no Qt, no torch, nothing of
annotator or trainer) so that
both `annotator` and `trainer` may import it while neither imports the other: the one
home of the pixel cap (`max_pixels`) and of how images that are not 8-bit RGB become
8-bit RGB (`to_rgb`, which scales 16-bit and float images by their actual range).
polymask_common's import-linter contract keeps it a leaf.
"""

from .decode import (
    HIGH_DEPTH_MODES,
    MAX_PIXELS_SETTING,
    TooManyPixels,
    check_pixels,
    default_max_pixels,
    max_pixels,
    open_rgb,
    to_rgb,
)

__all__ = [
    "HIGH_DEPTH_MODES",
    "MAX_PIXELS_SETTING",
    "TooManyPixels",
    "check_pixels",
    "default_max_pixels",
    "max_pixels",
    "open_rgb",
    "to_rgb",
]
