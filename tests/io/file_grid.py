"""Coordinates as files hold them (0.01 px, annotator/io/numbers.py): what an exact round
trip through a file gives back."""

from __future__ import annotations

from annotator.io.numbers import coordinate_out
from annotator.model import MultiPolygon, Polygon


def on_file_grid(shape):
    """`shape` with every coordinate rounded as a save rounds it (polygons and multi-polygons)."""
    if isinstance(shape, MultiPolygon):
        return MultiPolygon(tuple((on_file_grid(o), tuple(on_file_grid(h) for h in hs)) for o, hs in shape.parts))
    assert isinstance(shape, Polygon), shape
    return Polygon(tuple(float(coordinate_out(x)) for x in shape.xs), tuple(float(coordinate_out(y)) for y in shape.ys))


def grid_float(value: float) -> float:
    """A generated coordinate that a file holds exactly."""
    return round(value, 2)
