"""Objects in several parts in VIA files, which have only single shapes.

Each part is written as its own polygon region carrying the region attribute
``PART_OF`` (the same value for every part of one object); reading joins them
into one MultiPolygon again. VIA cannot hold holes: our project file keeps the
exact shape under our own key on the first part's region (used on reading while
VIA has not changed the parts), and an export for VIA lists each hole it leaves
out (`holes_left_out`), so nothing is dropped silently.
"""

from __future__ import annotations

from typing import Any

from polymask_common.text import plural

from ..model import OWN_KEY, MultiPolygon, Polygon, Problem, Region, own_data
from ..model.project import Project
from ..model.records import ImageRecord
from .numbers import coordinate_out

PART_OF = "polymask_part_of"
EXACT = "multipolygon"  # own-data key of the exact shape (holes too)
HOLES_NOT_IN_VIA = "holes-not-in-via"


def _flat(ring: Polygon) -> list[float]:
    # rounded as the part polygons are written (numbers.py), so the two still match when read back
    return [coordinate_out(c) for xy in zip(ring.xs, ring.ys) for c in xy]


def _ring(flat: list) -> Polygon:
    return Polygon(tuple(float(c) for c in flat[0::2]), tuple(float(c) for c in flat[1::2]))


def to_lists(shape: MultiPolygon) -> list:
    """[[outer_flat, [hole_flat, ...]], ...]: plain JSON."""
    return [[_flat(outer), [_flat(h) for h in holes]] for outer, holes in shape.parts]


def from_lists(data: Any) -> MultiPolygon | None:
    try:
        return MultiPolygon(tuple((_ring(outer), tuple(_ring(h) for h in holes)) for outer, holes in data))
    except (TypeError, ValueError):
        return None


def part_regions(region: Region, group: str, with_exact: bool, shape_out, kept) -> list[dict]:
    """The VIA region dicts of a MultiPolygon region: one polygon per part.

    `shape_out` turns a shape into shape_attributes, `kept` filters the region's extra keys."""
    shape = region.shape
    assert isinstance(shape, MultiPolygon)
    out = []
    for n, (outer, _holes) in enumerate(shape.parts):
        entry: dict[str, Any] = {
            "shape_attributes": shape_out(outer),
            "region_attributes": {**region.attributes, PART_OF: group},
        }
        if n == 0:
            extra = dict(region.extra)
            if with_exact:
                extra[OWN_KEY] = {**own_data(region), EXACT: to_lists(shape)}
            entry.update(kept(extra))
        out.append(entry)
    return out


def join_parts(image: ImageRecord) -> None:
    """Regions sharing a PART_OF value become one MultiPolygon region (the first one's
    attributes and extra); the exact shape stored with it is used while the parts match."""
    groups: dict[str, list[tuple[Region, Polygon]]] = {}
    for region in image.regions:
        group = region.attributes.get(PART_OF)
        if isinstance(group, str) and isinstance(region.shape, Polygon):
            groups.setdefault(group, []).append((region, region.shape))
    if not groups:
        return
    joined: list[Region] = []
    seen: set[str] = set()
    for region in image.regions:
        group = region.attributes.get(PART_OF)
        if not (isinstance(group, str) and group in groups):
            joined.append(region)
            continue
        if group in seen:
            continue
        seen.add(group)
        parts = groups[group]
        first = parts[0][0]
        first.attributes = {k: v for k, v in first.attributes.items() if k != PART_OF}
        read = MultiPolygon(tuple((outline, ()) for _, outline in parts))
        exact = from_lists(own_data(first).pop(EXACT, None))
        if exact is not None and [o for o, _ in exact.parts] == [o for o, _ in read.parts]:
            read = exact
        first.shape = read if len(read.parts) > 1 or read.parts[0][1] else read.parts[0][0]
        joined.append(first)
    image.regions = joined


def holes_left_out(project: Project) -> list[Problem]:
    """What an export for VIA cannot hold: one problem per object with holes."""
    problems = []
    for image in project.images:
        for index, region in enumerate(image.regions):
            shape = region.shape
            if isinstance(shape, MultiPolygon):
                holes = sum(len(h) for _, h in shape.parts)
                if holes:
                    problems.append(
                        Problem(
                            HOLES_NOT_IN_VIA,
                            f"VIA has no holes: {plural(holes, 'hole')} of this object {'is' if holes == 1 else 'are'} "
                            "written filled (its parts are kept)",
                            image.filename,
                            index,
                        )
                    )
    return problems
