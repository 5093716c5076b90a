"""Where a class name goes on the canvas: inside the object, not at its box corner (issue 25, item 7)."""

from __future__ import annotations

import shapely

from annotator.model import Circle, MultiPolygon, Point, Polygon, Polyline, Rect, area_geometry, label_point

# a U: its box centre (50, 50) is in the empty notch between the arms
U_SHAPE = Polygon.from_points([(0, 0), (100, 0), (100, 100), (70, 100), (70, 20), (30, 20), (30, 100), (0, 100)])


def _inside(shape, xy) -> bool:
    return area_geometry(shape).contains(shapely.Point(*xy))


def test_a_u_shape_gets_its_label_on_an_arm_not_in_the_notch():
    x, y, w, h = U_SHAPE.bbox()
    assert not _inside(U_SHAPE, (x + w / 2, y + h / 2))  # where a box-centred label would sit
    assert _inside(U_SHAPE, label_point(U_SHAPE))


def test_a_ring_gets_its_label_on_the_ring_not_in_the_hole_and_several_parts_on_the_largest():
    outer = Polygon.from_points([(0, 0), (200, 0), (200, 200), (0, 200)])
    hole = Polygon.from_points([(30, 30), (170, 30), (170, 170), (30, 170)])
    small = Polygon.from_points([(300, 0), (310, 0), (310, 10)])
    ring = MultiPolygon(((small, ()), (outer, (hole,))))
    xy = label_point(ring)
    assert _inside(ring, xy) and not area_geometry(small).buffer(1).contains(shapely.Point(*xy))


def test_lines_points_and_boxes():
    assert label_point(Polyline((0.0, 10.0, 10.0), (0.0, 0.0, 10.0))) == (10.0, 0.0)  # halfway along
    assert label_point(Point(5.0, 6.0)) == (5.0, 6.0)
    assert label_point(Rect(10, 20, 30, 40)) == (25.0, 40.0)
    assert label_point(Circle(7, 8, 3)) == (7.0, 8.0)


def test_a_degenerate_polygon_still_gets_a_point():
    flat = Polygon((0.0, 10.0, 20.0), (5.0, 5.0, 5.0))  # no area
    assert label_point(flat) == (10.0, 5.0)
