"""The canvas driven as a person would: mouse gestures on the viewport at image
points, keys; then assertions on the model and on undo/redo."""

from __future__ import annotations

import copy
import math
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QImage, QUndoStack, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from annotator.model import AttributeDef, Circle, Ellipse, ImageRecord, Point, Polygon, Polyline, Project, Rect, Region
from annotator.ui.canvas import Canvas
from annotator.ui.canvas.items import HandleItem, RegionItem
from annotator.ui.undo import EditCommand

W, H = 200, 150


class Harness:
    """What the window does: push every emitted edit onto a QUndoStack, refresh on change."""

    def __init__(self, project: Project, canvas: Canvas):
        self.project, self.canvas = project, canvas
        self.stack = QUndoStack()
        self.edits = []
        canvas.edit_requested.connect(self.push)

    def push(self, edit):
        self.edits.append(edit)
        self.stack.push(EditCommand(self.project, edit, lambda e: self.canvas.refresh()))


def make_image(w=W, h=H) -> QImage:
    img = QImage(w, h, QImage.Format.Format_RGB32)
    img.fill(QColor("#406080"))
    return img


def make_project(class_attr: bool = True) -> Project:
    a = ImageRecord("a.png", 1000, W, H)
    b = ImageRecord("b.png", 2000, W, H)
    p = Project(images=[a, b])
    if class_attr:
        p.region_attributes["class"] = AttributeDef("class", "dropdown", options={"cat": "", "dog": ""})
        p.class_attribute = "class"
    return p


def snapshot(project: Project):
    """Everything an edit may change, deep-copied for exact comparison."""
    return (
        [(im.key, [(r.id, r.shape, copy.deepcopy(r.attributes)) for r in im.regions]) for im in project.images],
        copy.deepcopy(project.region_attributes),
        project.class_attribute,
    )


@pytest.fixture
def env(qtbot):
    project = make_project()
    canvas = Canvas()
    qtbot.addWidget(canvas)  # closed and deleted after the test: no widget leak
    canvas.resize(640, 480)
    canvas.show()
    qtbot.waitExposed(canvas)
    harness = Harness(project, canvas)
    canvas.set_image(project, project.images[0].key, make_image())
    canvas.set_current_class("cat")
    harness.image = project.images[0]
    return harness


# ---- gestures -----------------------------------------------------------------------
def vp_pos(canvas: Canvas, x: float, y: float) -> QPoint:
    return canvas.mapFromScene(QPointF(x, y))


def click(canvas, x, y, mods=Qt.KeyboardModifier.NoModifier):
    QTest.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, mods, vp_pos(canvas, x, y))


def move(canvas, x, y):
    QTest.mouseMove(canvas.viewport(), vp_pos(canvas, x, y))


def drag(canvas, points, button=Qt.MouseButton.LeftButton, mods=Qt.KeyboardModifier.NoModifier):
    vp = canvas.viewport()
    QTest.mousePress(vp, button, mods, vp_pos(canvas, *points[0]))
    for p in points[1:]:
        QTest.mouseMove(vp, vp_pos(canvas, *p))
    QTest.mouseRelease(vp, button, mods, vp_pos(canvas, *points[-1]))


def key(canvas, k, mods=Qt.KeyboardModifier.NoModifier):
    QTest.keyClick(canvas, k, mods)


def tol(canvas) -> float:
    """Mouse positions are whole screen pixels: image points come back within a pixel of the view."""
    return 1.0 / canvas.zoom() + 1e-6


def assert_points(shape, expected, canvas):
    got = shape.vertices()
    assert len(got) == len(expected), got
    for (gx, gy), (ex, ey) in zip(got, expected):
        assert gx == pytest.approx(ex, abs=tol(canvas)) and gy == pytest.approx(ey, abs=tol(canvas)), (got, expected)


def add_region(env, shape, cls="cat") -> Region:
    region = Region(shape, {"class": cls})
    env.image.regions.append(region)
    env.canvas.refresh()
    return region


