"""Reading and writing projects: VIA, COCO, labelme and the native project file.

Formats are found in small registries (format name -> reader / writer) rather
than branches scattered through the app.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..model import ImageRecord, Project
from .bulk import without_gc
from .errors import FormatError, ReadResult
from .images import IMAGE_SUFFIXES, list_images
from .jsonfile import read_json
from .native import PROJECT_FILENAME, is_native, load_project, save_project
from .via import looks_like_via, read_via, write_via_annotations, write_via_project

__all__ = [
    "fill_image_sizes",
    "FormatError",
    "ReadResult",
    "open_path",
    "read_file",
    "save_project",
    "export",
    "WRITERS",
    "project_from_folder",
    "load_project",
    "PROJECT_FILENAME",
]


def _write_coco(project: Project, path) -> list:
    from .coco import write_coco  # imported lazily: pycocotools is slow to import

    return write_coco(project, path)


def _write_labelme(project: Project, folder, embed_images: bool = False, protect=(), replace=()) -> list:
    from .labelme_write import write_labelme  # imported lazily, as COCO

    return write_labelme(project, folder, embed_images=embed_images, protect=protect, replace=replace)


# Each writer returns the regions it had to leave out (as Problems), or None.
WRITERS: dict[str, Callable[..., list | None]] = {
    "via-project": write_via_project,
    "via": write_via_annotations,
    "coco": _write_coco,
    "labelme": _write_labelme,  # a folder: one JSON per image
}


@without_gc
def export(project: Project, path, fmt: str, **options) -> list:
    """Write `project` to `path` as `fmt` (one of WRITERS); returns what was left out.

    `options` go to the writer (labelme: embed_images, protect)."""
    try:
        writer = WRITERS[fmt]
    except KeyError:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(WRITERS)}") from None
    return writer(project, Path(path), **options) or []


def _looks_like_coco(data) -> bool:
    from .coco import looks_like_coco  # imported lazily: pycocotools is slow to import

    return looks_like_coco(data)


def _looks_like_labelme(data) -> bool:
    from .labelme import looks_like_labelme

    return looks_like_labelme(data)


# Each reader takes (parsed JSON, its path, the image folder, the class attribute asked for)
# and returns a project whose image_root is set.
def _read_via(data, path: Path, image_root: Path, class_attribute: str | None) -> ReadResult:
    result = read_via(data, path, class_attribute)
    result.project.image_root = image_root
    return result


def _read_coco(data, path: Path, image_root: Path, class_attribute: str | None) -> ReadResult:
    from .coco import read_coco

    result = read_coco(data, image_root, source=path, owned=True)
    result.project.image_root = image_root
    return result


def _read_labelme(data, path: Path, image_root: Path, class_attribute: str | None, extract: bool = True) -> ReadResult:
    from .labelme import read_labelme

    return read_labelme(
        path, extract_images=extract
    )  # image names are relative to the labelme file's folder, its image_root


# Format name -> (does parsed JSON look like it, reader), tried in order; the native
# project file is a VIA project too, so it comes first.
READERS: dict[str, tuple[Callable[[Any], bool], Callable[[Any, Path, Path, str | None], ReadResult]]] = {
    "via-project": (lambda d: looks_like_via(d) and "_via_img_metadata" in d, _read_via),
    "via": (looks_like_via, _read_via),
    "coco": (_looks_like_coco, _read_coco),
    "labelme": (_looks_like_labelme, _read_labelme),
}


def detect_format(data) -> str:
    """The format of parsed JSON: polymask, one of READERS, or "unknown"."""
    if is_native(data):
        return "polymask"
    return next((name for name, (looks_like, _) in READERS.items() if looks_like(data)), "unknown")


@without_gc
def read_file(path, images=None, class_attribute: str | None = None, extract_images: bool = True) -> ReadResult:
    """Read any supported annotation file. `images` is the image folder (default: beside the file);
    `extract_images`: write images embedded in labelme files beside them (else they are missing)."""
    path = Path(path)
    if path.is_dir():
        return open_folder(path, extract_images)
    data = read_json(path)
    fmt = detect_format(data)
    if fmt == "polymask":
        return load_project(path)
    if fmt not in READERS:
        kind = type(data).__name__
        raise FormatError(
            path, f"is not a VIA, COCO or labelme file (top level is a JSON {kind} without the keys those formats use)"
        )
    if fmt == "labelme":
        result = _read_labelme(data, path, path.parent, class_attribute, extract_images)
    else:
        result = READERS[fmt][1](data, path, Path(images) if images else path.parent, class_attribute)
    _fill_file_sizes(result.project)
    return result


def _fill_file_sizes(project: Project) -> None:
    """VIA keys images by name + byte size; learn sizes we don't have from the files."""
    from .paths import UnsafeImagePath, image_file

    for im in project.images:
        if im.size < 0 and project.image_root is not None:
            try:
                im.size = os.stat(image_file(project.image_root, im.filename)).st_size
            except (OSError, UnsafeImagePath):  # unsafe names are reported by validate
                pass


