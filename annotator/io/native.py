"""The native project file: a VIA 2 project that VIA itself can open, plus our
own data (image sizes, done flags, class attribute and colours, split, runs,
app version) under one extra top-level key."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .. import __version__
from ..model import Project
from .bulk import without_gc
from .errors import FormatError, ReadResult
from .jsonfile import atomic_write_bytes, dumps_json, read_json
from .via import is_via_project, read_via, to_via_project

POLYMASK_KEY = "_polymask"
PROJECT_FILENAME = "polymask.json"


def is_native(data: Any) -> bool:
    return is_via_project(data) and isinstance(data.get(POLYMASK_KEY), dict)


def from_native(data: dict, source=None) -> ReadResult:
    ours = dict(data.get(POLYMASK_KEY) or {})
    result = read_via({k: v for k, v in data.items() if k != POLYMASK_KEY}, source,
                      class_attribute=None)
    project = result.project
    images = ours.pop("images", {}) or {}
    for im in project.images:
        meta = images.get(im.key) or {}
        im.width, im.height = meta.get("width"), meta.get("height")
        im.done = bool(meta.get("done", False))
    wanted = ours.pop("class_attribute", None)
    if wanted in project.region_attributes:
        project.class_attribute = wanted
    ours.pop("app_version", None)
    project.polymask.update(ours)
    result.format = "polymask"
    return result


def to_native(project: Project) -> dict[str, Any]:
    data = to_via_project(project, foreign=True)  # our file keeps every format's extras
    ours = {k: v for k, v in project.polymask.items() if k != "via_data_format_version"}
    ours["app_version"] = __version__
    ours["class_attribute"] = project.class_attribute
    ours["images"] = {
        im.key: {"width": im.width, "height": im.height, "done": im.done}
        for im in project.images if im.width is not None or im.done
    }
    data[POLYMASK_KEY] = ours
    return data


@without_gc
def load_project(path) -> ReadResult:
    path = Path(path)
    data = read_json(path)
    if not is_via_project(data):
        raise FormatError(path, "is not a Polymask or VIA 2 project file (no _via_img_metadata)")
    result = from_native(data, path)
    result.project.path = path
    result.project.image_root = _image_root(result.project, path)
    return result


def _image_root(project: Project, path: Path) -> Path:
    root = project.polymask.get("image_root")
    if root:
        root = Path(root)
        return root if root.is_absolute() else (path.parent / root)
    return path.parent


@without_gc
def dumps_project(project: Project) -> bytes:
    """Serialise on the calling thread (fast); the write itself may happen elsewhere."""
    return dumps_json(to_native(project))


def save_project(project: Project, path=None) -> Path:
    """Atomically write the project (temp file, fsync, os.replace), keeping one backup."""
    path = Path(path or project.path or "")
    if not path.name:
        raise ValueError("the project has no file yet: give a path")
    if project.image_root is not None:
        # Relative, so a project folder can be moved or shared with its images.
        rel = Path(os.path.relpath(Path(project.image_root).resolve(), path.parent.resolve())).as_posix()
        if rel == ".":
            project.polymask.pop("image_root", None)
        else:
            project.polymask["image_root"] = rel
    atomic_write_bytes(path, dumps_project(project), backup=True)
    project.path = path
    return path
