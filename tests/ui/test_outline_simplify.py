"""A long outline is stroked from a simplified copy: fewer vertices, never further than the
tolerance from the real line, and a closed ring stays closed without a repeated vertex."""

from __future__ import annotations

import numpy as np
import shapely

from annotator.ui.canvas.items import decimate, simplified


def _wavy_ring(n: int) -> tuple[np.ndarray, np.ndarray]:
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    r = 1200 + 60 * np.sin(40 * t)
    return 2000 + r * np.cos(t), 1500 + r * np.sin(t)


def test_a_dense_smooth_ring_keeps_few_vertices_within_the_tolerance():
    xs, ys = decimate(*_wavy_ring(200_000), cell=3.0)
    sx, sy = simplified(xs, ys, tolerance=0.75, closed=True)
    assert len(sx) * 4 < len(xs)
    assert (sx[0], sy[0]) != (sx[-1], sy[-1])  # no closing duplicate
    original = shapely.linearrings(np.column_stack([xs, ys]))
    kept = shapely.linearrings(np.column_stack([sx, sy]))
    assert shapely.hausdorff_distance(original, kept) <= 0.75 + 1e-9


def test_an_open_line_keeps_its_ends_and_a_tiny_ring_is_left_alone():
    xs = np.linspace(0, 100, 1000)
    ys = np.sin(xs / 10)
    sx, sy = simplified(xs, ys, tolerance=0.01, closed=False)
    assert (sx[0], sx[-1]) == (0.0, 100.0) and len(sx) < len(xs)
    tri_x, tri_y = np.array([0.0, 1.0, 0.0]), np.array([0.0, 0.0, 1.0])
    assert simplified(tri_x, tri_y, tolerance=5.0, closed=True)[0] is tri_x