TRIANGLE = [(40, 30), (120, 30), (120, 110)]


# ---- view --------------------------------------------------------------------------
def test_first_image_is_fitted_and_zoom_keeps_the_point_under_the_cursor(env, qtbot):
    c = env.canvas
    vp = c.viewport().rect()
    assert c.zoom() == pytest.approx(min(vp.width() / W, vp.height() / H) * 0.98, rel=1e-3)
    anchor = vp_pos(c, 50, 40)
    before = c.mapToScene(anchor)
    with qtbot.waitSignal(c.zoom_changed) as blocker:
        ev = QWheelEvent(
            QPointF(anchor),
            QPointF(c.viewport().mapToGlobal(anchor)),
            QPoint(0, 0),
            QPoint(0, 240),
            Qt.MouseButton.NoButton,
            Qt.KeyboardModifier.NoModifier,
            Qt.ScrollPhase.NoScrollPhase,
            False,
        )
        QApplication.sendEvent(c.viewport(), ev)
    assert blocker.args[0] == pytest.approx(c.zoom())
    assert c.zoom() > 1.5 * min(vp.width() / W, vp.height() / H)
    after = c.mapToScene(anchor)
    assert after.x() == pytest.approx(before.x(), abs=2 / c.zoom())
    assert after.y() == pytest.approx(before.y(), abs=2 / c.zoom())


def test_zoom_buttons_fit_and_actual_size(env):
    c = env.canvas
    fitted = c.zoom()
    c.zoom_in()
    assert c.zoom() == pytest.approx(fitted * 1.25)
    c.zoom_out()
    c.zoom_out()
    assert c.zoom() == pytest.approx(fitted / 1.25)
    c.actual_size()
    assert c.zoom() == 1.0
    c.fit()
    assert c.zoom() == pytest.approx(fitted)


def test_user_zoom_is_kept_when_switching_images(env):
    c = env.canvas
    c.actual_size()
    c.zoom_in()
    z = c.zoom()
    c.set_image(env.project, env.project.images[1].key, make_image())
    assert c.zoom() == pytest.approx(z)


def test_middle_drag_and_space_drag_pan_without_drawing(env, qtbot):
    c = env.canvas
    for _ in range(8):
        c.zoom_in()
    h0, v0 = c.horizontalScrollBar().value(), c.verticalScrollBar().value()
    vp = c.viewport()
    QTest.mousePress(vp, Qt.MouseButton.MiddleButton, Qt.KeyboardModifier.NoModifier, QPoint(300, 200))
    QTest.mouseMove(vp, QPoint(260, 170))
    QTest.mouseRelease(vp, Qt.MouseButton.MiddleButton, Qt.KeyboardModifier.NoModifier, QPoint(260, 170))
    assert c.horizontalScrollBar().value() == h0 + 40
    assert c.verticalScrollBar().value() == v0 + 30

    c.set_tool("rect")
    h1 = c.horizontalScrollBar().value()
    QTest.keyPress(c, Qt.Key.Key_Space)
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(300, 200))
    QTest.mouseMove(vp, QPoint(330, 200))
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(330, 200))
    QTest.keyRelease(c, Qt.Key.Key_Space)
    assert c.horizontalScrollBar().value() == h1 - 30
    assert env.image.regions == []  # panning drew nothing


def test_pixels_are_sharp_when_zoomed_in(env):
    c = env.canvas
    yy, xx = np.mgrid[0:H, 0:W]
    board = np.where((xx + yy) % 2, 0, 255).astype(np.uint8)  # a 1-pixel checkerboard
    img = QImage(board.tobytes(), W, H, W, QImage.Format.Format_Grayscale8).copy()
    c.set_image(env.project, env.image.key, img)
    c.actual_size()
    for _ in range(10):  # ~9.3x
        c.zoom_in()
    shot = c.grab().toImage()
    centre = c.viewport().rect().center()
    values = {QColor(shot.pixel(centre.x() + dx, centre.y())).lightness() for dx in range(-20, 20)}
    # nearest-neighbour: only black and white on screen, no smoothed greys between them
    assert values <= {0, 255}, sorted(values)
    assert values == {0, 255}