@without_gc
def project_from_folder(folder) -> Project:
    """A new project over every image below `folder`; sizes are read lazily by the viewer."""
    folder = Path(folder)
    images = []
    for rel in list_images(folder):
        try:
            size = os.stat(folder / rel).st_size
        except OSError:
            size = -1
        images.append(ImageRecord(filename=rel, size=size))
    return Project(images=images, path=folder / PROJECT_FILENAME, image_root=folder)


def open_folder(folder, extract_images: bool = True) -> ReadResult:
    """A folder opens its project file if it has one, else starts one over its images;
    images added to the folder since are appended."""
    folder = Path(folder)
    project_file = folder / PROJECT_FILENAME
    if not project_file.exists():
        if _holds_labelme(folder):  # labelme's layout: one JSON per image, beside it or in its own folder
            return _labelme_folder(folder, extract_images)
        project = project_from_folder(folder)
        if not project.images:
            kinds = ", ".join(sorted(s.lstrip(".") for s in IMAGE_SUFFIXES))
            raise FormatError(folder, f"holds no images (looked for {kinds})")
        return ReadResult(project, "folder")
    result = load_project(project_file)
    known = {im.filename for im in result.project.images}
    for im in project_from_folder(result.project.image_root or folder).images:
        if im.filename not in known:
            result.project.images.append(im)
    return result


def _holds_labelme(folder: Path) -> bool:
    """Whether the folder's first JSON file (by name; else its sub-folders', two levels down,
    where labelme exports mirroring the images' sub-folders put them) is a labelme file."""
    first = None
    for pattern in ("*.json", "*/*.json", "*/*/*.json"):
        found = [f for f in folder.glob(pattern) if not any(p.startswith(".") for p in f.relative_to(folder).parts)]
        if found:
            first = min(found)
            break
    if first is None:
        return False
    try:
        return _looks_like_labelme(read_json(first))
    except FormatError:
        return False


def _labelme_folder(folder: Path, extract_images: bool = True) -> ReadResult:
    """Every labelme file below `folder`, and the images beside them that have none yet."""
    from .labelme import read_labelme

    result = read_labelme(folder, extract_images=extract_images)
    known = {im.filename for im in result.project.images}
    result.project.images += [im for im in project_from_folder(folder).images if im.filename not in known]
    result.project.path = folder / PROJECT_FILENAME
    return result


def open_path(path, images=None, class_attribute: str | None = None, extract_images: bool = True) -> ReadResult:
    """What the window and CLI open: a folder, a project file, or any annotation file."""
    path = Path(path)
    if not _exists(path):
        raise FormatError(path, "does not exist")
    return read_file(path, images, class_attribute, extract_images)


def _exists(path: Path) -> bool:
    """Path.exists, with names the system refuses (too long, NUL) as a FormatError."""
    try:
        return path.exists()
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            longest = max((len(part) for part in path.parts), default=0)
            raise FormatError(path, f"the file name is too long ({longest:,} characters in one name)") from None
        raise FormatError(path, f"cannot be read ({exc.strerror or exc})") from None
    except ValueError as exc:  # a NUL in the path
        raise FormatError(path, f"cannot be read ({exc})") from None


def fill_image_sizes(project: Project, only_missing: bool = True, images=None) -> list:
    """Read width/height (as displayed, after EXIF) of images that lack them (of `images`, by
    default all), learnt by the project (`Project.learn_size`: kept with its next save).

    Returns Problems for images that are missing or unreadable.
    """
    from ..model import Problem
    from ..model.validation import MISSING_IMAGE, UNREADABLE_IMAGE
    from .images import ImageReadError, displayed_size
    from .paths import UnsafeImagePath, project_image_file

    problems = []
    for im in project.images if images is None else images:
        if only_missing and im.width is not None and im.height is not None:
            continue
        try:
            path = project_image_file(project, im)
        except UnsafeImagePath as exc:  # never read: ../../etc/passwd, a NUL in the name
            problems.append(Problem(exc.kind, str(exc), im.filename))
            continue
        if not path.exists():
            problems.append(Problem(MISSING_IMAGE, f"image file not found at {path}", im.filename))
            continue
        try:
            project.learn_size(im, *displayed_size(path))
        except ImageReadError as exc:
            problems.append(Problem(UNREADABLE_IMAGE, str(exc).split(": ", 1)[-1], im.filename))
    return problems
