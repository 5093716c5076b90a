"""Select / edit tool (S): click a shape to select it (Shift adds, Ctrl toggles), drag it
to move the selection, drag a vertex, click the + on an edge to insert a vertex (and
drag it), Shift+click or Delete removes a vertex.

A drag is a generator (press, `yield` per move, release; see base.py for adding a
tool): its shapes as they were on press are locals, the drag is previewed on the
graphics items only, and one edit is pushed on release (Qt's undo framework pattern).
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, Qt

from ....model import MultiPolygon, PathShape, Polyline, delete_vertex_edit, set_shapes_edit, union_bbox
from ..editing import Hit, clamp_delta, has_vertex_list
from ..items import HandleItem
from ..view import Pointer
from .base import CanvasContext, Drag, Tool

DRAG_START_PX = 3  # a press must move this far (screen px) before a shape moves

HOVER_HINTS = {
    "vertex": "Drag to move this vertex · Shift+click or Delete removes it",
    "corner": "Drag to reshape",
    "edge": "Click to insert a vertex here (drag to place it)",
    "selected": "Drag to move · Delete removes the shape · arrows nudge",
    "region": "Click to select · drag to move",
}
CURSORS = {
    "vertex": Qt.CursorShape.PointingHandCursor,
    "edge": Qt.CursorShape.PointingHandCursor,
    "region": Qt.CursorShape.SizeAllCursor,
}


def region_at(canvas: CanvasContext, x: float, y: float) -> int | None:
    """The topmost shape shown under (x, y) (selected ones are drawn on top); also what a
    right-click's menu is about, whatever the tool."""
    if not canvas.layer.options.show_annotations:
        return None
    tol = canvas.tol()
    for item in canvas.layer.topmost():
        if not item.isVisible() or not item.boundingRect().contains(QPointF(x, y)):
            continue
        # a polyline of three or more points is an object (its mask is its closed outline, as in the
        # VIA gun/sword tutorial's files): a click inside it picks it, as inside a polygon
        area = item.closed or (isinstance(item.shape_value, Polyline) and len(item.shape_value.xs) >= 3)
        if area and (item.contains_point(x, y) or item.outline().near_outline(x, y, tol)):
            return item.region_id
        if not area and item.outline().near_outline(x, y, tol * 1.5):
            return item.region_id
    return None


