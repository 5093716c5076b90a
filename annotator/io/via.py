"""VGG Image Annotator (VIA) files: 1.x annotations, 2.x annotations-only and 2.x projects.

VIA 1.x keeps an image's regions in a dict keyed "0", "1", ...; 2.x in a list.
A 2.x project wraps the same image metadata with `_via_settings`,
`_via_attributes` (the attribute definitions, where the classes live),
`_via_data_format_version` and `_via_image_id_list`. Everything we do not
understand is kept and written back.
"""

from __future__ import annotations

import math
from typing import Any

from ..model import OWN_KEY, SHAPE_TYPES, AttributeDef, ImageRecord, Problem, Project, Region, own_data
from ..model.shapes import Ellipse, MultiPolygon, PathShape, Polygon, Polyline, Shape
from ..model.validation import BAD_PROJECT_DATA, BAD_REGION
from .errors import FormatError, ReadResult
from .numbers import all_finite_numbers, coordinate_out, coordinates_out
from .via_parts import holes_left_out, join_parts, part_regions

PROJECT_KEYS = ("_via_settings", "_via_img_metadata", "_via_attributes")
VIA_VERSION = "2.0.10"  # what VIA 2.0.x (up to 2.0.12) writes
_IMAGE_KEYS = {"filename", "size", "regions", "file_attributes"}
_REGION_KEYS = {"shape_attributes", "region_attributes"}
# Keys of each VIA shape, in the order VIA writes them.
_SHAPE_FIELDS = {
    "rect": ("x", "y", "width", "height"),
    "circle": ("cx", "cy", "r"),
    "ellipse": ("cx", "cy", "rx", "ry"),
    "point": ("cx", "cy"),
}


class _BadRegion(ValueError):
    pass


# ---- detection ------------------------------------------------------------------
def is_via_project(data: Any) -> bool:
    return isinstance(data, dict) and "_via_img_metadata" in data


def looks_like_via(data: Any) -> bool:
    """A VIA project, or a dict of image entries each with `filename` and `regions`."""
    if is_via_project(data):
        return True
    if not isinstance(data, dict) or not data:
        return False
    return all(isinstance(v, dict) and "filename" in v and "regions" in v for v in data.values())


def _json_type(value) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}.get(
        type(value), "number"
    )


