"""The canvas as tools: a new tool is one class (a preview item, keys from the keymap,
work off the UI thread, one edit on accept), the keymap is what F1 lists, and the
selection rules are Qt-free."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGraphicsRectItem

from annotator.app.selection import Selection
from annotator.model import ImageRecord, Polygon, Rect, Region
from annotator.ui.canvas import keymap, tools
from annotator.ui.canvas.tools.base import Tool

from . import test_canvas
from .test_canvas import add_region, click, drag, key, snapshot, tol

env = test_canvas.env  # the canvas fixture: a canvas on a 200x150 image, its edits on a QUndoStack


class BoxProposalTool(Tool):
    """An assist-like tool: a dragged box -> a proposal computed off the UI thread, shown as a
    preview; Enter accepts it as one edit, Esc drops it, Backspace drops the last click."""

    name = "box_proposal"
    hint = "Drag a box"

    def activate(self):
        self.preview = QGraphicsRectItem()
        self.preview.hide()
        self.canvas.add_item(self.preview)
        self.proposal = None
        self.job = None
        self.clicks = []
        self.worker_threads = []

    def deactivate(self):
        if self.job is not None:
            self.job.cancel()
        self.canvas.remove_item(self.preview)

    def drawing(self):
        return self.proposal is not None or bool(self.clicks)

    def press(self, pointer):
        if pointer.shift:  # a click adds a point
            self.clicks.append(pointer.pos)
            return None
        return self._box(pointer)

    def _box(self, pointer):
        x0, y0 = pointer.pos
        yield
        while not pointer.released:
            yield
        x1, y1 = pointer.pos

        def work():
            self.worker_threads.append(threading.current_thread())
            return Rect(min(x0, x1), min(y0, y1), abs(x1 - x0), abs(y1 - y0))

        self.job = self.canvas.run_off_thread(work, self._proposed)

    def _proposed(self, shape):
        self.proposal = shape
        self.preview.setRect(shape.x, shape.y, shape.width, shape.height)
        self.preview.show()

    def on_finish(self):
        if self.proposal is None:
            return False
        record = self.canvas.record()
        self.canvas.push(tools_edit(self.canvas.project(), record.key, self.proposal))
        self.proposal = None
        self.preview.hide()
        return True

    def on_cancel(self):
        if self.proposal is None:
            return False
        self.proposal = None
        self.preview.hide()
        return True

    def on_step_back(self):
        if not self.clicks:
            return False
        self.clicks.pop()
        return True


def tools_edit(project, key, shape):
    from annotator.model import new_region_edit

    return new_region_edit(project, key, shape, "cat")[0]


@pytest.fixture
def proposal_tool(monkeypatch):
    monkeypatch.setitem(tools.TOOLS, BoxProposalTool.name, BoxProposalTool)


def test_a_new_tool_previews_work_done_off_the_ui_thread_and_accepts_it_as_one_edit(env, qtbot, proposal_tool):
    c = env.canvas
    c.set_tool("box_proposal")
    tool = c.active_tool()
    assert tool.preview.scene() is c.scene()
    drag(c, [(30, 40), (80, 60), (130, 100)])
    qtbot.waitUntil(lambda: tool.proposal is not None)
    assert tool.worker_threads and tool.worker_threads[0] is not threading.main_thread()
    assert tool.preview.isVisible() and tool.preview.rect().width() == pytest.approx(100, abs=2 * tol(c))
    assert env.image.regions == [] and c.has_drawing()
    before = snapshot(env.project)
    key(c, Qt.Key.Key_Return)  # accept
    (region,) = env.image.regions
    assert isinstance(region.shape, Rect) and region.attributes == {"class": "cat"}
    assert env.stack.count() == 1 and not tool.preview.isVisible()
    env.stack.undo()
    assert snapshot(env.project) == before

    drag(c, [(20, 20), (60, 60)])
    qtbot.waitUntil(lambda: tool.proposal is not None)
    key(c, Qt.Key.Key_Escape)  # drop the proposal, not the selection
    assert tool.proposal is None and not tool.preview.isVisible() and env.stack.count() == 1

    click(c, 50, 50, Qt.KeyboardModifier.ShiftModifier)
    click(c, 70, 50, Qt.KeyboardModifier.ShiftModifier)
    key(c, Qt.Key.Key_Backspace)
    assert tool.clicks == [pytest.approx((50, 50), abs=tol(c))]

    c.set_tool("select")  # the preview goes with the tool
    assert tool.preview.scene() is None


def test_every_keymap_row_is_in_the_f1_list_and_its_keys_reach_a_command():
    rows = keymap.shortcut_list()
    assert ("Close the polygon / polyline", "Enter") in rows
    assert keymap.binding_for(Qt.Key.Key_Return).command == "finish"
    assert keymap.binding_for(int(Qt.Key.Key_Escape)).command == "cancel"
    assert keymap.binding_for(Qt.Key.Key_A) is None
    # each command a tool may implement is one a tool does implement
    handlers = {name[3:] for t in tools.TOOLS.values() for name in dir(t) if name.startswith("on_")}
    commands = {b.command for b in keymap.KEYMAP if b.command}
    assert handlers <= commands and {"finish", "cancel", "step_back", "delete", "grow", "shrink"} <= handlers


def test_a_vertex_drag_by_the_select_tool_is_one_undo_step(env):
    c = env.canvas
    r = add_region(env, Polygon.from_points([(40, 30), (120, 30), (120, 110)]))
    c.select_regions([r.id])
    before = snapshot(env.project)
    drag(c, [(120, 30), (140, 20), (150, 15)])
    assert r.id in c.layer.items and env.stack.count() == 1
    assert env.image.regions[0].shape.vertices()[1] == (pytest.approx(150, abs=tol(c)), pytest.approx(15, abs=tol(c)))
    env.stack.undo()
    assert snapshot(env.project) == before


def test_selection_rules_without_qt():
    code = (
        "import sys, annotator.app.selection;"
        "bad = [m for m in ('PySide6', 'torch') if m in sys.modules]; assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    sel = Selection()
    assert sel.after_click(1) == [1] and sel.set([1]) and not sel.set([1])
    assert sel.after_click(2, shift=True) == [1, 2]
    sel.set([1, 2])
    assert (
        sel.after_click(1, ctrl=True) == [2]
        and sel.after_click(None) == []
        and sel.after_click(None, shift=True) == [1, 2]
    )
    assert sel.after_click(2) == [1, 2]  # a press on a selected shape keeps the selection (to drag it)
    assert sel.target() is None and sel.forget([2]) and sel.ids == [1] and sel.target() == 1
    image = ImageRecord("a.png", 1, 100, 80, regions=[Region(Rect(10, 10, 20, 20), {"class": "cat"}, id=1)])
    sel.copy(image)
    edit, ids = sel.paste(image, 100, 80)
    assert [r.shape for r in edit.regions] == [Rect(20, 20, 20, 20)] and ids == [edit.regions[0].id]
    first = sel.nudge(image, 1, 0)
    second = sel.nudge(image, 0, 1)
    assert first.merge_key() == second.merge_key() is not None  # a run of nudges is one undo step
    sel.set([])
    assert sel.nudge(image, 1, 0) is None and sel.delete(image) is None


def test_a_polygon_of_many_vertices_shows_the_handles_in_view_and_its_vertices_still_drag(env):
    """Issue 23 item 13: handles only for the vertices in view (at most MAX_HANDLES), a vertex
    drag at a zoom that shows it still edits the model, as one undo step."""
    import numpy as np

    from annotator.ui.canvas.items import RegionItem

    c = env.canvas
    n = RegionItem.DETAIL_VERTICES + 30_000
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    ring = Polygon((100 + 60 * np.cos(t)).tolist(), (75 + 60 * np.sin(t)).tolist())
    r = add_region(env, ring)
    c.select_regions([r.id])
    item = c.layer.items[r.id]

    def in_view():
        rect = c.mapToScene(c.viewport().rect()).boundingRect()
        return rect, item.handles_in_view(rect)

    rect, shown = in_view()  # fitted: the whole ring is in view, thinned out
    assert 0 < len(shown) <= RegionItem.MAX_HANDLES
    c.grab()  # paints (decimated outline, handles in view) without error
    for _ in range(16):  # about 30x: a few hundred vertices in view
        c.zoom_in()
    i = 1234
    vx, vy = ring.xs[i], ring.ys[i]
    c.centerOn(vx, vy)
    rect, shown = in_view()
    inside = [k for k in range(n) if rect.contains(ring.xs[k], ring.ys[k])]
    assert 0 < len(inside) <= RegionItem.MAX_HANDLES
    assert sorted((p.x(), p.y()) for p in shown) == sorted((ring.xs[k], ring.ys[k]) for k in inside)
    c.grab()

    before = snapshot(env.project)
    near = c.active_tool().hit(vx, vy)
    assert near is not None and near.kind == "vertex" and abs(near.index - i) <= 2
    drag(c, [(ring.xs[near.index], ring.ys[near.index]), (vx + 1, vy + 1), (vx + 2, vy + 2)])
    moved = env.image.regions[0].shape
    assert env.stack.count() == 1 and len(moved.xs) == n
    assert (moved.xs[near.index], moved.ys[near.index]) == (
        pytest.approx(vx + 2, abs=tol(c)),
        pytest.approx(vy + 2, abs=tol(c)),
    )
    env.stack.undo()
    assert snapshot(env.project) == before