class SelectTool(Tool):
    name = "select"
    hint = (
        "Click a shape to select it, drag to move it · drag a vertex · click the + on an edge to add a vertex · "
        "Shift+click or Delete removes a vertex · arrows nudge"
    )
    cursor = Qt.CursorShape.ArrowCursor

    def activate(self) -> None:
        self.hovered: Hit | None = None
        self.dragged_vertex: tuple[int, int] | None = None  # (region, vertex) a drag holds
        self.moving = False  # a drag moves the selection
        self.vertex_handle = HandleItem("vertex")
        self.ghost = HandleItem("ghost")
        self.canvas.add_item(self.vertex_handle)
        self.canvas.add_item(self.ghost)

    def deactivate(self) -> None:
        self.set_hover(None)
        self.canvas.remove_item(self.vertex_handle)
        self.canvas.remove_item(self.ghost)

    def cursor_shape(self) -> Qt.CursorShape:
        return CURSORS[self.hovered.kind] if self.hovered is not None else self.cursor

    # ---- what is under the cursor ----------------------------------------------------
    def hit(self, x: float, y: float) -> Hit | None:
        canvas = self.canvas
        if not canvas.layer.options.show_annotations:
            return None  # hidden shapes cannot be grabbed
        items, tol = canvas.layer.items, canvas.tol()
        selected = [items[rid] for rid in reversed(canvas.selection.ids) if rid in items]
        # vertices, then edges, of the selected shapes (their handles are visible)
        best = None
        for item in selected:
            i = item.outline().nearest_vertex(x, y, tol)
            if i is not None:
                d = math.hypot(item.vx[i] - x, item.vy[i] - y)
                if best is None or d < best[0]:
                    best = (d, Hit("vertex", item.region_id, i, float(item.vx[i]), float(item.vy[i])))
        if best is not None:
            return best[1]
        for item in selected:
            if has_vertex_list(item.shape_value):
                edge = item.outline().nearest_edge(x, y, tol)
                if edge is not None:
                    return Hit("edge", item.region_id, edge[0], edge[1], edge[2])
        rid = region_at(canvas, x, y)
        return Hit("region", rid) if rid is not None else None

    def hover(self, pointer: Pointer) -> None:
        self.set_hover(self.hit(*pointer.raw))

    def leave(self) -> None:
        self.set_hover(None)

    def refreshed(self) -> None:
        if self.dragged_vertex is not None:
            self._place_drag_handle()
        elif self.moving:
            return
        elif self.canvas.last_pos is not None:
            self.set_hover(self.hit(*self.canvas.last_pos))
        elif self.hovered is not None and self.hovered.region_id not in self.canvas.layer.items:
            self.set_hover(None)

    def set_hover(self, hit: Hit | None) -> None:
        old, self.hovered = self.hovered, hit
        layer = self.canvas.layer
        layer.show_hovered(old.region_id if old is not None else None, hit.region_id if hit is not None else None)
        item = layer.items.get(hit.region_id) if hit is not None else None
        if hit is not None and hit.kind == "vertex":
            self.vertex_handle.colour = item.colour if item is not None else "#ffffff"
            self.vertex_handle.setPos(hit.x, hit.y)
            self.vertex_handle.show()
            self.vertex_handle.update()
        else:
            self.vertex_handle.hide()
        self.ghost.setVisible(hit is not None and hit.kind == "edge")
        if hit is not None and hit.kind == "edge":
            self.ghost.setPos(hit.x, hit.y)
        if hit is None:
            hint = self.hint
        elif hit.kind == "vertex":
            hint = HOVER_HINTS["vertex" if item is not None and has_vertex_list(item.shape_value) else "corner"]
        elif hit.kind == "edge":
            hint = HOVER_HINTS["edge"]
        else:
            hint = HOVER_HINTS["selected" if hit.region_id in self.canvas.selection.ids else "region"]
        self.canvas.set_hint(hint)
        self.canvas.update_cursor()

    # ---- press and drags ---------------------------------------------------------------
    def press(self, pointer: Pointer) -> Drag | None:
        canvas, (x, y) = self.canvas, pointer.raw
        hit = self.hit(x, y)
        record = canvas.record()
        if record is None:
            return None
        if hit is None or hit.kind == "region":
            rid = hit.region_id if hit is not None else None
            ids = canvas.selection.after_click(rid, pointer.shift, pointer.ctrl)
            canvas.select_regions(ids)
            if rid is None or pointer.ctrl:
                return None
            return self._move(pointer, rid)
        if hit.kind == "vertex" and pointer.shift:
            self.delete_vertex(hit.region_id, hit.index)
            return None
        old = record.region(hit.region_id).shape
        if hit.kind == "vertex":
            return self._drag_vertex(pointer, hit.region_id, hit.index, old, old, "Move vertex")
        # an edge: the insertion and the drag that may follow are one undo step, pushed on release
        assert isinstance(old, (PathShape, MultiPolygon))  # only they show edges to insert on
        new = old.with_inserted_vertex(hit.index, hit.x, hit.y)
        return self._drag_vertex(pointer, hit.region_id, hit.index, new, old, "Insert vertex")

    def _drag_vertex(self, pointer: Pointer, rid: int, index: int, start, original, text: str) -> Drag:
        canvas = self.canvas
        record = canvas.record()
        assert record is not None  # a press on a vertex: an image is shown
        item = canvas.layer.items[rid]
        preview = start if start is not original else None  # an inserted vertex is a change already
        item.interactive = True
        self.dragged_vertex = (rid, index)
        try:
            if preview is not None:
                item.set_shape(preview)
                self._place_drag_handle()
            yield
            while not pointer.released:
                if canvas.layer.items.get(rid) is not item:
                    return  # deleted meanwhile
                new = start.with_vertex(index, *canvas.view.clamp(*pointer.raw))
                if new != preview:
                    preview = new
                    item.set_shape(new)
                self._place_drag_handle()
                yield
            self._end_preview(item, rid)
            if preview is not None and rid in canvas.layer.items:
                edit = set_shapes_edit(record.key, [(rid, original, preview)], text)
                if edit is not None:
                    canvas.push(edit)
        finally:
            self.dragged_vertex = None
            self._end_preview(item, rid)
            self.hover(pointer)

    def _move(self, pointer: Pointer, rid: int) -> Drag:
        canvas = self.canvas
        record = canvas.record()
        assert record is not None  # a press on a shape: an image is shown
        items = canvas.layer.items
        start = {i: record.region(i).shape for i in canvas.selection.ids}
        for i in start:
            items[i].interactive = True
        press, delta, moved = pointer.raw, (0.0, 0.0), False
        self.moving = True
        try:
            yield
            while not pointer.released:
                dx, dy = pointer.raw[0] - press[0], pointer.raw[1] - press[1]
                if moved or math.hypot(dx, dy) * canvas.view.zoom() >= DRAG_START_PX:
                    moved = True
                    delta = clamp_delta(union_bbox(list(start.values())), dx, dy, *canvas.view.image_size())
                    for i in start:
                        if i in items:
                            items[i].setPos(*delta)
                yield
            for i in start:
                self._end_preview(items.get(i), i)
            changes = [(i, shape, shape.translated(*delta)) for i, shape in start.items() if i in items and moved]
            text = "Move shape" if len(changes) == 1 else f"Move {len(changes)} shapes"
            edit = set_shapes_edit(record.key, changes, text)
            if edit is not None:
                canvas.push(edit)
        finally:
            self.moving = False
            for i in start:
                self._end_preview(items.get(i), i)
            self.hover(pointer)

    def _end_preview(self, item, rid: int) -> None:
        """The item shows the model's shape again (a finished drag's edit then changes it for good)."""
        if item is None:
            return
        item.interactive = False
        item.setPos(0, 0)
        record = self.canvas.record()
        try:
            shape = record.region(rid).shape if record is not None else None
        except KeyError:
            shape = None  # deleted meanwhile: its item goes with the next refresh
        if shape is not None and item.shape_value is not shape:
            item.set_shape(shape)
        item.update()

    def _place_drag_handle(self) -> None:
        rid, index = self.dragged_vertex or (-1, -1)
        item = self.canvas.layer.items.get(rid)
        if item is None or index >= len(item.vx):
            return
        self.hovered = Hit("vertex", rid, index, float(item.vx[index]), float(item.vy[index]))
        self.vertex_handle.setPos(self.hovered.x, self.hovered.y)

    # ---- keys ------------------------------------------------------------------------
    def delete_vertex(self, region_id: int, index: int) -> None:
        record = self.canvas.record()
        if record is None:
            return
        edit = delete_vertex_edit(record, region_id, index)
        if isinstance(edit, str):
            self.canvas.set_hint(edit)  # why it cannot be deleted
        else:
            self.canvas.push(edit)

    def on_delete(self) -> bool:
        """The hovered vertex, else (False) the canvas deletes the selection."""
        hover, items = self.hovered, self.canvas.layer.items
        if hover is None or hover.kind != "vertex" or hover.region_id not in items:
            return False
        if not has_vertex_list(items[hover.region_id].shape_value):
            return False
        self.delete_vertex(hover.region_id, hover.index)
        return True

    def on_step_back(self) -> bool:
        if not self.on_delete():
            self.canvas.delete_selection()
        return True
