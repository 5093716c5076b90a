"""labelme's embedded images (``imageData``): extracted to a file on import, written on export.

labelme's "Save With Image Data" puts the image, base64, in the JSON; its tutorial file even
names the JSON itself as ``imagePath``. We never take a JSON file for an image: the embedded
bytes are written, as they are, to an image file beside the JSON named after it (never over
another file), and the project points at that.
"""

from __future__ import annotations

import base64
import binascii
import io
import posixpath
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from .images import IMAGE_SUFFIXES
from .jsonfile import atomic_write_bytes

_ORIENTATION = 0x0112
_SUFFIX = {"JPEG": ".jpg", "PNG": ".png", "BMP": ".bmp", "TIFF": ".tif", "GIF": ".gif", "WEBP": ".webp"}


class EmbeddedImageError(ValueError):
    """The embedded image cannot be used; the message says why."""


def needs_extraction(json_file: Path, image_path: str, image_data) -> bool:
    """Whether the image must come from `imageData`: it is there, and `imagePath` names no
    image file (the JSON itself, another non-image, or a file that does not exist)."""
    if not isinstance(image_data, str) or not image_data:
        return False
    target = json_file.parent / image_path.replace("\\", "/")
    return Path(image_path).suffix.lower() not in IMAGE_SUFFIXES or not target.is_file()


def _decode(image_data: str) -> tuple[bytes, str]:
    """(the image bytes, the suffix of their format); raises EmbeddedImageError."""
    try:
        raw = base64.b64decode(image_data, validate=True)
        with Image.open(io.BytesIO(raw)) as im:
            fmt = im.format or ""
    except (binascii.Error, ValueError, UnidentifiedImageError, OSError) as exc:
        raise EmbeddedImageError(f"its imageData is not a base64 image ({exc})") from None
    if fmt not in _SUFFIX:
        raise EmbeddedImageError(f"its imageData is a {fmt or 'unknown'} image, which Polymask does not open")
    return raw, _SUFFIX[fmt]


def extracted_name(json_file: Path, image_data: str, write: bool) -> str:
    """The image file (relative to the JSON's folder) holding the embedded image: the JSON's
    name with the image's suffix, or `-embedded`, `-embedded-2`, ... when another file has
    that name. Written (atomically) only when `write`; raises EmbeddedImageError."""
    raw, suffix = _decode(image_data)
    stem = json_file.stem
    for n in range(1000):
        name = stem + ("" if n == 0 else "-embedded" if n == 1 else f"-embedded-{n}") + suffix
        target = json_file.parent / name
        if not target.exists():
            if write:
                atomic_write_bytes(target, raw, backup=False)
            return name
        if target.is_file() and target.stat().st_size == len(raw) and target.read_bytes() == raw:
            return name  # extracted before, or the same image already beside it
    raise EmbeddedImageError(f"no free file name for its embedded image beside {json_file}")


def embedded_data(image_file: Path) -> str:
    """`imageData` as labelme's "Save With Image Data" writes it: the file's bytes (JPEG / PNG
    the right way up), else the image re-encoded upright (PNG when it has alpha, else JPEG)."""
    with Image.open(image_file) as im:
        turned = im.getexif().get(_ORIENTATION, 1) not in (0, 1)
        if not turned and image_file.suffix.lower() in (".jpg", ".jpeg", ".png"):
            raw = image_file.read_bytes()
        else:
            upright = ImageOps.exif_transpose(im)
            out = io.BytesIO()
            fmt = "PNG" if "A" in upright.mode else "JPEG"
            (upright if fmt == "PNG" else upright.convert("RGB")).save(out, format=fmt, quality=95)
            raw = out.getvalue()
    return base64.b64encode(raw).decode("ascii")


def joined(folder: str, name: str) -> str:
    return posixpath.normpath(posixpath.join(folder, name))
