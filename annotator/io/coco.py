"""COCO instance segmentation: read into a Project, write a Project back.

Round trip design (COCO -> project -> COCO is lossless):

* One region per annotation. Its shape is a Polygon, or a MultiPolygon for an
  object in several polygons or an RLE mask with several blobs or holes (traced
  along pixel edges, so it rasterises back to the same pixels). The annotation as
  read (segmentation, area, bbox, iscrowd, id, unknown keys) is kept in our
  round-trip data (``own_data(region)["coco_annotation"]``, under
  ``region.extra["_polymask"]``) and the shape read in ``coco_read_as``. Everything
  is plain JSON, so it survives the native project file.
* On export, a region whose shape still equals ``coco_read_as`` is written as
  read (RLE stays RLE), only its class/image ids refreshed. An edited shape is
  written as polygons, one per part, or as an RLE when it has holes (COCO
  polygons cannot hold holes).
* Category, image and annotation ids, ``info``, ``licenses``, category
  ``supercategory`` and unknown keys are kept (``project.polymask.coco``,
  ``own_data(image)["coco_image"]``, the annotation above) and written back.
  Annotations are written grouped by image, in region order.
* Areas of written polygons are shoelace areas (shapely), as the COCO dataset
  itself has them (fractional areas): exact for the polygon, independent of
  rasterisation. RLE areas are pycocotools pixel counts.

Classes are the options of a dropdown region attribute "class", in category
order; the user's category ids and names are kept (the trainer remaps them).
"""

from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path
from typing import Any

from polymask_common.text import plural

from ..model import (
    OWN_KEY,
    AmbiguousClass,
    AttributeDef,
    ImageRecord,
    MultiPolygon,
    Polygon,
    Polyline,
    Problem,
    Project,
    Rect,
    Region,
    Shape,
    area_geometry,
    own_data,
    shape_from_geometry,
)
from ..model import validation as v
from .errors import CLOSING_VERTEX, SPECIAL_LABEL_LEFT_OUT, FormatError, ReadResult
from .images import ImageReadError, displayed_size
from .jsonfile import copy_json, read_json, write_json
from .labelme import IGNORE_LABEL, SPECIAL_LABELS, is_open_line
from .limits import usable_side
from .numbers import all_finite_numbers, coordinates_out
from .paths import UnsafeImagePath, image_file, project_image_file
from .rle import is_finite_number, mask_from_segmentation, mask_to_geometry, parts_to_rle, polygon_area, rle_area_bbox
from .via_parts import to_lists

FORMAT = "coco"
CLASS_ATTRIBUTE = "class"
ANNOTATION = "coco_annotation"
READ_AS = "coco_read_as"
OTHER_PARTS = "coco_other_parts"  # files before multi-polygons kept the parts not shown here
IMAGE = "coco_image"
CLASS_INFO = "polymask_class_attribute"  # in `info`: the class attribute's name and type
BAD_CATEGORY = "bad-category"
BAD_IMAGE = "bad-image"
NO_AREA = "no-area"
_LISTS = ("images", "annotations", "categories")


def looks_like_coco(data) -> bool:
    return isinstance(data, dict) and isinstance(data.get("images"), list) and isinstance(data.get("annotations"), list)


# ---- reading ------------------------------------------------------------------------------------
def _is_id(value) -> bool:
    return isinstance(value, (int, str)) and not isinstance(value, bool)


def _size(value) -> int | None:
    return usable_side(value)


def _flat(points) -> list[float]:
    return [float(c) for p in points for c in p]


def _flat_xy(shape: Polygon) -> list[float]:
    """[x0, y0, x1, y1, ...] of a path shape, without building point tuples."""
    flat = [0.0] * (2 * len(shape.xs))
    flat[0::2], flat[1::2] = shape.xs, shape.ys
    return flat


