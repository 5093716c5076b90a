"""Hypothesis strategies for VIA and COCO files with unknown keys of any name and
integers of any size, and the round-trip checks run on them (by the tests with a
few examples, by tests/benchmarks/roundtrip_bench.py with thousands)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import strategies as st

from annotator.io import export, load_project, read_file, save_project
from annotator.io.jsonfile import dumps_json, parse_json

from .file_grid import grid_float

# Keys that mean something at each level (and our one reserved key); anything else is unknown.
OWN = "_polymask"
IMAGE_KEYS = {"filename", "size", "regions", "file_attributes", OWN}
REGION_KEYS = {"shape_attributes", "region_attributes", OWN}
COCO_TOP = {"images", "annotations", "categories", OWN}
COCO_IMAGE = {"id", "file_name", "width", "height", OWN}
COCO_ANN = {"id", "image_id", "category_id", "segmentation", OWN}
COCO_CAT = {"id", "name", OWN}

# Any text, lone surrogates included; names other tools use for their own data are likely.
any_text = st.text(alphabet=st.characters(blacklist_categories=()), max_size=8)
names_others_use = st.sampled_from(
    [
        "coco_url",
        "coco_annotation",
        "coco_image",
        "coco_read_as",
        "labelme",
        "labelme_flags",
        "fileref",
        "base64_img_data",
        "_via",
        "x",
    ]
)
key_names = names_others_use | any_text
big_ints = st.integers(min_value=-(2**130), max_value=2**130) | st.sampled_from(
    [2**53 + 1, 2**63, 2**64, 2**64 + 1, -(2**63) - 1, 10**30]
)
scalars = st.none() | st.booleans() | big_ints | st.floats(allow_nan=False, allow_infinity=False) | any_text
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(any_text, inner, max_size=3), max_leaves=8
)


def _unknown(reserved: set[str]):
    return st.dictionaries(key_names.filter(lambda k: k not in reserved), json_values, max_size=3)


coordinate = (
    st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(min_value=-1e12, max_value=1e12, allow_nan=False).map(grid_float)  # files hold 0.01 px
    | st.integers(min_value=0, max_value=4000)
)


@st.composite
def via_shape(draw):
    name = draw(st.sampled_from(["polygon", "polyline", "rect", "circle", "ellipse", "point"]))
    if name in ("polygon", "polyline"):
        n = draw(st.integers(min_value=1, max_value=6))
        xs = draw(st.lists(coordinate, min_size=n, max_size=n))
        ys = draw(st.lists(coordinate, min_size=n, max_size=n))
        return {"name": name, "all_points_x": xs, "all_points_y": ys}
    fields = {
        "rect": ("x", "y", "width", "height"),
        "circle": ("cx", "cy", "r"),
        "ellipse": ("cx", "cy", "rx", "ry"),
        "point": ("cx", "cy"),
    }[name]
    out = {"name": name, **{f: draw(coordinate) for f in fields}}
    if name == "ellipse" and draw(st.booleans()):
        out["theta"] = draw(st.floats(min_value=0.01, max_value=3.0))
    return out


@st.composite
def via_file(draw):
    """A VIA 2 annotations-only file (what VIA's "Export annotations (as json)" writes)."""
    data = {}
    for i in range(draw(st.integers(min_value=1, max_value=3))):
        filename = draw(any_text.filter(lambda s: "\x00" not in s)) + f"_{i}.jpg"
        size = draw(st.integers(min_value=0, max_value=2**80))
        regions = [
            {
                "shape_attributes": draw(via_shape()),
                "region_attributes": draw(st.dictionaries(any_text, json_values, max_size=2)),
                **draw(_unknown(REGION_KEYS)),
            }
            for _ in range(draw(st.integers(min_value=0, max_value=3)))
        ]
        entry = {
            "filename": filename,
            "size": size,
            "regions": regions,
            "file_attributes": draw(st.dictionaries(any_text, json_values, max_size=2)),
            **draw(_unknown(IMAGE_KEYS)),
        }
        data[f"{filename}{size}"] = entry
    return data


@st.composite
def coco_file(draw):
    n_images = draw(st.integers(min_value=1, max_value=3))
    n_cats = draw(st.integers(min_value=1, max_value=3))
    image_ids = draw(st.lists(big_ints, min_size=n_images, max_size=n_images, unique=True))
    cat_ids = draw(st.lists(big_ints, min_size=n_cats, max_size=n_cats, unique=True))
    # A category named "" reads as "no class" (VIA's empty value), so names are not empty.
    cat_names = draw(st.lists(any_text.filter(bool), min_size=n_cats, max_size=n_cats, unique=True))
    images = [
        {
            "id": image_id,
            "file_name": f"{draw(any_text.filter(lambda s: chr(0) not in s))}_{i}.jpg",
            "width": draw(st.integers(min_value=1, max_value=5000)),
            "height": draw(st.integers(min_value=1, max_value=5000)),
            **draw(_unknown(COCO_IMAGE)),
        }
        for i, image_id in enumerate(image_ids)
    ]
    annotations = []
    next_id = draw(big_ints)
    for image in images:  # grouped by image, as Polymask writes them
        for _ in range(draw(st.integers(min_value=0, max_value=3))):
            parts = draw(
                st.lists(
                    st.lists(coordinate, min_size=6, max_size=10).filter(lambda p: len(p) % 2 == 0),
                    min_size=1,
                    max_size=2,
                )
            )
            annotations.append(
                {
                    "id": next_id,
                    "image_id": image["id"],
                    "category_id": draw(st.sampled_from(cat_ids)),
                    "segmentation": parts,
                    **draw(_unknown(COCO_ANN)),
                }
            )
            next_id += 1
    categories = [{"id": cid, "name": name, **draw(_unknown(COCO_CAT))} for cid, name in zip(cat_ids, cat_names)]
    return {**draw(_unknown(COCO_TOP)), "images": images, "annotations": annotations, "categories": categories}


def _normal(data):
    """As written and read back (tuples become lists, 5.0 compares equal to 5)."""
    return parse_json(dumps_json(data))


def via_round_trip(data: dict) -> list[str]:
    """VIA -> project -> VIA, directly and through the native project file; returns what differs."""
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "via.json"
        src.write_bytes(dumps_json(data))
        project = read_file(src).project
        export(project, Path(tmp) / "direct.json", "via")
        saved = save_project(project, Path(tmp) / "polymask.json")
        export(load_project(saved).project, Path(tmp) / "via_project.json", "via")
        want = _normal(data)
        return [
            f"{name} differs"
            for name in ("direct.json", "via_project.json")
            if parse_json((Path(tmp) / name).read_bytes()) != want
        ]


def coco_round_trip(data: dict) -> list[str]:
    """COCO -> project -> COCO, directly and through the native project file; returns what differs."""
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "coco.json"
        src.write_bytes(dumps_json(data))
        result = read_file(src)
        if any(p.kind == "bad-region" for p in result.problems):
            return [f"read problems: {result.problems}"]
        export(result.project, Path(tmp) / "direct.json", "coco")
        saved = save_project(result.project, Path(tmp) / "polymask.json")
        export(load_project(saved).project, Path(tmp) / "via_project.json", "coco")
        want = _normal(data)
        return [
            f"{name} differs"
            for name in ("direct.json", "via_project.json")
            if parse_json((Path(tmp) / name).read_bytes()) != want
        ]
