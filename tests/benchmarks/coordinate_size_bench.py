"""Project file sizes with coordinates written as full floats (before issue 25) and rounded
to 0.01 px (now), on real VIA files: as imported, and after every object was edited the way
the window edits (a brush stroke, which leaves shapely's full floats; a drag at a fractional zoom).

Prints one JSON line of bytes per file and case.

    python tests/benchmarks/coordinate_size_bench.py VIA_JSON [VIA_JSON ...]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import shapely

from annotator.io import coco, read_file, via, via_parts
from annotator.io.native import dumps_project
from annotator.model import MultiPolygon, Polygon
from annotator.model.object_edits import paint


def _full_float(value):
    """How coordinates were written before: ints when whole, else float repr (17 digits)."""
    return int(value) if float(value).is_integer() else value


def _size(project, rounded: bool) -> int:
    if rounded:
        return len(dumps_project(project))
    saved = via.coordinate_out, via.coordinates_out, via_parts.coordinate_out, coco.coordinates_out
    via.coordinate_out = via_parts.coordinate_out = _full_float
    via.coordinates_out = coco.coordinates_out = lambda values: [_full_float(v) for v in values]
    try:
        return len(dumps_project(project))
    finally:
        via.coordinate_out, via.coordinates_out, via_parts.coordinate_out, coco.coordinates_out = saved


def _edit_every_object(project) -> None:
    """A 6 px brush dab on each polygon's first vertex, then on every shape a 0.37 x 0.61 px nudge (a drag at 1.7x zoom)."""
    for image in project.images:
        for region in image.regions:
            shape = region.shape
            if isinstance(shape, (Polygon, MultiPolygon)):
                x, y = shape.vertices()[0]
                shape = paint(image, region.id, shapely.Point(x, y).buffer(6), erase=False).new
            region.shape = shape.translated(0.37 / 1.7, 0.61 / 1.7)  # polylines (the gun/sword file's): nudged only


def measure(path: Path) -> dict:
    project = read_file(path).project
    out = {"imported_full": _size(project, False), "imported_rounded": _size(project, True)}
    _edit_every_object(project)
    out["edited_full"] = _size(project, False)
    out["edited_rounded"] = _size(project, True)
    out["edited_saving"] = round(1 - out["edited_rounded"] / out["edited_full"], 3)
    return out


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    print(json.dumps({str(p): measure(Path(p)) for p in argv}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
