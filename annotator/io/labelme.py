"""labelme JSON (one file per image) read into a Project.

labelme's shapes map onto ours as labelme itself draws them (annotator.io.labelme_shapes):
areas (polygon, rectangle, circle, oriented rectangle, mask) are objects, a line or
linestrip an open line, points points. The label becomes the class (a dropdown attribute
"class", options in first-seen order) except labelme's special labels ``__ignore__`` and
``_background_``, which are no class (COCO export leaves their shapes out and says so).
Shapes of one label sharing a ``group_id`` are one object. Everything else of a shape
(shape_type, group_id, flags, description, unknown keys) is kept in
``own_data(region)["labelme"]`` and of a file (version, flags, imagePath, unknown keys) in
``own_data(image)["labelme"]``; the image's flags are also its ``flags`` file attribute (a
checkbox, which VIA shows and keeps). An image embedded in ``imageData`` whose ``imagePath``
names no image file is extracted beside the JSON (annotator.io.labelme_images).
"""

from __future__ import annotations

import posixpath
from pathlib import Path

from ..model import OWN_KEY, AttributeDef, ImageRecord, Problem, Project, Region
from ..model import validation as v
from .errors import EXTRACTED_IMAGE, FormatError, ReadResult
from .images import IMAGE_SUFFIXES
from .jsonfile import read_json
from .labelme_images import EmbeddedImageError, extracted_name, needs_extraction
from .labelme_shapes import (
    AS_READ,
    CLASS_ATTRIBUTE,
    EXTRA,
    POINTS_OF,
    as_read,
    is_open_line,
    join_groups,
    shape_type,
    shapes_of,
)
from .limits import usable_side
from .paths import UnsafeImagePath, image_file

__all__ = ["CLASS_ATTRIBUTE", "EXTRA", "SPECIAL_LABELS", "is_open_line", "looks_like_labelme", "read_labelme"]

FORMAT = "labelme"
BAD_FILE = "bad-file"
FLAGS = "flags"  # the file attribute holding labelme's image flags
# labelme's conventions (the labels.txt of its examples): not classes.
IGNORE_LABEL = "__ignore__"
SPECIAL_LABELS = (IGNORE_LABEL, "_background_")
_IMAGE_KEYS = ("shapes", "imageData", "imageHeight", "imageWidth")


def looks_like_labelme(data) -> bool:
    return isinstance(data, dict) and isinstance(data.get("shapes"), list) and "imagePath" in data


def _label(item) -> str:
    label = item.get("label") if isinstance(item, dict) else None
    return "" if label is None else str(label)


def _json_files(folder: Path) -> list[Path]:
    return sorted(
        f
        for f in folder.rglob("*.json")
        if f.is_file() and not any(part.startswith(".") for part in f.relative_to(folder).parts)
    )


def _image_name(file: Path, folder: Path, data: dict, extract: bool, problems: list[Problem]) -> str:
    """The image's name relative to `folder`: imagePath (relative to the JSON, maybe with
    backslashes), or the image extracted from imageData when imagePath names no image file."""
    here = file.parent.relative_to(folder).as_posix()
    image_path = data["imagePath"].replace("\\", "/")
    if needs_extraction(file, image_path, data.get("imageData")):
        try:
            name = extracted_name(file, data["imageData"], write=extract)
        except EmbeddedImageError as exc:
            if Path(image_path).suffix.lower() not in IMAGE_SUFFIXES:
                raise FormatError(file, f"{exc}, and its imagePath {image_path!r} names no image") from None
            problems.append(Problem(BAD_FILE, f"{exc}; imagePath {image_path!r} is used", file=str(file)))
        else:
            if extract:
                message = f"its embedded image (imageData) is used as {name}, beside it"
            else:
                message = f"its image is embedded (imageData) and was not extracted; it would be {name}"
            problems.append(Problem(EXTRACTED_IMAGE if extract else v.MISSING_IMAGE, message, file=str(file)))
            image_path = name
    elif Path(image_path).suffix.lower() == ".json":  # never taken for an image
        raise FormatError(file, f"its imagePath {image_path!r} names a JSON file, not an image, and it embeds no image")
    return posixpath.normpath(posixpath.join(here, image_path))