def _polygon_part(part, n: int) -> list:
    what = f"polygon part {n}"
    if not isinstance(part, list):
        raise ValueError(f"{what} is not a list of coordinates")
    if not all_finite_numbers(part):
        bad = next(c for c in part if not is_finite_number(c))
        raise ValueError(f"{what} has a coordinate that is not a finite number ({bad!r})")
    if len(part) % 2:
        raise ValueError(f"{what} has an odd number of coordinates ({len(part)})")
    if len(part) < 6:
        raise ValueError(f"{what} has {len(part) // 2} points; a polygon needs at least 3")
    return part


def _ring(flat: list) -> Polygon:
    return Polygon(tuple(map(float, flat[0::2])), tuple(map(float, flat[1::2])))


def shape_key(shape: Shape):
    """What `coco_read_as` holds: the flat polygon, or a multi-polygon's nested lists."""
    if isinstance(shape, MultiPolygon):
        return to_lists(shape)
    # rounded as files hold coordinates (numbers.py), so a save and reload is not an edit
    return coordinates_out(_flat_xy(shape)) if isinstance(shape, Polygon) else None


def _shape_of(ann: dict, image_size: tuple[int | None, int | None] = (None, None)) -> tuple[Shape, Any]:
    """(shape, read_as) of an annotation; raises ValueError naming what is wrong.

    `image_size` is the image's (height, width) when known: an RLE must match it."""
    seg = ann.get("segmentation")
    shape: Shape | None
    if isinstance(seg, dict):
        shape = shape_from_geometry(mask_to_geometry(mask_from_segmentation(seg, image_size)))
        if shape is None:
            raise ValueError("the RLE mask is empty")
    elif isinstance(seg, list) and seg:
        # A bare flat list is not COCO, but some tools write it for one part.
        raw = [seg] if all(not isinstance(c, list) for c in seg) else seg
        rings = [_ring(_polygon_part(p, i)) for i, p in enumerate(raw)]
        shape = rings[0] if len(rings) == 1 else MultiPolygon(tuple((r, ()) for r in rings))
    else:
        bbox = ann.get("bbox")
        if isinstance(bbox, list) and len(bbox) == 4 and all(is_finite_number(c) for c in bbox):
            # Detection-only annotation: editable as a box, exported as its polygon.
            return Rect(*(float(c) for c in bbox)), None
        raise ValueError("has no segmentation and no bbox")
    return shape, shape_key(shape)


def fold_other_parts(project: Project) -> None:
    """Files written before multi-polygons showed one part and kept the others in
    OTHER_PARTS: show every part now (the annotation is still written as read while unedited)."""
    for _, region in project.iter_regions():
        ours = own_data(region)
        others = ours.pop(OTHER_PARTS, None)
        if others and isinstance(region.shape, Polygon) and ours.get(READ_AS) == _flat_xy(region.shape):
            try:
                rings = [_ring(_polygon_part(p, i)) for i, p in enumerate(others)]
            except ValueError:
                continue
            region.shape = MultiPolygon(((region.shape, ()), *((r, ()) for r in rings)))
            ours[READ_AS] = shape_key(region.shape)


class _Problems(list):
    """Problems of one file; called as problem(kind, message, image, region)."""

    def __init__(self, file: str):
        super().__init__()
        self.file = file

    def __call__(self, kind, message, image=None, region=None) -> None:
        self.append(Problem(kind, message, image, region, self.file))


def _load(path_or_dict, source, owned: bool) -> tuple[dict, Any, Path | None]:
    """(data, what to call it in messages, its path); raises FormatError when it is not COCO."""
    if isinstance(path_or_dict, (str, os.PathLike)):
        path = Path(path_or_dict)
        data = read_json(path)
        where = source if source is not None else path
    else:
        path = None
        # The project must not share lists with the caller, unless the caller hands them over.
        data = path_or_dict if owned else copy_json(path_or_dict)
        where = source if source is not None else "COCO data"
    if not isinstance(data, dict):
        raise FormatError(where, f"is not a COCO file: the top level is a {type(data).__name__}, not an object")
    for key in _LISTS:
        if not isinstance(data.get(key), list):
            raise FormatError(where, f"is not a COCO file: it has no {key!r} list")
    return data, where, path


