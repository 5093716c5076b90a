"""The native project file: a VIA 2 project that VIA itself can open, plus our
own data (image sizes, done flags, class attribute and colours, split, runs,
app version) under one extra top-level key."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from polymask_common.text import plural

from .. import __version__
from ..model import OWN_KEY, PolymaskData, Problem, Project, own_data
from ..model.validation import BAD_PROJECT_DATA
from .bulk import without_gc
from .errors import FormatError, ReadResult
from .jsonfile import atomic_write_bytes, clean_stale_temps, dumps_json, read_json_with_state
from .limits import usable_side
from .via import is_via_project, read_via, to_via_project

POLYMASK_KEY = "_polymask"
PROJECT_FILENAME = "polymask.json"
# Files before format 2 kept other formats' round-trip data in keys of these exact
# names beside the image's / region's own keys; format 2 keeps it under OWN_KEY.
FORMAT = 2
_OLD_IMAGE_KEYS = ("coco_image", "labelme")
_OLD_REGION_KEYS = ("coco_annotation", "coco_read_as", "coco_other_parts", "labelme")


def is_native(data: Any) -> bool:
    return is_via_project(data) and isinstance(data.get(POLYMASK_KEY), dict)


def from_native(data: dict, source=None) -> ReadResult:
    ours = dict(data.get(POLYMASK_KEY) or {})
    result = read_via({k: v for k, v in data.items() if k != POLYMASK_KEY}, source, class_attribute=None)
    project = result.project
    file = str(source) if source is not None else None

    def problem(message: str) -> None:
        result.problems.append(Problem(BAD_PROJECT_DATA, message, file=file))

    if ours.pop("format", 1) != FORMAT:
        _move_old_round_trip_keys(project)
    if any("coco_other_parts" in own_data(r) for _, r in project.iter_regions()):
        from .coco import fold_other_parts  # only for files from before multi-polygons: pycocotools is slow to import

        fold_other_parts(project)
    images = ours.pop("images", {}) or {}
    if not isinstance(images, dict):
        problem(
            f"{POLYMASK_KEY}.images is not an object; image sizes are read from the files again "
            "and no image is marked done"
        )
        images = {}
    bad_sizes = 0
    for im in project.images:
        meta = images.get(im.key) or {}
        if not isinstance(meta, dict):
            meta = {}
        im.width, im.height = usable_side(meta.get("width")), usable_side(meta.get("height"))
        bad_sizes += (im.width is None and meta.get("width") is not None) or (
            im.height is None and meta.get("height") is not None
        )
        im.done = meta.get("done") is True
    if bad_sizes:
        problem(
            f"{plural(bad_sizes, 'image')} in {POLYMASK_KEY}.images {'has' if bad_sizes == 1 else 'have'} a width or "
            "height that is not a usable size; the size is read from the image file instead"
        )
    wanted = ours.pop("class_attribute", None)
    if isinstance(wanted, str) and wanted in project.region_attributes:
        project.class_attribute = wanted
    colours = ours.get("class_colours")
    if colours is not None and not isinstance(colours, dict):
        problem(f"{POLYMASK_KEY}.class_colours is not an object; default colours are used")
        del ours["class_colours"]
    elif colours:
        kept = {k: c for k, c in colours.items() if isinstance(c, str)}
        if len(kept) != len(colours):
            n = len(colours) - len(kept)
            wrong = "is not a colour name" if n == 1 else "are not colour names"
            problem(f"{plural(n, 'class colour')} {wrong}; default colours are used")
            ours["class_colours"] = kept
    ours.pop("app_version", None)
    via_version = project.polymask.via_data_format_version  # read_via's
    project.polymask = PolymaskData.from_dict(ours)
    if project.polymask.via_data_format_version is None:
        project.polymask.via_data_format_version = via_version
    result.format = "polymask"
    return result


def _move_old_round_trip_keys(project: Project) -> None:
    for item, keys in [(im, _OLD_IMAGE_KEYS) for im in project.images] + [
        (r, _OLD_REGION_KEYS) for _, r in project.iter_regions()
    ]:
        old = [k for k in keys if k in item.extra]
        if old:
            own = item.extra.setdefault(OWN_KEY, {})
            for k in old:
                own[k] = item.extra.pop(k)


def to_native(project: Project, path=None) -> dict[str, Any]:
    """The project file's JSON; the image folder is stored relative to `path` (default: the
    project's own file), so a project folder can be moved or shared with its images."""
    data = to_via_project(project, foreign=True)  # our file keeps every format's extras
    ours = {k: v for k, v in project.polymask.to_dict().items() if k != "via_data_format_version"}
    target = path or project.path
    if project.image_root is not None and target is not None:
        rel = Path(os.path.relpath(Path(project.image_root).resolve(), Path(target).parent.resolve())).as_posix()
        if rel == ".":
            ours.pop("image_root", None)
        else:
            ours["image_root"] = rel
    ours["app_version"] = __version__
    ours["format"] = FORMAT
    ours["class_attribute"] = project.class_attribute
    ours["images"] = {
        im.key: {"width": im.width, "height": im.height, "done": im.done}
        for im in project.images
        if im.width is not None or im.done
    }
    data[POLYMASK_KEY] = ours
    return data


@without_gc
def load_project(path) -> ReadResult:
    """Read a project file. A symlink is resolved once, here: the project is saved to its
    target (os.replace on the link would turn it into a file and leave the target stale)
    and its images are found from the target's folder."""
    path = Path(path)
    if path.is_symlink():
        path = path.resolve()
    clean_stale_temps(path)  # left by saves that were killed
    data, disk = read_json_with_state(path)
    if not is_via_project(data):
        raise FormatError(path, "is not a Polymask or VIA 2 project file (no _via_img_metadata)")
    ours = data.get(POLYMASK_KEY)
    if ours is not None and not isinstance(ours, dict):
        raise FormatError(path, f"{POLYMASK_KEY} is not an object (it holds Polymask's own data)")
    root = (ours or {}).get("image_root")
    if root is not None and (not isinstance(root, str) or "\x00" in root):
        raise FormatError(path, f"{POLYMASK_KEY}.image_root is {_what(root)}, not the path of the image folder")
    result = from_native(data, path)
    result.project.path = path
    result.project.image_root = _image_root(result.project, path)
    result.disk = disk
    return result


def _what(value) -> str:
    if isinstance(value, str):
        return "a text with a NUL character"
    return f"a JSON {type(value).__name__}".replace("dict", "object").replace("list", "array")


def _image_root(project: Project, path: Path) -> Path:
    stored = project.polymask.image_root
    if stored:
        root = Path(stored)
        return root if root.is_absolute() else (path.parent / root)
    return path.parent


@without_gc
def dumps_project(project: Project, path=None) -> bytes:
    """Serialise on the calling thread (fast); the write itself may happen elsewhere."""
    return dumps_json(to_native(project, path))


def save_project(project: Project, path=None) -> Path:
    """Atomically write the project (temp file, fsync, os.replace) to `path` (default: its own
    file), keeping one backup. The project is not changed: "save as" sets `project.path` itself."""
    path = Path(path or project.path or "")
    if not path.name:
        raise ValueError("the project has no file yet: give a path")
    atomic_write_bytes(path, dumps_project(project, path), backup=True)
    return path
