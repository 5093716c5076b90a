import math

import pytest

from annotator.model import Circle, Ellipse, Point, Polygon, Polyline, Rect, repair_shape, shape_problems


def test_polygon_area_and_bbox():
    p = Polygon.from_points([(0, 0), (10, 0), (10, 5), (0, 5)])
    assert p.area() == 50
    assert p.bbox() == (0, 0, 10, 5)


def test_repeated_closing_vertex_is_dropped():
    p = Polyline.from_points([(0, 0), (4, 0), (4, 4), (0, 0)])
    assert p.outline() == [(0, 0), (4, 0), (4, 4)]
    assert p.has_area and p.area() == 8


def test_two_point_polyline_has_no_outline():
    assert Polyline.from_points([(0, 0), (5, 5)]).outline() == []


def test_rect_corner_drag_keeps_opposite_corner():
    r = Rect(10, 10, 20, 10).with_vertex(0, 40, 30)
    assert (r.x, r.y, r.width, r.height) == (30, 20, 10, 10)


def test_ellipse_rotation_and_area():
    e = Ellipse(50, 50, 20, 10, theta=math.pi / 2)
    assert e.area() == pytest.approx(math.pi * 200)
    x, y, w, h = e.bbox()
    assert w == pytest.approx(20, abs=0.2) and h == pytest.approx(40, abs=0.2)


def test_circle_and_point():
    assert Circle(0, 0, 2).area() == pytest.approx(4 * math.pi)
    assert Point(3, 4).translated(1, 1) == Point(4, 5)
    assert Point(3, 4).outline() == []


def test_path_vertex_edits_are_copies():
    p = Polygon.from_points([(0, 0), (10, 0), (10, 10)])
    q = p.with_inserted_vertex(1, 5, -1).with_vertex(0, 1, 1)
    assert len(p.xs) == 3 and len(q.xs) == 4
    assert q.vertices()[:2] == [(1, 1), (5, -1)]
    assert q.without_vertex(1).vertices() == [(1, 1), (10, 0), (10, 10)]


@pytest.mark.parametrize(
    "shape,kind",
    [
        (Polygon.from_points([(0, 0), (1, 1)]), "too-few-vertices"),
        (Polygon.from_points([(0, 0), (5, 5), (10, 10)]), "zero-area"),
        (Polygon.from_points([(0, 0), (10, 10), (10, 0), (0, 10)]), "self-intersection"),
        (Rect(0, 0, 0, 5), "zero-area"),
        (Polygon.from_points([(-5, 0), (10, 0), (10, 10)]), "outside-image"),
        (Polygon((0.0, float("nan"), 3.0), (0.0, 1.0, 2.0)), "not-finite"),
    ],
)
def test_problems_are_reported(shape, kind):
    kinds = [k for k, _ in shape_problems(shape, 100, 100)]
    assert kind in kinds


def test_valid_shape_has_no_problem():
    assert shape_problems(Polygon.from_points([(1, 1), (9, 1), (5, 8)]), 10, 10) == []


def test_repair_self_intersection_splits_bow_tie():
    parts = repair_shape(Polygon.from_points([(0, 0), (10, 10), (10, 0), (0, 10)]))
    assert len(parts) == 2
    assert sum(p.area() for p in parts) == pytest.approx(50)
    assert all(shape_problems(p) == [] for p in parts)


def test_repair_clips_to_image():
    [clipped] = repair_shape(Polygon.from_points([(-10, -10), (50, -10), (50, 50), (-10, 50)]), 20, 10)
    assert clipped.area() == pytest.approx(200)
    assert shape_problems(clipped, 20, 10) == []


def test_repair_of_zero_area_gives_nothing():
    assert repair_shape(Polygon.from_points([(0, 0), (5, 5), (10, 10)])) == []