def test_placeholder_before_the_image_is_loaded(qtbot):
    project = make_project()
    c = Canvas()
    qtbot.addWidget(c)
    c.resize(400, 300)
    c.show()
    project.images[0].regions.append(Region(Rect(10, 10, 50, 40), {"class": "cat"}))
    c.set_image(project, project.images[0].key, None)
    assert c.sceneRect().width() == W and c.sceneRect().height() == H
    assert len([i for i in c.scene().items() if isinstance(i, RegionItem)]) == 1
    shot = c.grab().toImage()
    # the placeholder rectangle of the image's size is drawn where the image will be
    p = vp_pos(c, 150, 120)
    assert QColor(shot.pixel(p.x(), p.y())) == QColor("#3c3f41")
    c.set_image(None, None, None)
    assert not [i for i in c.scene().items() if isinstance(i, RegionItem)]
    c.grab()  # paints the "no image" text without an image or project


# ---- drawing -----------------------------------------------------------------------------
def test_polygon_closes_by_clicking_the_first_vertex(env, qtbot):
    c = env.canvas
    c.set_tool("polygon")
    with qtbot.waitSignal(c.drawing_changed) as started:
        click(c, *TRIANGLE[0])
    assert started.args == [True]
    for p in TRIANGLE[1:]:
        click(c, *p)
    assert c.has_drawing() and env.image.regions == []
    move(c, 90, 90)  # the rubber band follows the cursor
    assert c.active_tool().draft_item.rubber and c.active_tool().draft_item.rubber[1] == QPointF(
        c.mapToScene(vp_pos(c, 90, 90))
    )
    with qtbot.waitSignal(c.drawing_changed) as ended:
        click(c, TRIANGLE[0][0] + 1, TRIANGLE[0][1] + 1)
    assert ended.args == [False]
    (region,) = env.image.regions
    assert isinstance(region.shape, Polygon)
    assert_points(region.shape, TRIANGLE, c)
    assert region.attributes == {"class": "cat"}  # the current class
    assert not c.has_drawing()


def test_polygon_closes_with_enter(env):
    c = env.canvas
    c.set_tool("polygon")
    square = [(20, 20), (100, 20), (100, 100), (20, 100)]
    for p in square:
        click(c, *p)
    key(c, Qt.Key.Key_Return)
    (region,) = env.image.regions
    assert_points(region.shape, square, c)


def test_enter_does_not_close_a_polygon_of_two_vertices(env):
    c = env.canvas
    c.set_tool("polygon")
    click(c, 20, 20)
    click(c, 60, 20)
    key(c, Qt.Key.Key_Return)
    assert env.image.regions == [] and c.has_drawing()


def test_polygon_closes_with_a_double_click_without_a_duplicate_vertex(env):
    c = env.canvas
    c.set_tool("polygon")
    click(c, 20, 20)
    click(c, 100, 20)
    QTest.mouseDClick(c.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, vp_pos(c, 100, 100))
    (region,) = env.image.regions
    assert_points(region.shape, [(20, 20), (100, 20), (100, 100)], c)


def test_backspace_removes_the_last_vertex_and_esc_cancels(env, qtbot):
    c = env.canvas
    c.set_tool("polygon")
    for p in [(20, 20), (100, 20), (150, 140), (20, 100)]:
        click(c, *p)
    key(c, Qt.Key.Key_Backspace)  # removes (20, 100)
    key(c, Qt.Key.Key_Backspace)  # removes (150, 140)
    click(c, 100, 100)
    key(c, Qt.Key.Key_Enter)
    (region,) = env.image.regions
    assert_points(region.shape, [(20, 20), (100, 20), (100, 100)], c)

    click(c, 30, 30)
    click(c, 60, 30)
    assert c.has_drawing()
    with qtbot.waitSignal(c.drawing_changed) as blocker:
        key(c, Qt.Key.Key_Escape)
    assert blocker.args == [False] and not c.has_drawing()
    assert len(env.image.regions) == 1 and env.stack.count() == 1


