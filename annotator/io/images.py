"""Image files: which files are images, and their size as displayed (after EXIF)."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from polymask_common.pixels import TooManyPixels, check_pixels, open_rgb

from .limits import MAX_IMAGE_PIXELS  # noqa: F401 - the cap, named where images are read

# The cap is checked from the header (polymask_common.pixels.check_pixels) before any pixel is decoded;
# Pillow's own errors stay caught for files opened elsewhere with its cap.
_BOMB_ERRORS = (Image.DecompressionBombError, Image.DecompressionBombWarning)

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp", ".gif"}
# EXIF orientations 5-8 rotate by 90 degrees: width and height swap on display.
_TRANSPOSED = {5, 6, 7, 8}
_ORIENTATION_TAG = 0x0112


class ImageReadError(Exception):
    def __init__(self, path, reason: str):
        self.path = Path(path)
        super().__init__(f"{path}: {reason}")


def is_image_file(path) -> bool:
    return Path(path).suffix.lower() in IMAGE_SUFFIXES


def list_images(folder) -> list[str]:
    """Image files below `folder`, as sorted relative POSIX paths (sub-folders included)."""
    folder = Path(folder)
    found = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        rel = Path(dirpath).relative_to(folder)
        for name in filenames:
            if not name.startswith(".") and is_image_file(name):
                found.append((rel / name).as_posix())
    return sorted(found)


def displayed_size(path) -> tuple[int, int]:
    """(width, height) as the image is displayed, honouring EXIF orientation.

    Reads the header only, so it is fast on 12-megapixel photos.
    """
    try:
        with _bombs_raise(), Image.open(path) as im:
            width, height = im.size
            check_pixels(path, width, height)
            try:
                orientation = im.getexif().get(_ORIENTATION_TAG, 1)
            except Exception:  # broken EXIF should not hide a good image
                orientation = 1
    except _BOMB_ERRORS:
        raise ImageReadError(path, _too_big()) from None
    except TooManyPixels as exc:
        raise ImageReadError(path, _too_big(exc)) from None
    except FileNotFoundError:
        raise ImageReadError(path, "image file not found") from None
    except UnidentifiedImageError:
        raise ImageReadError(path, "not an image Pillow can read") from None
    except (OSError, ValueError) as exc:  # ValueError: e.g. a NUL in the path
        raise ImageReadError(path, f"cannot be read ({exc})") from None
    return (height, width) if orientation in _TRANSPOSED else (width, height)


def load_image(path) -> Image.Image:
    """The decoded RGB image as displayed (EXIF-transposed), 16-bit and float images scaled
    by their range as the trainer sees them (pixels.open_rgb). Raises ImageReadError."""
    try:
        with _bombs_raise():
            return open_rgb(path)
    except _BOMB_ERRORS:
        raise ImageReadError(path, _too_big()) from None
    except TooManyPixels as exc:
        raise ImageReadError(path, _too_big(exc)) from None
    except FileNotFoundError:
        raise ImageReadError(path, "image file not found") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ImageReadError(path, f"cannot be decoded ({exc})") from None


def _too_big(exc: TooManyPixels | None = None) -> str:
    from polymask_common.pixels import MAX_PIXELS_SETTING, max_pixels

    size = f"is {exc.width}x{exc.height}, " if exc is not None else ""
    return (
        f"{size}more than {max_pixels():,} pixels; Polymask does not decode images this large "
        f"(a decompression bomb, or split it into tiles; {MAX_PIXELS_SETTING} raises the limit)"
    )


class _bombs_raise(warnings.catch_warnings):
    """Pillow's DecompressionBombWarning (above our cap) raised like its error (above twice it)."""

    def __enter__(self):
        super().__enter__()
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        return self
