"""Where an image named in an annotation file lives, refusing names that point
outside the image folder (`../../etc/passwd`, absolute paths elsewhere) or that
no file system accepts (a NUL character): such files are never read or written."""

from __future__ import annotations

import os
from pathlib import Path

from ..model.validation import BAD_FILE_NAME, OUTSIDE_FOLDER


class UnsafeImagePath(ValueError):
    """An image file name we do not follow; `kind` is the Problem kind."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


def image_file(root, name) -> Path:
    """The path of image `name` inside the folder `root`; raises UnsafeImagePath.

    An absolute name is accepted when it lies inside `root`. The check is on the
    names (no symlinks followed), so a linked image folder still works."""
    if not isinstance(name, str) or not name:
        raise UnsafeImagePath(BAD_FILE_NAME, "the image has no file name")
    if "\x00" in name:
        raise UnsafeImagePath(BAD_FILE_NAME, f"the file name {name!r} contains a NUL character; not read")
    root_text = os.fspath(root)
    if "\x00" in root_text:
        raise UnsafeImagePath(BAD_FILE_NAME, f"the image folder {root_text!r} contains a NUL character")
    folder = os.path.normpath(os.path.abspath(root_text))
    target = os.path.normpath(os.path.join(folder, name))  # join keeps an absolute name as is
    if target != folder and not target.startswith(folder.rstrip(os.sep) + os.sep):
        raise UnsafeImagePath(
            OUTSIDE_FOLDER, f"the file name {name!r} points outside the image folder {root_text}; not read"
        )
    try:
        os.fsencode(target)
    except UnicodeEncodeError:  # e.g. a lone surrogate from a JSON escape
        raise UnsafeImagePath(
            BAD_FILE_NAME, f"the file name {name!r} cannot be a file name on this system; not read"
        ) from None
    return Path(root_text) / name if not os.path.isabs(name) else Path(target)


def image_root_of(project) -> Path:
    """The folder a project's image names are relative to (as Project.image_path uses)."""
    if project.image_root is not None:
        return Path(project.image_root)
    return project.path.parent if project.path else Path(".")


def project_image_file(project, image) -> Path:
    """`image_file` for an image of `project`."""
    return image_file(image_root_of(project), image.filename)