def test_draw_rectangle_by_dragging(env):
    c = env.canvas
    c.set_tool("rect")
    drag(c, [(30, 40), (60, 60), (130, 100)])
    (region,) = env.image.regions
    s = region.shape
    assert isinstance(s, Rect)
    t = tol(c)
    assert (s.x, s.y) == (pytest.approx(30, abs=t), pytest.approx(40, abs=t))
    assert (s.width, s.height) == (pytest.approx(100, abs=2 * t), pytest.approx(60, abs=2 * t))
    assert region.attributes == {"class": "cat"}


def test_a_click_with_the_rectangle_tool_draws_nothing(env):
    c = env.canvas
    c.set_tool("rect")
    click(c, 30, 40)
    assert env.image.regions == [] and env.stack.count() == 0


def test_draw_ellipse_in_a_dragged_box(env):
    c = env.canvas
    c.set_tool("ellipse")
    drag(c, [(20, 30), (120, 90)])
    (region,) = env.image.regions
    s = region.shape
    assert isinstance(s, Ellipse)
    t = tol(c)
    assert s.cx == pytest.approx(70, abs=t) and s.cy == pytest.approx(60, abs=t)
    assert s.rx == pytest.approx(50, abs=t) and s.ry == pytest.approx(30, abs=t) and s.theta == 0


def test_draw_circle_from_centre_and_radius(env):
    c = env.canvas
    c.set_tool("circle")
    drag(c, [(100, 75), (110, 75), (130, 75)])
    (region,) = env.image.regions
    s = region.shape
    assert isinstance(s, Circle)
    assert (s.cx, s.cy) == (pytest.approx(100, abs=tol(c)), pytest.approx(75, abs=tol(c)))
    assert s.r == pytest.approx(30, abs=2 * tol(c))


def test_draw_points(env):
    c = env.canvas
    c.set_tool("point")
    click(c, 50, 60)
    click(c, 70, 20)
    assert [type(r.shape) for r in env.image.regions] == [Point, Point]
    assert_points(env.image.regions[1].shape, [(70, 20)], c)
    assert env.stack.count() == 2


def test_draw_polyline_ends_with_enter_or_double_click(env):
    c = env.canvas
    c.set_tool("polyline")
    click(c, 10, 10)
    click(c, 60, 40)
    click(c, 10, 10)  # clicking the first vertex does not close a polyline
    assert c.has_drawing()
    key(c, Qt.Key.Key_Backspace)
    key(c, Qt.Key.Key_Return)
    (line,) = env.image.regions
    assert isinstance(line.shape, Polyline)
    assert_points(line.shape, [(10, 10), (60, 40)], c)
    click(c, 100, 100)
    QTest.mouseDClick(c.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, vp_pos(c, 150, 120))
    assert_points(env.image.regions[1].shape, [(100, 100), (150, 120)], c)


def test_drawing_clamps_to_the_image(env):
    c = env.canvas
    c.set_tool("rect")
    drag(c, [(50, 50), (W + 30, H + 30)])
    s = env.image.regions[0].shape
    assert s.x + s.width == pytest.approx(W) and s.y + s.height == pytest.approx(H)


def test_new_shapes_carry_the_current_class_even_a_new_one(env):
    c = env.canvas
    c.set_tool("point")
    c.set_current_class("dog")
    click(c, 10, 10)
    assert env.image.regions[-1].attributes["class"] == "dog"
    before = snapshot(env.project)
    c.set_current_class("bird")  # not an option yet
    click(c, 20, 20)
    assert env.image.regions[-1].attributes["class"] == "bird"
    assert "bird" in env.project.region_attributes["class"].options
    env.stack.undo()  # one step removes the shape and the class
    assert snapshot(env.project) == before


