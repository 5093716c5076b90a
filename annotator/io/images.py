"""Image files: which files are images, and their size as displayed (after EXIF)."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from .limits import MAX_IMAGE_PIXELS

# Deliberately our cap, not Pillow's default: Pillow warns above it and raises above
# twice it; both become an ImageReadError here, before any pixel is decoded.
Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
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
            try:
                orientation = im.getexif().get(_ORIENTATION_TAG, 1)
            except Exception:  # broken EXIF should not hide a good image
                orientation = 1
    except _BOMB_ERRORS:
        raise ImageReadError(path, _too_big()) from None
    except FileNotFoundError:
        raise ImageReadError(path, "image file not found") from None
    except UnidentifiedImageError:
        raise ImageReadError(path, "not an image Pillow can read") from None
    except (OSError, ValueError) as exc:  # ValueError: e.g. a NUL in the path
        raise ImageReadError(path, f"cannot be read ({exc})") from None
    return (height, width) if orientation in _TRANSPOSED else (width, height)


def load_image(path) -> Image.Image:
    """The decoded RGB image as displayed (EXIF-transposed). Raises ImageReadError."""
    from PIL import ImageOps

    try:
        with _bombs_raise(), Image.open(path) as im:
            im.load()
            return ImageOps.exif_transpose(im).convert("RGB")
    except _BOMB_ERRORS:
        raise ImageReadError(path, _too_big()) from None
    except FileNotFoundError:
        raise ImageReadError(path, "image file not found") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ImageReadError(path, f"cannot be decoded ({exc})") from None


def _too_big() -> str:
    return (
        f"has more than {MAX_IMAGE_PIXELS:,} pixels; Polymask does not decode images this large "
        "(a decompression bomb, or split it into tiles)"
    )


class _bombs_raise(warnings.catch_warnings):
    """Pillow's DecompressionBombWarning (above our cap) raised like its error (above twice it)."""

    def __enter__(self):
        super().__enter__()
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        return self
