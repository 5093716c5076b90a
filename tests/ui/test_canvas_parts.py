"""Objects of several parts and with holes, driven on the canvas as a person would:
add a part (Shift+P), cut a hole (Alt+P), brush and erase, merge and split, drag and
insert and delete the vertices of every ring; each gesture one undo step."""

from __future__ import annotations

import pytest
import shapely
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest

from annotator.model import MultiPolygon, Polygon, Region, area_geometry
from annotator.ui.canvas.brush import SIMPLIFY_PX

from . import test_canvas
from .test_canvas import assert_points, click, drag, key, move, snapshot, tol, vp_pos

env = test_canvas.env  # the canvas fixture: a canvas on a 200x150 image, its edits on a QUndoStack

SHIFT = Qt.KeyboardModifier.ShiftModifier


def draw_polygon(c, points):
    for p in points:
        click(c, *p)
    key(c, Qt.Key.Key_Return)


def square(x0, y0, x1, y1):
    return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]


def geometry(region):
    return area_geometry(region.shape)


def covers(region, x, y) -> bool:
    return geometry(region).contains(shapely.Point(x, y))


def holed_object(env) -> Region:
    """A 60x60 square with a 20x20 hole, and a second part to its right."""
    outer, hole = Polygon.from_points(square(20, 20, 80, 80)), Polygon.from_points(square(40, 40, 60, 60))
    part = Polygon.from_points(square(110, 30, 160, 80))
    region = Region(MultiPolygon(((outer, (hole,)), (part, ()))), {"class": "cat"})
    env.image.regions.append(region)
    env.canvas.refresh()
    return region


def test_part_hole_brush_eraser_merge_and_split_each_undo_one_step(env):
    c = env.canvas
    c.set_tool("polygon")
    draw_polygon(c, square(20, 20, 80, 80))
    (obj,) = env.image.regions
    assert c.selected_region_ids() == [obj.id]  # a new shape stays selected
    states = [snapshot(env.project)]

    c.set_tool("part")  # Shift+P: the polygon becomes a part of the selected object
    draw_polygon(c, square(110, 30, 160, 80))
    assert len(env.image.regions) == 1 and isinstance(obj.shape, MultiPolygon) and len(obj.shape.parts) == 2
    assert covers(obj, 130, 50) and covers(obj, 50, 50)
    states.append(snapshot(env.project))

    c.set_tool("hole")  # Alt+P: cut out of the selected object
    draw_polygon(c, square(40, 40, 60, 60))
    assert not covers(obj, 50, 50) and covers(obj, 30, 30)
    assert geometry(obj).area == pytest.approx(3600 - 400 + 2500, abs=40)
    states.append(snapshot(env.project))

    c.set_tool("brush")
    c.set_brush_size(4)
    drag(c, [(45, 50), (50, 50), (55, 50)])  # paints an island in the hole: a third part
    assert covers(obj, 50, 50) and not covers(obj, 50, 43) and len(obj.shape.parts) == 3
    states.append(snapshot(env.project))

    c.set_tool("eraser")
    drag(c, [(30, 30), (32, 30)])
    assert not covers(obj, 31, 30) and covers(obj, 30, 70)
    states.append(snapshot(env.project))

    c.set_tool("polygon")
    draw_polygon(c, square(100, 100, 140, 140))
    other = env.image.regions[1]
    states.append(snapshot(env.project))

    c.set_tool("select")
    click(c, 70, 30)
    click(c, 120, 120, SHIFT)
    assert c.selected_region_ids() == [obj.id, other.id]
    c.merge_selection()  # Ctrl+M
    (merged,) = env.image.regions
    assert len(merged.shape.parts) == 4 and covers(merged, 120, 120) and covers(merged, 130, 50)
    assert c.selected_region_ids() == [merged.id]
    states.append(snapshot(env.project))

    move(c, 120, 120)  # the part under the cursor is the one split out
    c.split_selected_part()  # Ctrl+Shift+M
    assert len(env.image.regions) == 2
    (alone,) = [r for r in env.image.regions if covers(r, 120, 120)]
    assert isinstance(alone.shape, Polygon) and not covers(alone, 130, 50)
    assert c.selected_region_ids() == [alone.id]
    states.append(snapshot(env.project))

    assert env.stack.count() == len(states)  # the first polygon, then one step a gesture
    for expected in reversed(states[:-1]):
        env.stack.undo()
        assert snapshot(env.project) == expected