def test_first_class_in_a_project_without_attributes_creates_the_class_attribute(qtbot):
    project = make_project(class_attr=False)
    c = Canvas()
    qtbot.addWidget(c)
    c.resize(400, 300)
    c.show()
    harness = Harness(project, c)
    c.set_image(project, project.images[0].key, make_image())
    c.set_current_class("tree")
    c.set_tool("point")
    click(c, 10, 10)
    region = project.images[0].regions[0]
    assert project.class_of(region) == "tree"
    harness.stack.undo()
    assert project.images[0].regions == [] and project.region_attributes == {}


# ---- select / edit ------------------------------------------------------------------------
def select(env, region):
    click(env.canvas, *centroid(region.shape))
    assert env.canvas.selected_region_ids() == [region.id]


def centroid(shape):
    pts = shape.vertices()
    return sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts)


def test_click_selects_and_esc_or_empty_click_clears(env, qtbot):
    c = env.canvas
    r = add_region(env, Polygon.from_points(TRIANGLE))
    with qtbot.waitSignal(c.selection_changed) as blocker:
        click(c, 110, 50)
    assert blocker.args == [[r.id]]
    assert c.layer.items[r.id].selected
    key(c, Qt.Key.Key_Escape)
    assert c.selected_region_ids() == []
    click(c, 110, 50)
    click(c, 10, 140)  # empty
    assert c.selected_region_ids() == []
    assert env.stack.count() == 0  # selecting is not an edit


def test_drag_a_vertex_is_one_undo_step(env):
    c = env.canvas
    r = add_region(env, Polygon.from_points(TRIANGLE))
    select(env, r)
    before = snapshot(env.project)
    vp = c.viewport()
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, vp_pos(c, 120, 30))
    for p in [(125, 35), (140, 40), (150, 50), (160, 20)]:
        QTest.mouseMove(vp, vp_pos(c, *p))
    # while dragging only the item moves (Qt's undo framework: record on press, push on release)
    assert snapshot(env.project) == before and env.edits == []
    assert_points(c.layer.items[r.id].shape_value, [(40, 30), (160, 20), (120, 110)], c)
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, vp_pos(c, 160, 20))
    assert_points(r.shape, [(40, 30), (160, 20), (120, 110)], c)
    assert len(env.edits) == 1 and env.stack.count() == 1  # one edit, one step
    after = snapshot(env.project)
    env.stack.undo()
    assert snapshot(env.project) == before
    assert c.layer.items[r.id].shape_value is r.shape  # the view follows undo
    env.stack.redo()
    assert snapshot(env.project) == after
    # a second press is a second step
    drag(c, [(40, 30), (30, 20)])
    assert env.stack.count() == 2


def test_refresh_after_a_drag_updates_only_the_changed_item(env):
    c = env.canvas
    r1 = add_region(env, Polygon.from_points(TRIANGLE))
    r2 = add_region(env, Rect(10, 100, 20, 20))
    items = dict(c.layer.items)
    path2 = items[r2.id].path
    select(env, r1)
    drag(c, [(120, 30), (150, 40)])
    assert c.layer.items == items  # same item objects: no rebuild of the scene
    assert items[r2.id].path is path2  # the untouched region was not re-rendered
    assert items[r1.id].shape_value is r1.shape