def _read_categories(data: dict, problem: _Problems) -> tuple[list[dict], dict[Any, str], list[str]]:
    """(categories kept, class name by category id, class names in order)."""
    categories: list[dict] = []
    class_by_id: dict[Any, str] = {}
    names: list[str] = []
    seen: set[str] = set()  # `names` as a set: 100,000 classes stay linear
    for i, cat in enumerate(data["categories"]):
        if not isinstance(cat, dict) or not _is_id(cat.get("id")):
            problem(BAD_CATEGORY, f"category {i} has no id; skipped")
            continue
        name = str(cat.get("name", cat["id"]))
        if cat["id"] in class_by_id:
            problem(BAD_CATEGORY, f"category id {cat['id']!r} is listed twice; the second ({name!r}) is ignored")
            continue
        class_by_id[cat["id"]] = name
        if name in seen:
            problem(BAD_CATEGORY, f"category name {name!r} is used by two ids; they become one class")
            continue
        seen.add(name)
        names.append(name)
        categories.append(cat)
    return categories, class_by_id, names


def _read_images(data: dict, images: Path | None, problem: _Problems) -> tuple[list[ImageRecord], dict]:
    """(image records in order, record by image id: a duplicated file name maps to its first)."""
    records: list[ImageRecord] = []
    by_id: dict[Any, ImageRecord] = {}
    by_name: dict[str, ImageRecord] = {}
    for i, entry in enumerate(data["images"]):
        if (
            not isinstance(entry, dict)
            or not _is_id(entry.get("id"))
            or not isinstance(entry.get("file_name"), str)
            or not entry["file_name"]
        ):
            problem(BAD_IMAGE, f"image entry {i} has no id or no file_name; skipped")
            continue
        name = entry["file_name"]
        if entry["id"] in by_id:
            problem(BAD_IMAGE, f"image id {entry['id']!r} is listed twice; the second entry is ignored", name)
            continue
        if name in by_name:
            first = by_name[name]
            problem(
                v.DUPLICATE_IMAGE,
                f"the image is listed twice (ids {own_data(first)[IMAGE]['id']!r} and "
                f"{entry['id']!r}); its annotations are merged into the first",
                name,
            )
            by_id[entry["id"]] = first
            continue
        size = -1
        if images:
            try:
                size = image_file(images, name).stat().st_size
            except UnsafeImagePath as exc:
                problem(exc.kind, str(exc), name)
            except OSError:
                problem(v.MISSING_IMAGE, f"image file not found in {images}", name)
        for side in ("width", "height"):
            if side in entry and _size(entry[side]) is None:
                problem(
                    BAD_IMAGE,
                    f"the {side} {_short(entry[side])} is not a usable size; it is read from the image file instead",
                    name,
                )
        record = ImageRecord(
            name, size, _size(entry.get("width")), _size(entry.get("height")), extra={OWN_KEY: {IMAGE: entry}}
        )
        by_id[entry["id"]] = by_name[name] = record
        records.append(record)
    return records, by_id


