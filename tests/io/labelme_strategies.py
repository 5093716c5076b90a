"""Hypothesis strategy for labelme files as labelme 5-7 write them (every shape type, groups
across types, flags, descriptions, unknown keys of any name) and the labelme -> project ->
labelme round trip, directly and through the native project file."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import strategies as st

from annotator.io import export, load_project, open_path, save_project
from annotator.io.labelme_targets import MANIFEST

from .file_grid import grid_float
from .roundtrip_strategies import any_text, json_values, key_names

TOP_KEYS = {"version", "flags", "shapes", "imagePath", "imageData", "imageHeight", "imageWidth"}
SHAPE_KEYS = {"label", "points", "group_id", "shape_type", "flags", "description", "mask"}
# How many points each type takes (labelme's own asserts).
COUNTS = {
    "polygon": st.integers(3, 6),
    "rectangle": st.just(2),
    "circle": st.just(2),
    "line": st.just(2),
    "linestrip": st.integers(2, 5),
    "point": st.just(1),
    "points": st.integers(1, 4),
    "oriented_rectangle": st.just(4),
}
# on the 0.01 px grid a project file holds exactly (annotator/io/numbers.py rounds finer values)
coord = st.integers(0, 200) | st.floats(0, 200, allow_nan=False).map(grid_float)
labels = st.sampled_from(["cat", "dog", "", "__ignore__", "_background_", "ü/ß"]) | any_text
flags = st.dictionaries(st.sampled_from(["a", "b", "occluded", "ü"]), st.booleans(), max_size=3)


@st.composite
def shape(draw) -> dict:
    kind = draw(st.sampled_from(sorted(COUNTS)))
    n = draw(COUNTS[kind])
    item = {
        "label": draw(labels),
        "points": [[draw(coord), draw(coord)] for _ in range(n)],
        "group_id": draw(st.none() | st.integers(0, 3)),
        "description": draw(st.sampled_from(["", "left ear"]) | any_text),
        "shape_type": kind,
        "flags": draw(flags),
    }
    item.update(draw(st.dictionaries(key_names.filter(lambda k: k not in SHAPE_KEYS), json_values, max_size=2)))
    return item


@st.composite
def labelme_file(draw) -> dict:
    data = {
        "version": draw(st.sampled_from(["4.0.0", "5.5.0", "7.1.0"])),
        "flags": draw(flags),
        "shapes": draw(st.lists(shape(), max_size=6)),
        "imagePath": "a.png",
        "imageData": None,
        "imageHeight": 240,
        "imageWidth": 320,
    }
    data.update(draw(st.dictionaries(key_names.filter(lambda k: k not in TOP_KEYS), json_values, max_size=2)))
    return data


def _normal_shape(s: dict) -> str:
    out = dict(s)
    out["points"] = [[float(x), float(y)] for x, y in s["points"]]
    return json.dumps(out, sort_keys=True)


def _normal(data: dict, folder: Path) -> dict:
    """What must survive: everything but the version we write and the order of shapes
    (a group whose shapes were not next to each other is written together); imagePath
    as the file it names."""
    out = {k: v for k, v in data.items() if k not in ("version", "shapes")}
    out["imagePath"] = str((folder / data["imagePath"]).resolve())
    out["shapes"] = sorted(_normal_shape(s) for s in data["shapes"])
    return out


def labelme_round_trip(data: dict) -> list[str]:
    """labelme -> project -> labelme, directly and through the project file; returns what differs."""
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in" / "a.json"
        src.parent.mkdir()
        src.write_text(json.dumps(data), encoding="utf-8")
        result = open_path(src)
        bad = [p for p in result.problems if p.kind != "missing-image"]
        if bad:
            return [f"read problems: {bad}"]
        export(result.project, Path(tmp) / "direct", "labelme")
        saved = save_project(result.project, Path(tmp) / "p.polymask.json")
        export(load_project(saved).project, Path(tmp) / "via_project", "labelme")
        want = _normal(data, src.parent)
        differs = []
        for name in ("direct", "via_project"):
            files = [p for p in (Path(tmp) / name).rglob("*.json") if p.name != MANIFEST]
            got = [_normal(json.loads(p.read_text(encoding="utf-8")), p.parent) for p in files]
            if got != [want]:
                differs.append(f"{name} differs: {got} != {want}")
        return differs