def test_insert_a_vertex_with_the_edge_hint(env, qtbot):
    c = env.canvas
    r = add_region(env, Polygon.from_points(TRIANGLE))
    select(env, r)
    ghost = next(i for i in c.scene().items() if isinstance(i, HandleItem) and i.kind == "ghost")
    assert not ghost.isVisible()
    move(c, 80, 30)  # on the top edge
    assert ghost.isVisible()
    assert ghost.pos().x() == pytest.approx(80, abs=tol(c)) and ghost.pos().y() == pytest.approx(30)
    assert "insert a vertex" in c.hint()
    assert "insert a vertex" in c.viewport().toolTip()
    before = snapshot(env.project)
    click(c, 80, 30)
    assert_points(r.shape, [(40, 30), (80, 30), (120, 30), (120, 110)], c)
    assert env.stack.count() == 1
    # insert and drag in one gesture: still one step
    drag(c, [(80, 70), (80, 72), (85, 90)])  # (80, 70) is on the long edge
    assert len(r.shape.xs) == 5 and env.stack.count() == 2
    env.stack.undo()
    env.stack.undo()
    assert snapshot(env.project) == before


def test_delete_a_vertex_with_shift_click_or_delete_while_hovering(env):
    c = env.canvas
    square = [(20, 20), (100, 20), (100, 100), (20, 100)]
    r = add_region(env, Polygon.from_points(square))
    select(env, r)
    move(c, 100, 100)
    assert "Shift+click or Delete" in c.hint()  # discoverable
    click(c, 100, 100, Qt.KeyboardModifier.ShiftModifier)
    assert_points(r.shape, [(20, 20), (100, 20), (20, 100)], c)
    assert c.selected_region_ids() == [r.id]
    # a triangle keeps its three vertices: Delete on a hovered vertex does nothing to it
    move(c, 100, 20)
    key(c, Qt.Key.Key_Delete)
    assert len(r.shape.xs) == 3 and r in env.image.regions
    assert "at least" in c.hint()
    env.stack.undo()
    assert_points(r.shape, square, c)
    move(c, 20, 100)
    key(c, Qt.Key.Key_Delete)
    assert_points(r.shape, [(20, 20), (100, 20), (100, 100)], c)


def test_move_a_shape_by_dragging_its_inside(env):
    c = env.canvas
    r = add_region(env, Rect(20, 20, 40, 30))
    before = snapshot(env.project)
    drag(c, [(40, 35), (45, 38), (60, 50), (70, 65)])
    s = r.shape
    assert (s.x, s.y) == (pytest.approx(50, abs=2 * tol(c)), pytest.approx(50, abs=2 * tol(c)))
    assert (s.width, s.height) == (40, 30)
    assert env.stack.count() == 1 and c.selected_region_ids() == [r.id]
    env.stack.undo()
    assert snapshot(env.project) == before


def test_a_move_stops_at_the_image_border(env):
    c = env.canvas
    r = add_region(env, Rect(20, 20, 40, 30))
    drag(c, [(40, 35), (0, 0), (-50, -50)])
    assert (r.shape.x, r.shape.y) == (0, 0)


def test_move_several_selected_shapes_in_one_step(env):
    c = env.canvas
    a = add_region(env, Rect(20, 20, 40, 30))
    b = add_region(env, Circle(140, 100, 20), "dog")
    click(c, 40, 35)
    click(c, 140, 100, Qt.KeyboardModifier.ControlModifier)
    assert c.selected_region_ids() == [a.id, b.id]
    before = snapshot(env.project)
    drag(c, [(40, 35), (45, 35), (50, 40)])
    assert a.shape.x == pytest.approx(30, abs=2 * tol(c)) and b.shape.cx == pytest.approx(150, abs=2 * tol(c))
    assert env.stack.count() == 1
    env.stack.undo()
    assert snapshot(env.project) == before


def test_delete_selected_shapes_and_undo_restores_the_order(env):
    c = env.canvas
    a = add_region(env, Rect(20, 20, 40, 30))
    b = add_region(env, Point(150, 100))
    d = add_region(env, Polygon.from_points([(100, 20), (180, 20), (180, 60)]))
    before = snapshot(env.project)
    click(c, 40, 35)
    click(c, 150, 100, Qt.KeyboardModifier.ShiftModifier)
    assert c.selected_region_ids() == [a.id, b.id]
    key(c, Qt.Key.Key_Delete)
    assert [r.id for r in env.image.regions] == [d.id]
    assert c.selected_region_ids() == [] and set(c.layer.items) == {d.id}
    env.stack.undo()
    assert snapshot(env.project) == before
    assert set(c.layer.items) == {a.id, b.id, d.id}