def _read_annotations(data: dict, by_id: dict, class_by_id: dict[Any, str], problem: _Problems) -> None:
    """Each usable annotation becomes a region of its image; the rest are listed as problems."""
    seen_per_image: dict[int, int] = defaultdict(int)
    for i, ann in enumerate(data["annotations"]):
        label = f"annotation {ann.get('id')!r} (entry {i})" if isinstance(ann, dict) else f"annotation entry {i}"
        if not isinstance(ann, dict):
            problem(v.BAD_REGION, f"{label} is not an object; skipped")
            continue
        record = by_id.get(ann.get("image_id")) if _is_id(ann.get("image_id")) else None
        if record is None:
            problem(
                v.BAD_REGION, f"{label} refers to image id {ann.get('image_id')!r}, which is not in 'images'; skipped"
            )
            continue
        index = seen_per_image[id(record)]
        seen_per_image[id(record)] += 1
        cat = ann.get("category_id")
        if not _is_id(cat) or cat not in class_by_id:
            problem(
                v.BAD_REGION,
                f"{label} has category id {cat!r}, which is not in 'categories'; skipped",
                record.filename,
                index,
            )
            continue
        try:
            shape, read_as = _shape_of(ann, (record.height, record.width))
        except ValueError as exc:
            problem(v.BAD_REGION, f"{label}: {exc}; skipped", record.filename, index)
            continue
        ours: dict[str, Any] = {ANNOTATION: ann}
        if read_as is not None:
            ours[READ_AS] = read_as
        record.regions.append(Region(shape, {CLASS_ATTRIBUTE: class_by_id[cat]}, extra={OWN_KEY: ours}))


def read_coco(path_or_dict, images: Path | None = None, source=None, owned: bool = False) -> ReadResult:
    """A COCO instance-segmentation file (or dict) as a project.

    `images` is the folder `file_name`s are relative to (default: the file's
    folder); file sizes are read from it when given. Bad annotations are
    skipped and listed in the result's problems; `source` names a dict in messages.
    """
    data, where, path = _load(path_or_dict, source, owned)
    problem = _Problems(str(where))
    categories, class_by_id, names = _read_categories(data, problem)
    records, by_id = _read_images(data, images, problem)
    _read_annotations(data, by_id, class_by_id, problem)
    project = Project(images=records, image_root=Path(images) if images else (path.parent if path else None))
    project.region_attributes = {
        CLASS_ATTRIBUTE: AttributeDef(CLASS_ATTRIBUTE, "dropdown", options={n: "" for n in names})
    }
    project.class_attribute = CLASS_ATTRIBUTE
    _restore_class_attribute(project, data.get("info"))
    project.polymask.coco = {
        "header": {k: val for k, val in data.items() if k not in _LISTS},
        "categories": categories,
    }
    return ReadResult(project, FORMAT, list(problem))


def _restore_class_attribute(project: Project, info) -> None:
    """The class attribute's own name and type (a VIA checkbox "kind", say), which COCO has no
    place for: our export keeps them in ``info``; without them classes are a dropdown "class"."""
    kept = info.get(CLASS_INFO) if isinstance(info, dict) else None
    if not isinstance(kept, dict) or not isinstance(kept.get("name"), str) or not kept["name"]:
        return
    if kept.get("type") not in ("checkbox", "radio", "dropdown"):
        return
    options = project.region_attributes[CLASS_ATTRIBUTE].options
    description = kept.get("description")
    attr = AttributeDef(
        kept["name"], kept["type"], description=description if isinstance(description, str) else "", options=options
    )
    for _, region in project.iter_regions():
        region.attributes = {attr.name: attr.class_value(region.attributes.get(CLASS_ATTRIBUTE))}
    project.region_attributes = {attr.name: attr}
    project.class_attribute = attr.name


def _class_info(project: Project) -> dict | None:
    attr = project.class_def
    if attr is None or (attr.name == CLASS_ATTRIBUTE and attr.type == "dropdown"):
        return None
    return {"name": attr.name, "type": attr.type, "description": attr.description}


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


# ---- writing ------------------------------------------------------------------------------------
class _Skip(Exception):
    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


def _unchanged(region: Region) -> bool:
    ours = own_data(region)
    read_as = ours.get(READ_AS)
    return ANNOTATION in ours and read_as is not None and shape_key(region.shape) == read_as


def _new_ids(existing: list) -> list:
    """Keep each existing id that is unique and usable; hand out fresh ints for the rest."""
    counts: dict[Any, int] = defaultdict(int)
    for e in existing:
        if _is_id(e):
            counts[e] += 1
    next_id = max([e for e in counts if isinstance(e, int)] + [0]) + 1
    out = []
    for e in existing:
        if _is_id(e) and counts[e] == 1:
            out.append(e)
        else:
            out.append(next_id)
            next_id += 1
    return out


