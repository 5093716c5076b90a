"""The area of a brush or eraser stroke, and the brush sizes.

The stroke's area is the shapely buffer of the mouse path (radius = brush size),
exact and already a polygon, so painting over an object and erasing from it
leave polygons with editable vertices (no rasterising). Its arcs get just enough
segments to stay within `SIMPLIFY_PX` of a true circle, and the path is thinned by
the same tolerance, so a long stroke gives a sane number of vertices.
"""

from __future__ import annotations

import math

import shapely

from .view_options import next_step

SIMPLIFY_PX = 0.5  # image pixels: how far a brushed outline may stray from the exact stroke
BRUSH_SIZES = (1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 65, 80, 100, 130, 160, 200, 250, 320, 400)
DEFAULT_BRUSH = 10


def step_brush(radius: float, direction: int) -> float:
    """The next brush size above (direction 1) or below (-1) `radius` (the ] and [ keys)."""
    return next_step(BRUSH_SIZES, radius, direction)


def stroke_area(points: list[tuple[float, float]], radius: float):
    """The area a round brush of `radius` covers along `points`: a shapely Polygon."""
    path = shapely.Point(points[0]) if len(set(points)) == 1 else shapely.LineString(points).simplify(SIMPLIFY_PX)
    # segments per quarter circle such that each chord strays at most SIMPLIFY_PX from the arc
    chord_angle = 2 * math.acos(max(-1.0, 1 - SIMPLIFY_PX / radius)) if radius > SIMPLIFY_PX else math.pi / 2
    quad_segs = min(max(2, math.ceil((math.pi / 2) / chord_angle)), 32)
    return path.buffer(radius, quad_segs=quad_segs).simplify(SIMPLIFY_PX / 2)