def test_copy_paste_onto_another_image(env):
    c = env.canvas
    a = add_region(env, Polygon.from_points(TRIANGLE), "dog")
    select(env, a)
    c.copy_selection()
    other = env.project.images[1]
    c.set_image(env.project, other.key, make_image())
    before = snapshot(env.project)
    c.paste()
    (pasted,) = other.regions
    assert pasted.id != a.id and pasted.shape == a.shape and pasted.attributes == {"class": "dog"}
    assert pasted.attributes is not a.attributes
    assert c.selected_region_ids() == [pasted.id]
    assert len(env.image.regions) == 1  # the source is untouched
    env.stack.undo()
    assert snapshot(env.project) == before


def test_paste_on_the_same_image_is_offset(env):
    c = env.canvas
    a = add_region(env, Rect(20, 20, 40, 30))
    select(env, a)
    c.copy_selection()
    c.paste()
    c.paste()
    assert [(r.shape.x, r.shape.y) for r in env.image.regions] == [(20, 20), (30, 30), (40, 40)]


def test_arrow_keys_nudge_and_merge_into_one_step(env):
    c = env.canvas
    a = add_region(env, Rect(20, 20, 40, 30))
    select(env, a)
    before = snapshot(env.project)
    key(c, Qt.Key.Key_Right)
    key(c, Qt.Key.Key_Right)
    key(c, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    key(c, Qt.Key.Key_Left)
    assert (a.shape.x, a.shape.y) == (21, 30)
    assert env.stack.count() == 1
    env.stack.undo()
    assert snapshot(env.project) == before


def test_drag_the_handles_of_a_rect_circle_and_ellipse(env):
    c = env.canvas
    rect = add_region(env, Rect(20, 20, 40, 30))
    select(env, rect)
    drag(c, [(60, 50), (80, 70)])  # bottom-right corner
    assert (rect.shape.width, rect.shape.height) == (pytest.approx(60, abs=tol(c)), pytest.approx(50, abs=tol(c)))
    circ = add_region(env, Circle(140, 100, 20))
    select(env, circ)
    drag(c, [(160, 100), (170, 100)])  # the radius handle
    assert circ.shape.r == pytest.approx(30, abs=tol(c))
    assert env.stack.count() == 2


def test_undo_redo_of_a_whole_session_returns_exactly(env):
    c = env.canvas
    states = [snapshot(env.project)]
    c.set_tool("polygon")
    for p in TRIANGLE:
        click(c, *p)
    key(c, Qt.Key.Key_Return)
    states.append(snapshot(env.project))
    c.set_tool("select")
    r = env.image.regions[0]
    select(env, r)
    states.append(snapshot(env.project))  # selection is not a step
    drag(c, [(120, 110), (130, 120)])
    states.append(snapshot(env.project))
    click(c, 80, 30)  # insert on an edge
    states.append(snapshot(env.project))
    drag(c, (centroid(r.shape), (90, 80)))
    states.append(snapshot(env.project))
    key(c, Qt.Key.Key_Delete)
    states.append(snapshot(env.project))
    states = [s for i, s in enumerate(states) if i == 0 or s != states[i - 1]]
    assert env.stack.count() == len(states) - 1 == 5
    for expected in reversed(states[:-1]):
        env.stack.undo()
        assert snapshot(env.project) == expected
    for expected in states[1:]:
        env.stack.redo()
        assert snapshot(env.project) == expected
    assert set(c.layer.items) == {r.id for r in env.image.regions}


def test_cursor_position_is_reported_in_image_coordinates(env, qtbot):
    c = env.canvas
    with qtbot.waitSignal(c.cursor_moved) as blocker:
        move(c, 50, 60)
    assert blocker.args[0] == pytest.approx(50, abs=tol(c)) and blocker.args[1] == pytest.approx(60, abs=tol(c))
    with qtbot.waitSignal(c.cursor_moved) as blocker:
        QTest.mouseMove(c.viewport(), QPoint(1, 1))  # outside the image
    assert all(math.isnan(v) for v in blocker.args)


def test_tool_changes_are_signalled_and_cancel_the_drawing(env, qtbot):
    c = env.canvas
    with qtbot.waitSignal(c.tool_changed) as blocker:
        c.set_tool("polygon")
    assert blocker.args == ["polygon"] and c.tool() == "polygon"
    click(c, 10, 10)
    c.set_tool("rect")
    assert not c.has_drawing()
    with pytest.raises(ValueError):
        c.set_tool("lasso")


def test_loading_the_pixels_later_keeps_selection_and_drawing(env):
    c = env.canvas
    r = add_region(env, Rect(20, 20, 40, 30))
    c.set_image(env.project, env.image.key, None)  # placeholder first...
    select(env, r)
    c.set_image(env.project, env.image.key, make_image())  # ...then the loaded image
    assert c.selected_region_ids() == [r.id]
    c.set_image(env.project, env.project.images[1].key, make_image())  # another image clears it
    assert c.selected_region_ids() == [] and not c.layer.items


def test_hovering_a_shape_highlights_it(env):
    c = env.canvas
    r = add_region(env, Rect(20, 20, 40, 30))
    item = c.layer.items[r.id]
    move(c, 150, 120)
    assert not item.hovered
    move(c, 40, 35)
    assert item.hovered and "drag to move" in c.hint()
    move(c, 150, 120)
    assert not item.hovered


# ---- drawing: undo, selection of the new shape, view options ---------------------------------
def test_ctrl_z_while_drawing_removes_the_last_vertex_and_not_an_edit(env):
    c = env.canvas
    add_region(env, Rect(150, 100, 30, 30))
    c.set_tool("polygon")
    for p in [(20, 20), (100, 20), (100, 100)]:
        click(c, *p)
    key(c, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert c.active_tool().points == [pytest.approx(p, abs=tol(c)) for p in [(20, 20), (100, 20)]]
    assert env.stack.count() == 0 and len(env.image.regions) == 1
    key(c, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    key(c, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert not c.has_drawing()
    assert not c.undo_draft_vertex()  # nothing drawn: Undo is the history's again


def test_the_new_shape_stays_selected_after_it_is_drawn(env):
    c = env.canvas
    c.set_tool("rect")
    drag(c, [(20, 20), (60, 50), (80, 60)])
    (rect,) = env.image.regions
    assert c.selected_region_ids() == [rect.id] and c.layer.items[rect.id].selected
    c.set_tool("point")
    click(c, 150, 120)
    point = env.image.regions[-1]
    assert isinstance(point.shape, Point) and c.selected_region_ids() == [point.id]


def test_view_options_change_what_is_drawn(env):
    from annotator.ui.canvas.view_options import ViewOptions

    c = env.canvas
    r = add_region(env, Rect(20, 20, 40, 30), "dog")
    item = c.layer.items[r.id]
    assert item.isVisible() and item.label.isVisible() and item.label.text == "dog"
    c.set_view_options(ViewOptions(show_labels=False, fill_opacity=60))
    assert not item.label.isVisible() and item.fill_alphas[0] == round(255 * 0.6)
    c.set_view_options(ViewOptions(show_annotations=False))
    assert not item.isVisible()
    later = add_region(env, Rect(100, 80, 20, 20))  # shapes added while hidden stay hidden
    assert not c.layer.items[later.id].isVisible()
    c.set_view_options(ViewOptions())
    assert item.isVisible() and c.layer.items[later.id].isVisible() and item.label.text == "dog"