def _new_record(file: Path, folder: Path, name: str, data: dict, problems: list[Problem]) -> ImageRecord:
    size = -1
    try:
        size = image_file(folder, name).stat().st_size
    except UnsafeImagePath as exc:
        problems.append(Problem(exc.kind, f"imagePath: {exc}", name, file=str(file)))
    except OSError:
        problems.append(Problem(v.MISSING_IMAGE, "image file not found", name, file=str(file)))
    kept = {k: val for k, val in data.items() if k not in _IMAGE_KEYS}
    flags = data.get(FLAGS)
    file_attributes = {}
    if isinstance(flags, dict) and flags:
        file_attributes[FLAGS] = {str(k): True for k, on in flags.items() if on is True}
    return ImageRecord(
        name,
        size,
        usable_side(data.get("imageWidth")),
        usable_side(data.get("imageHeight")),
        file_attributes=file_attributes,
        extra={OWN_KEY: {EXTRA: kept}},
    )


def _regions(file: Path, name: str, shapes: list, labels: dict, problems: list[Problem]) -> list[Region]:
    read: list[Region] = []
    raw: list[dict] = []
    for i, item in enumerate(shapes):
        try:
            ours = shapes_of(item)
        except ValueError as exc:
            problems.append(Problem(v.BAD_REGION, f"shape {i} ({_label(item)!r}): {exc}; skipped", name, i, str(file)))
            continue
        label = _label(item)
        if label and label not in SPECIAL_LABELS:
            labels[label] = None
        extra = {k: val for k, val in item.items() if k not in ("label", "points", "mask")}
        if (kept_points := as_read(item)) is not None:
            extra[AS_READ] = kept_points
        for n, shape in enumerate(ours):
            kept = {**extra, POINTS_OF: [i, n]} if shape_type(item) == "points" else extra
            read.append(Region(shape, {CLASS_ATTRIBUTE: label}, extra={OWN_KEY: {EXTRA: kept}}))
            raw.append({k: val for k, val in item.items() if k != "label"})
    return join_groups(read, raw)


def read_labelme(path_or_folder, extract_images: bool = True) -> ReadResult:
    """One labelme JSON file, or every labelme file below a folder, as a project.

    Image file names are made relative to the folder (or the file's folder). An image
    embedded in a file is extracted beside it unless `extract_images` is False. A bad shape
    is skipped and listed in the problems; in a folder, so is a bad or non-labelme file. A
    single unusable file raises FormatError.
    """
    given = Path(path_or_folder)
    folder = given if given.is_dir() else given.parent
    files = _json_files(given) if given.is_dir() else [given]
    project = Project(image_root=folder)
    problems: list[Problem] = []
    by_name: dict[str, ImageRecord] = {}
    labels: dict[str, None] = {}
    flag_names: dict[str, None] = {}
    for file in files:
        try:
            data = read_json(file)
            if not looks_like_labelme(data):
                raise FormatError(file, "is not a labelme file (no 'shapes' list and 'imagePath')")
            if not isinstance(data["imagePath"], str) or not data["imagePath"]:
                raise FormatError(file, "has no imagePath naming its image")
            name = _image_name(file, folder, data, extract_images, problems)
        except FormatError as exc:
            if not given.is_dir():
                raise
            problems.append(Problem(BAD_FILE, f"{exc.reason}; skipped", file=str(file)))
            continue
        record = by_name.get(name)
        if record is None:
            record = by_name[name] = _new_record(file, folder, name, data, problems)
            project.images.append(record)
            if isinstance(data.get(FLAGS), dict):
                flag_names.update(dict.fromkeys(map(str, data[FLAGS])))
        else:
            problems.append(
                Problem(
                    v.DUPLICATE_IMAGE,
                    "a second labelme file names this image; its shapes are added to it",
                    name,
                    file=str(file),
                )
            )
        record.regions += _regions(file, name, data["shapes"], labels, problems)
    if given.is_dir() and not project.images:
        raise FormatError(given, f"contains no labelme JSON files ({len(files)} .json files checked)")
    project.region_attributes = {
        CLASS_ATTRIBUTE: AttributeDef(CLASS_ATTRIBUTE, "dropdown", options=dict.fromkeys(labels, ""))
    }
    if flag_names:
        project.file_attributes = {FLAGS: AttributeDef(FLAGS, "checkbox", options=dict.fromkeys(flag_names, ""))}
    project.class_attribute = CLASS_ATTRIBUTE
    return ReadResult(project, FORMAT, problems)