def _segmentation(region: Region, width: int, height: int) -> dict:
    """segmentation/area/bbox of an edited (or non-COCO) region; raises _Skip.

    One polygon per part; an object with holes as an RLE, since COCO polygons cannot hold holes."""
    shape = region.shape
    if is_open_line(region):
        raise _Skip(
            NO_AREA, "a labelme line / linestrip is an open line, not an area, so it has no COCO mask; not exported"
        )
    if isinstance(shape, MultiPolygon):
        parts = [(_flat_xy(outer), [_flat_xy(h) for h in holes]) for outer, holes in shape.parts]
    elif shape.outline():
        parts = [(_flat(shape.outline()), [])]
    else:
        raise _Skip(NO_AREA, f"a {shape.name} has no area, so it has no COCO mask; not exported")
    if not all(all_finite_numbers(ring) for outer, holes in parts for ring in (outer, *holes)):
        raise _Skip(v.NOT_FINITE, f"the {shape.name} has coordinates that are not finite numbers; not exported")
    geom = area_geometry(shape)
    if geom is None or geom.area <= 0:
        raise _Skip(v.ZERO_AREA, f"the {shape.name} has zero area; not exported")
    if any(holes for _, holes in parts):
        rle = parts_to_rle(parts, height, width)
        area, bbox = rle_area_bbox(rle)
        return {"segmentation": rle, "area": area, "bbox": bbox}
    xs = [c for outer, _ in parts for c in outer[0::2]]
    ys = [c for outer, _ in parts for c in outer[1::2]]
    return {
        "segmentation": [outer for outer, _ in parts],
        "area": sum(polygon_area(o) for o, _ in parts),
        "bbox": [min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)],
    }


def _categories(project: Project) -> tuple[list[dict], dict[str, Any]]:
    stored = (project.polymask.coco or {}).get("categories", [])
    by_name: dict[str, dict] = {}
    for cat in stored:
        by_name.setdefault(str(cat.get("name", cat.get("id"))), cat)
    # New classes get ids after every stored one, so a deleted class's id is not reused.
    next_id = max([c["id"] for c in stored if isinstance(c.get("id"), int)] + [0]) + 1
    out, ids = [], {}
    for name in project.class_names():
        if name in SPECIAL_LABELS:
            continue
        if name in by_name:
            cat = copy_json(by_name[name])
        else:
            cat = {"id": next_id, "name": name, "supercategory": ""}
            next_id += 1
        cat["name"] = name
        out.append(cat)
        ids[name] = cat["id"]
    return out, ids


def _image_size(project: Project, image: ImageRecord) -> tuple[int, int]:
    if image.width and image.height:
        return image.width, image.height
    if project.image_root is None and project.path is None:
        raise _Skip(v.MISSING_IMAGE, "the image size is unknown and the project has no image folder; not exported")
    try:
        return displayed_size(project_image_file(project, image))
    except UnsafeImagePath as exc:
        raise _Skip(exc.kind, f"{exc}; not exported") from None
    except ImageReadError as exc:
        raise _Skip(
            v.UNREADABLE_IMAGE, f"the image size is unknown and the file cannot be read ({exc}); not exported"
        ) from None