def test_every_ring_is_drawn_and_its_vertices_drag_insert_and_delete(env):
    c = env.canvas
    obj = holed_object(env)
    item = c.layer.items[obj.id]
    assert len(item.vx) == 12  # handles on every ring
    click(c, 30, 30)
    assert c.selected_region_ids() == [obj.id]

    drag(c, [(60, 60), (64, 62), (66, 66)])  # a vertex of the hole
    hole = obj.shape.parts[0][1][0]
    assert_points(hole, [(40, 40), (60, 40), (66, 66), (40, 60)], c)
    assert env.stack.count() == 1

    click(c, 50, 40)  # the + on the hole's top edge inserts a vertex there, in the hole
    hole = obj.shape.parts[0][1][0]
    assert len(hole.xs) == 5 and (hole.xs[1], hole.ys[1]) == (pytest.approx(50, abs=tol(c)), pytest.approx(40))
    drag(c, [(160, 80), (170, 90)])  # the second part's corner
    assert_points(obj.shape.parts[1][0], [(110, 30), (160, 30), (170, 90), (110, 80)], c)

    click(c, 110, 30, SHIFT)  # Shift+click deletes a vertex of the second part
    assert len(obj.shape.parts[1][0].xs) == 3
    click(c, 160, 30, SHIFT)  # ... and on a triangle, the part itself
    assert len(obj.shape.parts) == 1 and len(obj.shape.parts[0][1]) == 1
    assert env.stack.count() == 5
    for _ in range(5):
        env.stack.undo()
    assert len(obj.shape.parts) == 2 and obj.shape.parts[0][1][0] == Polygon.from_points(square(40, 40, 60, 60))


def test_a_hole_is_empty_on_screen_and_clicks_go_through_it(env):
    c = env.canvas
    c.set_view_options(c.view_options().__class__(fill_opacity=80))
    obj = holed_object(env)
    shot = c.viewport().grab().toImage()
    background, hole, solid = (QColor(shot.pixel(vp_pos(c, x, y))) for x, y in ((100, 120), (50, 50), (30, 50)))
    assert hole == background and solid != background
    click(c, 50, 50)
    assert c.selected_region_ids() == []  # the hole is not the object
    click(c, 130, 50)
    assert c.selected_region_ids() == [obj.id]  # the second part is


def test_hole_and_eraser_need_a_selected_object(env):
    c = env.canvas
    for tool in ("hole", "eraser"):
        c.set_tool(tool)
        drag(c, [(30, 30), (40, 40)])
        click(c, 50, 50)
        assert not c.has_drawing() and env.stack.count() == 0
        assert "Select one object" in c.hint()


def test_a_brush_stroke_on_nothing_selected_is_a_new_object_with_sane_vertices(env):
    c = env.canvas
    c.set_tool("brush")
    c.set_brush_size(8)
    path = [(20 + i * 0.7, 75 + 30 * ((i % 40) / 40)) for i in range(200)]  # a long zig-zag stroke
    drag(c, path)
    (obj,) = env.image.regions
    assert obj.attributes == {"class": "cat"}
    mouse = [c.mapToScene(vp_pos(c, *p)) for p in path]  # where the mouse really was, in image pixels
    exact = shapely.LineString([(p.x(), p.y()) for p in mouse]).buffer(8, quad_segs=64)
    got = geometry(obj)
    assert got.boundary.hausdorff_distance(exact.boundary) <= SIMPLIFY_PX  # the promise: within half a pixel
    assert len(obj.shape.vertices()) < 150  # an editable outline, not one vertex a mouse move
    env.stack.undo()
    assert env.image.regions == []


def test_brackets_size_the_brush_and_its_circle_follows_the_cursor(env):
    c = env.canvas
    c.set_tool("brush")
    start = c.brush_size()
    QTest.keyClick(c, Qt.Key.Key_BracketRight)
    assert c.brush_size() > start
    move(c, 60, 60)
    cursor = c.active_tool().brush_cursor
    assert cursor.isVisible() and cursor.radius == c.brush_size()
    assert (cursor.pos().x(), cursor.pos().y()) == (pytest.approx(60, abs=tol(c)), pytest.approx(60, abs=tol(c)))
    for _ in range(3):
        QTest.keyClick(c, Qt.Key.Key_BracketLeft)
    assert c.brush_size() < start and "Brush size" in c.hint()
    c.set_tool("select")
    assert not cursor.isVisible()
    c.set_tool("eraser")  # over the image already: the circle shows without waiting for a move
    cursor = c.active_tool().brush_cursor
    assert cursor.isVisible() and cursor.erasing