# ---- reading ----------------------------------------------------------------------
def _number(value, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _BadRegion(f"{what} is not a number ({value!r})")
    try:
        number = float(value)
    except OverflowError:
        raise _BadRegion(f"{what} is too large to be a coordinate ({_short(value)})") from None
    if not math.isfinite(number):
        raise _BadRegion(f"{what} is not a finite number ({value!r})")
    return number


def _short(value) -> str:
    text = str(value) if isinstance(value, int) and value.bit_length() < 10_000 else repr(value)[:40]
    return text if len(text) <= 40 else f"{text[:12]}...{text[-6:]} ({len(text)} digits)"


def _numbers(values: list, what: str) -> tuple[float, ...]:
    """All of `values` as floats; the fast path matters for 100,000-polygon files."""
    if all_finite_numbers(values):
        return tuple(map(float, values))
    return tuple(_number(v, f"{what}[{i}]") for i, v in enumerate(values))


def shape_from_via(attrs: Any) -> Shape:
    """One `shape_attributes` dict as a Shape; raises _BadRegion with the reason."""
    if not isinstance(attrs, dict):
        raise _BadRegion("shape_attributes is not an object")
    name = attrs.get("name")
    if name not in SHAPE_TYPES:
        raise _BadRegion(f"unknown shape {name!r} (expected one of {', '.join(SHAPE_TYPES)})")
    if name in ("polygon", "polyline"):
        xs, ys = attrs.get("all_points_x"), attrs.get("all_points_y")
        if not isinstance(xs, list) or not isinstance(ys, list):
            raise _BadRegion(f"{name} needs the lists all_points_x and all_points_y")
        if len(xs) != len(ys):
            raise _BadRegion(f"all_points_x has {len(xs)} values but all_points_y has {len(ys)}")
        path_type = Polygon if name == "polygon" else Polyline
        return path_type(_numbers(xs, "all_points_x"), _numbers(ys, "all_points_y"))
    fields = _SHAPE_FIELDS[name]
    missing = [f for f in fields if f not in attrs]
    if missing:
        raise _BadRegion(f"{name} is missing {', '.join(missing)}")
    values = [_number(attrs[f], f) for f in fields]
    if name == "ellipse":
        cx, cy, rx, ry = values
        return Ellipse(cx, cy, rx, ry, theta=_number(attrs.get("theta", 0), "theta"))
    return SHAPE_TYPES[name](*values)


def _num_out(v: float):
    """VIA writes whole numbers as ints; keeping that makes round trips exact (numbers.py rounds to 0.01 px)."""
    return coordinate_out(v)


# Floats hold integers exactly up to 2**53; a shape read with larger integers keeps
# what it was read from (our round-trip data), written back while it is not edited.
_EXACT = 2**53
READ_SHAPE = "via_shape"
READ_AS = "via_read_as"


def _has_inexact_int(attrs: dict) -> bool:
    """Whether a (validated) shape_attributes dict holds an integer a float cannot hold.

    max/min run in C: this is on the path of every region of a 100,000-polygon read."""
    for value in attrs.values():
        if type(value) is list:
            if (
                value
                and (max(value) > _EXACT or min(value) < -_EXACT)
                and any(type(v) is int and abs(v) > _EXACT for v in value)
            ):
                return True
        elif type(value) is int and abs(value) > _EXACT:
            return True
    return False


def region_shape_out(region: Region) -> dict[str, Any]:
    """The region's shape_attributes: as read while unchanged (exact big integers), else from the shape."""
    out = shape_to_via(region.shape)
    ours = own_data(region)
    if READ_SHAPE in ours and ours.get(READ_AS) == out:
        return ours[READ_SHAPE]
    return out


def shape_to_via(shape: Shape) -> dict[str, Any]:
    out: dict[str, Any] = {"name": shape.name}
    if isinstance(shape, PathShape):
        out["all_points_x"] = coordinates_out(shape.xs)
        out["all_points_y"] = coordinates_out(shape.ys)
    elif isinstance(shape, Ellipse):
        out.update(cx=_num_out(shape.cx), cy=_num_out(shape.cy), rx=_num_out(shape.rx), ry=_num_out(shape.ry))
        if shape.theta:
            out["theta"] = shape.theta
    else:
        for f in _SHAPE_FIELDS[shape.name]:
            out[f] = _num_out(getattr(shape, f))
    return out


def _attribute_def(name: str, raw: Any) -> AttributeDef:
    if not isinstance(raw, dict):
        raw = {}
    # Keys of an unexpected type stay in `extra` (written back as read) and get defaults here.
    known = {k for k in ("type", "description", "default_value") if isinstance(raw.get(k, ""), str)}
    known |= {k for k in ("options", "default_options") if isinstance(raw.get(k, {}), dict)}
    options = raw.get("options") if "options" in known else None
    defaults = raw.get("default_options") if "default_options" in known else None
    return AttributeDef(
        name=name,
        type=raw.get("type", "text") if "type" in known else "text",
        description=raw.get("description", "") if "description" in known else "",
        options={str(k): v if isinstance(v, str) else "" for k, v in (options or {}).items()},
        default_options={str(k): bool(v) for k, v in (defaults or {}).items()},
        default_value=raw.get("default_value", "") if "default_value" in known else "",
        extra={k: v for k, v in raw.items() if k not in known},
    )


def _infer_attribute(name: str, values: list[Any]) -> AttributeDef:
    """VIA 1.x and annotations-only files carry no definitions: infer them from values."""
    if any(isinstance(v, dict) for v in values):
        options = dict.fromkeys(k for v in values if isinstance(v, dict) for k in v)
        return AttributeDef(name=name, type="checkbox", options={k: "" for k in options})
    return AttributeDef(name=name, type="text")


def read_via(data: Any, source=None, class_attribute: str | None = None) -> ReadResult:
    """Read any VIA flavour (already parsed JSON) into a project; `source` names the file in messages."""
    if not isinstance(data, dict):
        raise FormatError(source, f"a VIA file holds a JSON object, not a {type(data).__name__}")
    project = Project()
    early_problems: list[Problem] = []
    if is_via_project(data):
        fmt = "via-project"
        metadata = data["_via_img_metadata"]
        if not isinstance(metadata, dict):
            raise FormatError(source, "_via_img_metadata is not an object")
        attributes = data.get("_via_attributes") or {}
        if not isinstance(attributes, dict):
            raise FormatError(source, "_via_attributes is not an object")
        project.settings = data.get("_via_settings") or {}
        if not isinstance(project.settings, dict):  # VIA's display preferences: defaults will do
            early_problems.append(
                Problem(
                    BAD_PROJECT_DATA,
                    f"_via_settings is a JSON {_json_type(project.settings)}, "
                    "not an object; VIA's default settings are used",
                    file=str(source) if source is not None else None,
                )
            )
            project.settings = {}
        for kind in ("region", "file"):
            if not isinstance(attributes.get(kind) or {}, dict):
                raise FormatError(
                    source,
                    f"_via_attributes.{kind} is a JSON {_json_type(attributes[kind])}, "
                    "not an object of attribute definitions",
                )
        project.region_attributes = {n: _attribute_def(n, a) for n, a in (attributes.get("region") or {}).items()}
        project.file_attributes = {n: _attribute_def(n, a) for n, a in (attributes.get("file") or {}).items()}
        project.extra = {
            k: v
            for k, v in data.items()
            if k not in PROJECT_KEYS and k not in ("_via_data_format_version", "_via_image_id_list")
        }
        if "_via_data_format_version" in data:
            project.polymask.via_data_format_version = data["_via_data_format_version"]
        order = data.get("_via_image_id_list")
        if isinstance(order, list) and all(isinstance(k, str) for k in order) and set(order) == set(metadata):
            metadata = {k: metadata[k] for k in order}
    else:
        fmt = "via"
        metadata = data
    problems: list[Problem] = early_problems
    for key, entry in metadata.items():
        image = _read_image(key, entry, source, problems)
        if image is not None:
            project.images.append(image)
    if not is_via_project(data):
        _infer_definitions(project)
    try:
        project.ensure_class_attribute(class_attribute)
    except KeyError as exc:
        raise FormatError(source, exc.args[0]) from None
    return ReadResult(project, fmt, problems)


def _read_image(key: str, entry: Any, source, problems: list[Problem]) -> ImageRecord | None:
    src = str(source) if source is not None else None
    if not isinstance(entry, dict) or not isinstance(entry.get("filename"), str):
        problems.append(Problem(BAD_REGION, "image entry has no file name; skipped", key, None, src))
        return None
    filename = entry["filename"]
    size = entry.get("size", -1)
    if not (isinstance(size, int) and not isinstance(size, bool)):
        try:
            size = int(size)
        except (TypeError, ValueError, OverflowError):  # OverflowError: Infinity
            size = -1
    file_attributes = entry.get("file_attributes")
    if not isinstance(file_attributes, dict):
        file_attributes = {}
    image = ImageRecord(
        filename=filename,
        size=size,
        file_attributes=file_attributes,
        via_key=key,
        extra={k: v for k, v in entry.items() if k not in _IMAGE_KEYS},
    )
    raw_regions = entry.get("regions") or []
    if isinstance(raw_regions, dict):  # VIA 1.x: {"0": {...}, "1": {...}}
        raw_regions = [raw_regions[k] for k in sorted(raw_regions, key=_region_order)]
    if not isinstance(raw_regions, list):
        problems.append(
            Problem(BAD_REGION, "regions is neither a list nor an object; no region read", filename, None, src)
        )
        return image
    for index, raw in enumerate(raw_regions):
        try:
            if not isinstance(raw, dict):
                raise _BadRegion("region is not an object")
            raw_shape = raw.get("shape_attributes")
            shape = shape_from_via(raw_shape)
            attrs = raw.get("region_attributes")
            attrs = attrs if isinstance(attrs, dict) else {}
        except _BadRegion as exc:
            problems.append(Problem(BAD_REGION, f"{exc}; region skipped", filename, index, src))
            continue
        # Geometry (self-intersection, out of image) is the validator's job, not the reader's.
        region = Region(shape, attrs, extra={k: v for k, v in raw.items() if k not in _REGION_KEYS})
        if isinstance(raw_shape, dict) and _has_inexact_int(raw_shape):
            ours = own_data(region, create=True)
            ours[READ_SHAPE], ours[READ_AS] = raw_shape, shape_to_via(shape)
        image.regions.append(region)
    join_parts(image)  # parts of one object, written as separate regions
    return image


def _region_order(key: str):
    return (0, int(key)) if str(key).isdigit() else (1, str(key))


def _infer_definitions(project: Project) -> None:
    values: dict[str, list[Any]] = {}
    for _, region in project.iter_regions():
        for name, value in region.attributes.items():
            values.setdefault(name, []).append(value)
    project.region_attributes = {n: _infer_attribute(n, v) for n, v in values.items()}
    file_values: dict[str, list[Any]] = {}
    for im in project.images:
        for name, value in im.file_attributes.items():
            file_values.setdefault(name, []).append(value)
    project.file_attributes = {n: _infer_attribute(n, v) for n, v in file_values.items()}


# ---- writing ----------------------------------------------------------------------
def _attribute_to_via(attr: AttributeDef, is_class: bool = False) -> dict[str, Any]:
    """VIA's definition; a class option without a description is described by its name,
    which VIA's own COCO export uses as the category name."""
    out: dict[str, Any] = {"type": attr.type, "description": attr.description}
    if attr.type == "text":
        out["default_value"] = attr.default_value
    else:
        out["options"] = {k: (d or k) if is_class else d for k, d in attr.options.items()}
        out["default_options"] = dict(attr.default_options)
    out.update(attr.extra)
    return out


def _kept(extra: dict[str, Any], foreign: bool) -> dict[str, Any]:
    """Unknown keys always survive, whatever their names; our round-trip data (under
    OWN_KEY: the COCO annotation as read, labelme fields, ...) belongs in our project
    file, not in a file exported for VIA."""
    if foreign or OWN_KEY not in extra:
        return extra
    return {k: v for k, v in extra.items() if k != OWN_KEY}


def image_metadata(project: Project, foreign: bool = False) -> dict[str, Any]:
    """`_via_img_metadata`: the part shared by projects and annotations-only files.

    Unknown VIA keys always survive; other formats' data only with `foreign`."""
    out: dict[str, Any] = {}
    for im in project.images:
        regions: list[dict[str, Any]] = []
        for n, r in enumerate(im.regions):
            if isinstance(r.shape, MultiPolygon):  # VIA has single shapes: one region per part
                regions += part_regions(r, str(n), foreign, shape_to_via, lambda extra: _kept(extra, foreign))
            else:
                regions.append(
                    {
                        "shape_attributes": region_shape_out(r),
                        "region_attributes": r.attributes,
                        **_kept(r.extra, foreign),
                    }
                )
        entry: dict[str, Any] = {
            "filename": im.filename,
            "size": im.size,
            "regions": regions,
            "file_attributes": im.file_attributes,
        }
        entry.update(_kept(im.extra, foreign))
        out[im.key] = entry
    return out


def to_via_project(project: Project, foreign: bool = False, describe_classes: bool = False) -> dict[str, Any]:
    """The VIA project dict; `describe_classes` (exports) gives class options their names as
    descriptions where they have none, so VIA's own COCO export names its categories."""
    metadata = image_metadata(project, foreign)
    data: dict[str, Any] = {
        "_via_settings": project.settings or default_settings(),
        "_via_img_metadata": metadata,
        "_via_attributes": {
            "region": {
                n: _attribute_to_via(a, describe_classes and n == project.class_attribute)
                for n, a in project.region_attributes.items()
            },
            "file": {n: _attribute_to_via(a) for n, a in project.file_attributes.items()},
        },
        "_via_data_format_version": _or(project.polymask.via_data_format_version, VIA_VERSION),
        "_via_image_id_list": list(metadata),
    }
    data.update(project.extra)
    return data


def default_settings() -> dict[str, Any]:
    """Settings VIA 2 expects when it opens a project."""
    return {
        "ui": {
            "annotation_editor_height": 25,
            "annotation_editor_fontsize": 0.8,
            "leftsidebar_width": 18,
            "image_grid": {
                "img_height": 80,
                "rshape_fill": "none",
                "rshape_fill_opacity": 0.3,
                "rshape_stroke": "yellow",
                "rshape_stroke_width": 2,
                "show_region_shape": True,
                "show_image_policy": "all",
            },
            "image": {
                "region_label": "__via_region_id__",
                "region_color": "__via_default_region_color__",
                "region_label_font": "10px Sans",
                "on_image_annotation_editor_placement": "NEAR_REGION",
            },
        },
        "core": {"buffer_size": 18, "filepath": {}, "default_filepath": ""},
        "project": {"name": "polymask"},
    }


def write_via_project(project: Project, path) -> list[Problem]:
    """Write a VIA 2 project; returns what VIA cannot hold (holes), written filled."""
    from .jsonfile import write_json

    write_json(path, to_via_project(project, describe_classes=True), backup=False)
    return holes_left_out(project)


def write_via_annotations(project: Project, path) -> list[Problem]:
    """Write VIA annotations only; returns what VIA cannot hold (holes), written filled."""
    from .jsonfile import write_json

    write_json(path, image_metadata(project), backup=False)
    return holes_left_out(project)


def _or(value, default):
    return default if value is None else value