def export_coco(project: Project) -> tuple[dict, list[Problem]]:
    """The COCO dict of `project` and the regions/images left out of it (and why)."""
    problems: list[Problem] = []
    coco_state = project.polymask.coco or {}
    if "header" in coco_state:  # info, licenses and unknown keys of the file this came from
        out = copy_json(coco_state["header"])
    else:
        out = {"info": {"description": "Exported by Polymask"}, "licenses": []}
    categories, category_ids = _categories(project)
    image_ids = _new_ids([own_data(im).get(IMAGE, {}).get("id") for im in project.images])
    regions = [(im, r) for im in project.images for r in im.regions]
    ann_ids = iter(_new_ids([own_data(r).get(ANNOTATION, {}).get("id") for _, r in regions]))
    images, annotations = [], []
    special: dict[str, int] = {}
    closing = 0
    for image, image_id in zip(project.images, image_ids):
        try:
            width, height = _image_size(project, image)
        except _Skip as exc:
            problems.append(Problem(exc.kind, str(exc), image.filename))
            for _ in image.regions:
                next(ann_ids)
            continue
        entry = copy_json(own_data(image).get(IMAGE, {}))
        entry.update(id=image_id, file_name=image.filename, width=width, height=height)
        images.append(entry)
        for index, region in enumerate(image.regions):
            ann_id = next(ann_ids)
            try:
                name = project.class_of(region)
            except AmbiguousClass as exc:
                problems.append(
                    Problem(v.AMBIGUOUS_CLASS, f"the class is ambiguous ({exc}); not exported", image.filename, index)
                )
                continue
            if name is None:
                problems.append(Problem(v.NO_CLASS, "the region has no class; not exported", image.filename, index))
                continue
            if name in SPECIAL_LABELS:
                special[name] = special.get(name, 0) + 1
                continue
            closing += _repeats_first_vertex(region.shape) and not _unchanged(region)
            original = own_data(region).get(ANNOTATION, {})
            if _unchanged(region):
                # RLE stays RLE, area and bbox as they were. Shallow: only top-level ids change below.
                ann = dict(original)
            else:
                try:
                    geometry = _segmentation(region, width, height)
                except _Skip as exc:
                    problems.append(Problem(exc.kind, str(exc), image.filename, index))
                    continue
                ann = {
                    "id": None,
                    "image_id": None,
                    "category_id": None,
                    **geometry,
                    "iscrowd": original.get("iscrowd", 0),
                }
                ann.update({k: copy_json(val) for k, val in original.items() if k not in ann})
            ann.update(id=ann_id, image_id=image_id, category_id=category_ids[name])
            annotations.append(ann)
    out.update(images=images, annotations=annotations, categories=categories)
    return out, problems + _notes(special, closing)


def _repeats_first_vertex(shape: Shape) -> bool:
    return isinstance(shape, (Polygon, Polyline)) and len(shape.xs) > 3 and shape.vertices()[0] == shape.vertices()[-1]


def _notes(special: dict[str, int], closing: int) -> list[Problem]:
    """What the export did without losing anything, one line each."""
    notes = [
        Problem(
            SPECIAL_LABEL_LEFT_OUT,
            f"{plural(n, 'shape')} labelled {name!r} left out: labelme's convention for "
            + ("regions to ignore" if name == IGNORE_LABEL else "the background")
            + ", not a category (as labelme2coco)",
        )
        for name, n in special.items()
    ]
    if closing:
        notes.append(
            Problem(
                CLOSING_VERTEX,
                f"{plural(closing, 'polygon')} {'ends' if closing == 1 else 'end'} with a vertex repeating the first: "
                "written without it "
                "(COCO polygons close themselves; the shape is the same)",
            )
        )
    return notes


def project_to_coco(project: Project) -> dict:
    """The COCO instance-segmentation dict of `project` (what the trainer reads)."""
    return export_coco(project)[0]


def coco_export_problems(project: Project) -> list[Problem]:
    """The regions and images `project_to_coco` leaves out, and why."""
    return export_coco(project)[1]


def write_coco(project: Project, path) -> list[Problem]:
    """Write `project` as a COCO file (atomically); returns what was left out."""
    coco, problems = export_coco(project)
    # The class attribute's name and type, for the file only: the trainer's COCO stays as it was.
    if (kept := _class_info(project)) is not None and isinstance(coco.setdefault("info", {}), dict):
        coco["info"] = {**coco["info"], CLASS_INFO: kept}
    write_json(path, coco)
    return problems
