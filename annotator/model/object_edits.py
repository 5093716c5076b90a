"""Edits that change what an object is made of: parts, holes, brush strokes, merging and
splitting. Geometry is shapely's (union, difference); the result is a Polygon when one part
without holes remains, else a MultiPolygon, so plain objects stay plain."""

from __future__ import annotations

import copy

from .edits import AddRegions, Edit, EditGroup, RemoveRegions, SetShape
from .records import ImageRecord, Region
from .shapes import MultiPolygon, Polygon, Shape, area_geometry, shape_from_geometry

# Brush strokes are simplified by this much (px) so painted outlines keep sane vertex counts.
PAINT_SIMPLIFY_PX = 0.5


def _area_of(image: ImageRecord, region_id: int):
    shape = image.region(region_id).shape
    geom = area_geometry(shape)
    if geom is None:
        raise ValueError(f"a {shape.name} has no area to add parts or holes to")
    return shape, geom


def _reshaped(image: ImageRecord, region_id: int, old: Shape, geom, text: str, simplify_px=0.0) -> SetShape:
    new = shape_from_geometry(geom, simplify_px)
    if new is None:
        raise ValueError("that would leave the object empty; delete it instead")
    return SetShape(image.key, region_id, old, new, text)


def add_part(image: ImageRecord, region_id: int, polygon: Polygon) -> SetShape:
    """Add a part to an object; a part that overlaps it is joined to it."""
    old, geom = _area_of(image, region_id)
    return _reshaped(image, region_id, old, geom.union(area_geometry(polygon)), "Add part")


def cut_hole(image: ImageRecord, region_id: int, polygon: Polygon) -> SetShape:
    """Cut `polygon` out of an object (a hole inside it, or a notch, or a split into parts)."""
    old, geom = _area_of(image, region_id)
    return _reshaped(image, region_id, old, geom.difference(area_geometry(polygon)), "Cut hole")


def paint(image: ImageRecord, region_id: int, stroke, erase: bool) -> SetShape:
    """A brush (union) or eraser (difference) stroke, a shapely geometry in image pixels."""
    old, geom = _area_of(image, region_id)
    result = geom.difference(stroke) if erase else geom.union(stroke)
    return _reshaped(image, region_id, old, result, "Erase" if erase else "Brush", PAINT_SIMPLIFY_PX)


def merge_regions(image: ImageRecord, region_ids: list[int]) -> Edit:
    """One object from several: the first keeps its attributes and id, the others are removed."""
    if len(region_ids) < 2:
        raise ValueError("select two or more objects to merge")
    first, *others = region_ids
    old, geom = _area_of(image, first)
    for rid in others:
        geom = geom.union(_area_of(image, rid)[1])
    return EditGroup(
        [_reshaped(image, first, old, geom, "Merge"), RemoveRegions(image.key, list(others))], "Merge objects"
    )


def split_part(image: ImageRecord, region_id: int, part: int) -> Edit:
    """Part `part` (with its holes) becomes its own object with the same attributes."""
    region = image.region(region_id)
    shape = region.shape
    if not isinstance(shape, MultiPolygon) or len(shape.parts) < 2:
        raise ValueError("only an object in several parts can be split")
    outer, holes = shape.parts[part]
    piece = MultiPolygon(((outer, holes),)) if holes else outer
    new_region = Region(piece, copy.deepcopy(region.attributes))
    return EditGroup(
        [
            SetShape(image.key, region_id, shape, shape.without_part(part), "Split part"),
            AddRegions(image.key, [new_region]),
        ],
        "Split part",
    )
