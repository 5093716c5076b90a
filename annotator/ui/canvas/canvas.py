"""The annotation canvas: a QGraphicsView that renders one image and its regions
and turns gestures into model edits.

It owns no data: every change is an `annotator.model` Edit emitted through
`edit_requested`; the window pushes it onto its QUndoStack and calls `refresh()`,
which only touches the items whose region changed.
"""

from __future__ import annotations

import copy
import itertools
import math
from collections.abc import Iterable

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QCursor, QFont, QImage, QKeySequence, QPainter, QPixmap, QTransform
from PySide6.QtWidgets import QFrame, QGraphicsScene, QGraphicsView

from ...model import Project, RemoveRegions, delete_vertex_edit, paste_edit, set_shapes_edit, union_bbox
from . import style
from .brush import DEFAULT_BRUSH, step_brush
from .brush_items import BrushCursorItem, StrokeItem
from .editing import (
    Drag,
    Hit,
    clamp_delta,
    has_vertex_list,
    nearest_edge,
    nearest_vertex,
    outline_distance,
    safe_class,
)
from .items import DraftItem, HandleItem, RegionItem
from .object_gestures import Outcome, merge_outcome, split_outcome, tool_outcome
from .tools import HINTS, TOOLS, BrushTool, Tool
from .view_options import ViewOptions

MIN_ZOOM, MAX_ZOOM = 1 / 64, 64.0
ZOOM_STEP = 1.25
DRAG_START_PX = 3  # a press must move this far (screen px) before a shape moves
_tags = itertools.count(1)


class Canvas(QGraphicsView):
    edit_requested = Signal(object)
    selection_changed = Signal(list)
    cursor_moved = Signal(float, float)
    zoom_changed = Signal(float)
    tool_changed = Signal(str)
    drawing_changed = Signal(bool)
    hint_changed = Signal(str)  # what the mouse can do here (for the status bar)
    image_changed = Signal(object)  # the image key shown now (after a switch)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._scene = QGraphicsScene(self)
        self._scene.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)
        self.setScene(self._scene)
        self.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        self.setCacheMode(QGraphicsView.CacheModeFlag.CacheBackground)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setOptimizationFlag(QGraphicsView.OptimizationFlag.DontSavePainterState, True)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setDragMode(QGraphicsView.DragMode.NoDrag)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setMouseTracking(True)
        self.viewport().setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumSize(200, 150)

        self._project: Project | None = None
        self._image_key: str | None = None
        self._image: QImage | None = None
        self._pixmaps: dict[int, QPixmap] = {}  # mip level -> pixmap (level k = 1/2**k size)
        self._image_rect: QRectF | None = None
        self._items: dict[int, RegionItem] = {}
        self._selected: list[int] = []
        self._colours: dict[str, str] = {}
        self._current_class: str | None = None
        self._tool_name = "select"
        self._tool: Tool | None = None
        self._drawing = False
        self._fit_mode = True
        self._clipboard: list = []
        self._clip_key: str | None = None
        self._paste_count = 0
        self._hover: Hit | None = None
        self._drag: Drag | None = None
        self._space = False
        self._last_scene: tuple[float, float] | None = None
        self._nudge_tag = None
        self._hint = ""
        self._predictions = None  # PredictionLayer, created on first use
        self._view = ViewOptions()

        self._draft = DraftItem()
        self._hover_handle = HandleItem("vertex")
        self._ghost = HandleItem("ghost")
        self._brush_radius = float(DEFAULT_BRUSH)  # image pixels, the brush's and the eraser's
        self._brush_cursor = BrushCursorItem()
        self._stroke = StrokeItem()
        for item in (self._draft, self._hover_handle, self._ghost, self._brush_cursor, self._stroke):
            self._scene.addItem(item)
        self.setSceneRect(QRectF(0, 0, 1, 1))
        self._update_cursor()

    # ==== public API =================================================================
    def set_image(self, project: Project | None, image_key: str | None, image: QImage | None) -> None:
        """Show `image` (EXIF-oriented already; None = not loaded yet) and the regions of `image_key`.

        Calling it again for the same image (e.g. once its pixels are loaded) keeps the
        selection and a shape being drawn."""
        switching = image_key != self._image_key or project is not self._project
        if switching:
            # a shape that can be closed is kept, not lost; one too short to close is said to be dropped
            if project is self._project and not self.finish_drawing():
                self._set_hint("The unfinished shape had too few vertices to keep")
            self._cancel_drawing()
            self._end_drag()
            self._set_hover(None)
            self._remove_items(list(self._items))
            self._paste_count = 0
            if self._predictions is not None:
                self._predictions.set_instances([])
        self._project, self._image_key = project, image_key
        self._image = image if image is not None and not image.isNull() else None
        self._pixmaps = {0: QPixmap.fromImage(self._image)} if self._image is not None else {}
        record = self._record()
        if self._image is not None:
            rect = QRectF(0, 0, self._image.width(), self._image.height())
        elif record is not None and record.width and record.height:
            rect = QRectF(0, 0, record.width, record.height)
        else:
            rect = None
        self._image_rect = rect
        self.setSceneRect(rect if rect is not None else QRectF(0, 0, 1, 1))
        self.refresh()
        if rect is not None and self._fit_mode:
            self.fit()
        elif rect is not None and switching:
            self.centerOn(rect.center())
        self.resetCachedContent()
        self.viewport().update()
        if switching:
            self.image_changed.emit(image_key)

    def set_predictions(self, instances, colour_for=None):
        """Draw model predictions (not regions) over the image; [] clears them. Returns the layer."""
        if self._predictions is None:
            from .predictions import PredictionLayer

            self._predictions = PredictionLayer()
            self._predictions.setVisible(self._view.show_annotations)
            self._scene.addItem(self._predictions)
        self._predictions.set_instances(instances, colour_for or self._colour_for)
        return self._predictions

    def refresh(self, region_ids: Iterable[int] | None = None) -> None:
        """Re-render regions from the model: all of them, or only `region_ids`."""
        project, key = self._project, self._image_key
        if project is None or key is None:
            self._remove_items(list(self._items))
            return
        try:
            record = project.image(key)
        except KeyError:
            self._remove_items(list(self._items))
            return
        if region_ids is None:
            present = set()
            for index, region in enumerate(record.regions):
                present.add(region.id)
                self._sync_item(region, index)
            gone = [rid for rid in self._items if rid not in present]
        else:
            gone = []
            for rid in region_ids:
                try:
                    index = record.region_index(rid)
                except KeyError:
                    if rid in self._items:
                        gone.append(rid)
                    continue
                self._sync_item(record.regions[index], index)
        self._remove_items(gone)
        if self._drag is None and self._last_scene is not None and self._tool is None:
            self._update_hover(*self._last_scene)
        elif self._drag is not None and self._drag.kind == "vertex":
            self._place_drag_handle()

    def set_tool(self, name: str) -> None:
        if name not in TOOLS:
            raise ValueError(f"unknown tool {name!r}; one of {', '.join(TOOLS)}")
        if name == self._tool_name:
            return
        self._cancel_drawing()
        self._end_drag()
        self._set_hover(None)
        self._tool_name = name
        cls = TOOLS[name]
        self._tool = cls() if cls is not None else None
        if isinstance(self._tool, BrushTool):
            self._tool.radius = self._brush_radius
        self._update_brush_cursor()
        self._update_cursor()
        self._set_hint(HINTS[name])
        self.tool_changed.emit(name)

    def tool(self) -> str:
        return self._tool_name

    def brush_size(self) -> float:
        """The brush's (and eraser's) radius in image pixels."""
        return self._brush_radius

    def set_brush_size(self, radius: float) -> None:
        self._brush_radius = float(radius)
        if isinstance(self._tool, BrushTool):
            self._tool.radius = self._brush_radius
        self._update_brush_cursor()
        self._set_hint(f"Brush size {self._brush_radius:g} px (radius)")

    def merge_selection(self) -> None:
        """Merge the selected objects into one (the first selected keeps its class and attributes)."""
        record = self._record()
        if record is not None:
            self._apply_outcome(merge_outcome(record, list(self._selected)))

    def split_selected_part(self) -> None:
        """Make the part under the cursor (else the smallest) of the selected object an object of its own."""
        record = self._record()
        if record is not None:
            self._apply_outcome(split_outcome(record, list(self._selected), self._last_scene, self._tol()))

    def set_current_class(self, name: str | None) -> None:
        self._current_class = name
        self._update_draft()

    def current_class(self) -> str | None:
        return self._current_class

    def set_class_colours(self, colours: dict[str, str]) -> None:
        self._colours = dict(colours)
        self.refresh()

    def selected_region_ids(self) -> list[int]:
        return list(self._selected)

    def select_regions(self, ids: Iterable[int]) -> None:
        ids = [i for i in dict.fromkeys(ids) if i in self._items]
        if ids == self._selected:
            return
        for rid in self._selected:
            if rid in self._items and rid not in ids:
                self._items[rid].set_state(selected=False)
                self._items[rid].setZValue(self._items[rid].zValue() - 1e6)
        for rid in ids:
            if rid not in self._selected:
                self._items[rid].set_state(selected=True)
                self._items[rid].setZValue(self._items[rid].zValue() + 1e6)
        self._selected = ids
        self._nudge_tag = None
        if self._last_scene is not None and self._drag is None and self._tool is None:
            self._update_hover(*self._last_scene)
        self.selection_changed.emit(list(ids))

    def zoom(self) -> float:
        return self.transform().m11()

    def zoom_in(self) -> None:
        self._zoom_by(ZOOM_STEP, self._cursor_anchor())

    def zoom_out(self) -> None:
        self._zoom_by(1 / ZOOM_STEP, self._cursor_anchor())

    def actual_size(self) -> None:
        self._fit_mode = False
        self._set_zoom(1.0, self._cursor_anchor())

    def fit(self) -> None:
        self._fit_mode = True
        rect = self._image_rect
        if rect is None or rect.isEmpty():
            return
        vp = self.viewport().rect()
        s = min(vp.width() / rect.width(), vp.height() / rect.height()) * 0.98
        self._apply_zoom(min(max(s, MIN_ZOOM), MAX_ZOOM))
        self.centerOn(rect.center())

    def copy_selection(self) -> None:
        record = self._record()
        if record is None or not self._selected:
            return
        self._clipboard = [
            (record.region(rid).shape, copy.deepcopy(record.region(rid).attributes))
            for rid in self._selected
            if rid in self._items
        ]
        self._clip_key = self._image_key
        self._paste_count = 0

    def paste(self) -> None:
        record = self._record()
        if record is None or not self._clipboard:
            return
        if self._image_key == self._clip_key:
            self._paste_count += 1
        offset = 10.0 * self._paste_count
        w, h = self._image_size()
        edit, ids = paste_edit(self._clipboard, record.key, offset, offset, w, h)
        self.edit_requested.emit(edit)
        self.select_regions(ids)

    def delete_selection(self) -> None:
        record = self._record()
        if record is None or not self._selected:
            return
        ids = list(self._selected)
        n = len(ids)
        self.edit_requested.emit(RemoveRegions(record.key, ids, "Delete shape" if n == 1 else f"Delete {n} shapes"))

    def has_drawing(self) -> bool:
        return self._tool is not None and self._tool.active()

    def finish_drawing(self) -> bool:
        """Close the shape being drawn if it can be closed (as Enter does).
        True when no drawing is left; False when the draft is too short to close and stays."""
        if not self.has_drawing():
            return True
        shape = self._tool.finish()
        if shape is None:
            return False
        self._after_tool(shape)
        return True

    def undo_draft_vertex(self) -> bool:
        """Undo while drawing removes the last vertex (as Backspace) instead of an earlier,
        committed shape. False when nothing is being drawn."""
        if not self.has_drawing():
            return False
        if not self._tool.backspace():
            self._tool.cancel()  # a rectangle / circle / ellipse being dragged: nothing to step back to
        self._update_draft()
        return True

    def set_view_options(self, options: ViewOptions) -> None:
        """Class names, fill opacity and hidden annotations (the View menu)."""
        old, self._view = self._view, options
        if old.show_annotations != options.show_annotations:
            if not options.show_annotations:
                self.select_regions([])
                self._set_hover(None)
            if self._predictions is not None:
                self._predictions.setVisible(options.show_annotations)
        for item in self._items.values():
            self._apply_view(item)
        self.viewport().update()

    def view_options(self) -> ViewOptions:
        return self._view

    def hint(self) -> str:
        return self._hint

    # ==== items ======================================================================
    def _record(self):
        if self._project is None or self._image_key is None:
            return None
        try:
            return self._project.image(self._image_key)
        except KeyError:
            return None

    def _image_size(self) -> tuple[float | None, float | None]:
        r = self._image_rect
        return (r.width(), r.height()) if r is not None else (None, None)

    def _colour_for(self, class_name: str | None) -> str:
        if class_name is None:
            return style.NO_CLASS_COLOUR
        colour = self._colours.get(class_name)
        if colour is None and self._project is not None:
            colour = self._project.class_colours().get(class_name)
            if colour is None:
                attr = self._project.class_def
                names = list(attr.options) if attr is not None else []
                index = names.index(class_name) if class_name in names else sum(map(ord, class_name))
                colour = style.palette_colour(index)
        return colour

    def _sync_item(self, region, index: int) -> None:
        class_name = safe_class(self._project, region)
        colour = self._colour_for(class_name)
        item = self._items.get(region.id)
        z = float(index) + (1e6 if region.id in self._selected else 0.0)
        if item is None:
            item = RegionItem(region.id, region.shape, colour)
            item.set_zoom(self.zoom())
            item.setZValue(z)
            item.class_name = class_name
            self._apply_view(item)
            self._items[region.id] = item
            self._scene.addItem(item)
            return
        if item.shape_value is not region.shape:
            item.set_shape(region.shape)
        item.set_colour(colour)
        if item.class_name != class_name:
            item.class_name = class_name
            self._apply_view(item)
        if item.zValue() != z:
            item.setZValue(z)

    def _apply_view(self, item: RegionItem) -> None:
        view = self._view
        item.setVisible(view.shows(item.class_name))
        item.set_fill_alphas(style.fill_alphas(view.fill_opacity))
        item.set_label(item.class_name if view.show_labels else None)

    def _remove_items(self, ids: list[int]) -> None:
        if not ids:
            return
        for rid in ids:
            item = self._items.pop(rid, None)
            if item is not None:
                self._scene.removeItem(item)
        if self._hover is not None and self._hover.region_id in ids:
            self._set_hover(None)
        if self._drag is not None and self._drag.region_id in ids:
            self._end_drag()
        if any(rid in self._selected for rid in ids):
            self._selected = [rid for rid in self._selected if rid not in ids]
            self.selection_changed.emit(list(self._selected))

    # ==== zoom / pan =================================================================
    def _cursor_anchor(self) -> QPointF | None:
        pos = self.viewport().mapFromGlobal(QCursor.pos())
        return QPointF(pos) if self.viewport().rect().contains(pos) else None

    def _zoom_by(self, factor: float, anchor: QPointF | None) -> None:
        self._fit_mode = False
        self._set_zoom(self.zoom() * factor, anchor)

    def _set_zoom(self, s: float, anchor: QPointF | None) -> None:
        """Zoom to `s`, keeping the image point under `anchor` (viewport px; None = centre) in place."""
        s = min(max(s, MIN_ZOOM), MAX_ZOOM)
        if anchor is None:
            anchor = QPointF(self.viewport().rect().center())
        before = self._to_scene(anchor)
        self._apply_zoom(s)
        after = self.viewportTransform().map(before)
        hbar, vbar = self.horizontalScrollBar(), self.verticalScrollBar()
        hbar.setValue(hbar.value() + round(after.x() - anchor.x()))
        vbar.setValue(vbar.value() + round(after.y() - anchor.y()))

    def _apply_zoom(self, s: float) -> None:
        changed = abs(s - self.zoom()) > 1e-12
        self.setTransform(QTransform.fromScale(s, s))
        for item in (*self._items.values(), self._draft, self._brush_cursor):
            item.set_zoom(s)
        self.resetCachedContent()
        if changed:
            self.zoom_changed.emit(s)

    def _to_scene(self, view_pos: QPointF) -> QPointF:
        inverted, _ok = self.viewportTransform().inverted()
        return inverted.map(QPointF(view_pos))

    def wheelEvent(self, event) -> None:
        dy = event.angleDelta().y()
        if dy == 0 or self._image_rect is None:
            return super().wheelEvent(event)
        self._zoom_by(ZOOM_STEP ** (dy / 120.0), event.position())
        event.accept()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self._fit_mode:
            self.fit()

    # ==== painting ===================================================================
    def _pixmap_for(self, zoom: float) -> tuple[QPixmap, float]:
        """A pre-shrunk copy when zoomed far out (smooth and cheap to draw), and its scale."""
        level = 0
        while zoom * 2 ** (level + 1) <= 1.0 and level < 4:
            level += 1
        if level and level not in self._pixmaps and self._image is not None:
            f = 2**level
            img = self._image.scaled(
                max(1, self._image.width() // f),
                max(1, self._image.height() // f),
                Qt.AspectRatioMode.IgnoreAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
            self._pixmaps[level] = QPixmap.fromImage(img)
        pix = self._pixmaps.get(level) or self._pixmaps[0]
        return pix, self._image.width() / pix.width() if self._image is not None else 1.0

    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:
        painter.fillRect(rect, style.CANVAS_BACKGROUND)
        zoom = self.zoom()
        if self._pixmaps and self._image_rect is not None:
            pix, scale = self._pixmap_for(zoom)
            painter.save()
            # nearest-neighbour when zoomed in (sharp pixels), smooth when zoomed out
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, zoom * scale < 1.0)
            painter.scale(scale, scale)
            painter.drawPixmap(QPointF(0, 0), pix)
            painter.restore()
            return
        painter.save()
        if self._image_rect is not None:
            painter.fillRect(self._image_rect, style.PLACEHOLDER_FILL)
            centre = painter.transform().map(self._image_rect.center())
            text = "Loading image…"
            painter.resetTransform()
            box = QRectF(centre.x() - 200, centre.y() - 20, 400, 40)
        else:
            text = (
                "No image\nOpen a folder of images or a project"
                if self._project is None or not self._project.images
                else "No image selected"
            )
            painter.resetTransform()
            box = QRectF(self.viewport().rect())
        font = QFont(painter.font())
        font.setPointSizeF(max(font.pointSizeF(), 11))
        painter.setFont(font)
        painter.setPen(style.PLACEHOLDER_TEXT)
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()

    # ==== mouse =======================================================================
    def _scene_pos(self, event) -> tuple[float, float]:
        p = self._to_scene(event.position())
        return p.x(), p.y()

    def _tol(self) -> float:
        return style.HIT_PX / self.zoom()

    def _clamp(self, x: float, y: float) -> tuple[float, float]:
        r = self._image_rect
        if r is None:
            return x, y
        return min(max(x, 0.0), r.width()), min(max(y, 0.0), r.height())

    def _inside(self, x: float, y: float) -> bool:
        r = self._image_rect
        return r is not None and 0 <= x < r.width() and 0 <= y < r.height()

    def mousePressEvent(self, event) -> None:
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        button = event.button()
        x, y = self._scene_pos(event)
        self._last_scene = (x, y)
        if button == Qt.MouseButton.MiddleButton or (button == Qt.MouseButton.LeftButton and self._space):
            pos = event.position()
            self._drag = Drag("pan", (x, y), view_start=(pos.x(), pos.y()))
            self._update_cursor()
            event.accept()
            return
        if button != Qt.MouseButton.LeftButton or self._image_rect is None or self._record() is None:
            return super().mousePressEvent(event)
        event.accept()
        if self._tool is not None:
            starting = not self._tool.active()
            if starting and not self._may_start(self._tool):
                return
            shape = self._tool.press(self._clamp(x, y), self._tol())
            if starting and self._tool.active() and self._selected and self._tool.mode == "new":
                self.select_regions([])  # class keys while drawing are for the new shape only
            self._after_tool(shape)
            return
        self._select_press(x, y, event.modifiers())

    def mouseMoveEvent(self, event) -> None:
        x, y = self._scene_pos(event)
        self._last_scene = (x, y)
        if self._inside(x, y):
            self.cursor_moved.emit(x, y)
        else:
            self.cursor_moved.emit(math.nan, math.nan)
        drag = self._drag
        if drag is not None and drag.kind == "pan":
            pos = event.position()
            hbar, vbar = self.horizontalScrollBar(), self.verticalScrollBar()
            hbar.setValue(hbar.value() - round(pos.x() - drag.view_start[0]))
            vbar.setValue(vbar.value() - round(pos.y() - drag.view_start[1]))
            drag.view_start = (pos.x(), pos.y())
            return
        if self._tool is not None:
            self._tool.move(self._clamp(x, y), self._tol())
            self._update_brush_cursor()
            self._update_draft()
            return
        if drag is not None:
            self._drag_move(drag, x, y)
            return
        self._update_hover(x, y)

    def mouseReleaseEvent(self, event) -> None:
        x, y = self._scene_pos(event)
        drag = self._drag
        if drag is not None:
            self._end_drag()
            if drag.kind == "pan":
                self._update_cursor()
            else:
                self._finish_drag(drag)
            self._update_hover(x, y)
            event.accept()
            return
        if self._tool is not None and event.button() == Qt.MouseButton.LeftButton:
            self._after_tool(self._tool.release(self._clamp(x, y), self._tol()))
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self._space:
            return self.mousePressEvent(event)
        x, y = self._scene_pos(event)
        if self._tool is not None and self._record() is not None and self._image_rect is not None:
            self._after_tool(self._tool.double_click(self._clamp(x, y), self._tol()))
            event.accept()
            return
        self.mousePressEvent(event)

    def leaveEvent(self, event) -> None:
        self.cursor_moved.emit(math.nan, math.nan)
        self._brush_cursor.hide()
        if self._drag is None:
            self._last_scene = None
            self._set_hover(None)
        super().leaveEvent(event)

    # ==== select / edit =============================================================
    def _hit(self, x: float, y: float) -> Hit | None:
        if not self._view.show_annotations:
            return None  # hidden shapes cannot be grabbed
        tol = self._tol()
        # vertices, then edges, of the selected shapes (their handles are visible)
        best = None
        for rid in reversed(self._selected):
            item = self._items.get(rid)
            if item is None:
                continue
            i = nearest_vertex(item.vx, item.vy, x, y, tol)
            if i is not None:
                d = math.hypot(item.vx[i] - x, item.vy[i] - y)
                if best is None or d < best[0]:
                    best = (d, Hit("vertex", rid, i, float(item.vx[i]), float(item.vy[i])))
        if best is not None:
            return best[1]
        for rid in reversed(self._selected):
            item = self._items.get(rid)
            if item is None or not has_vertex_list(item.shape_value):
                continue
            edge = nearest_edge(item.vx, item.vy, item.closed, x, y, tol, item.next_index)
            if edge is not None:
                return Hit("edge", rid, edge[0], edge[1], edge[2])
        # the topmost shape under the cursor (selected ones are drawn on top)
        for item in sorted(self._items.values(), key=lambda it: it.zValue(), reverse=True):
            if not item.isVisible() or not item.boundingRect().contains(QPointF(x, y)):
                continue
            if item.closed:
                if (
                    item.path.contains(QPointF(x, y))
                    or outline_distance(item.vx, item.vy, True, x, y, item.next_index) <= tol
                ):
                    return Hit("region", item.region_id)
            elif outline_distance(item.vx, item.vy, False, x, y) <= tol * 1.5:
                return Hit("region", item.region_id)
        return None

    def _update_hover(self, x: float, y: float) -> None:
        self._set_hover(self._hit(x, y) if self._tool is None else None)

    def _set_hover(self, hit: Hit | None) -> None:
        old = self._hover
        self._hover = hit
        old_rid = old.region_id if old is not None else None
        new_rid = hit.region_id if hit is not None else None
        if old_rid != new_rid:
            if old_rid in self._items:
                self._items[old_rid].set_state(hovered=False)
            if new_rid in self._items:
                self._items[new_rid].set_state(hovered=True)
        colour = self._items[new_rid].colour if new_rid in self._items else "#ffffff"
        if hit is not None and hit.kind == "vertex":
            self._hover_handle.colour = colour
            self._hover_handle.setPos(hit.x, hit.y)
            self._hover_handle.show()
            self._hover_handle.update()
        else:
            self._hover_handle.hide()
        if hit is not None and hit.kind == "edge":
            self._ghost.setPos(hit.x, hit.y)
            self._ghost.show()
        else:
            self._ghost.hide()
        if self._tool is None:
            if hit is None:
                hint = HINTS["select"]
            elif hit.kind == "vertex":
                shape = self._items[hit.region_id].shape_value
                hint = (
                    "Drag to move this vertex · Shift+click or Delete removes it"
                    if has_vertex_list(shape)
                    else "Drag to reshape"
                )
            elif hit.kind == "edge":
                hint = "Click to insert a vertex here (drag to place it)"
            else:
                hint = (
                    "Drag to move · Delete removes the shape · arrows nudge"
                    if hit.region_id in self._selected
                    else "Click to select · drag to move"
                )
            self._set_hint(hint)
        self._update_cursor()

    def _set_hint(self, hint: str) -> None:
        if hint != self._hint:
            self._hint = hint
            self.viewport().setToolTip(hint if self._hover is not None else "")
            self.hint_changed.emit(hint)

    def _update_cursor(self) -> None:
        shape = Qt.CursorShape.ArrowCursor
        if self._drag is not None and self._drag.kind == "pan":
            shape = Qt.CursorShape.ClosedHandCursor
        elif self._space:
            shape = Qt.CursorShape.OpenHandCursor
        elif self._tool is not None:
            shape = Qt.CursorShape.CrossCursor
        elif self._hover is not None:
            shape = {
                "vertex": Qt.CursorShape.PointingHandCursor,
                "edge": Qt.CursorShape.PointingHandCursor,
                "region": Qt.CursorShape.SizeAllCursor,
            }[self._hover.kind]
        self.viewport().setCursor(shape)

    def _select_press(self, x: float, y: float, modifiers) -> None:
        self._nudge_tag = None
        hit = self._hit(x, y)
        record = self._record()
        shift = bool(modifiers & Qt.KeyboardModifier.ShiftModifier)
        ctrl = bool(modifiers & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.MetaModifier))
        if hit is None:
            if not (shift or ctrl):
                self.select_regions([])
            return
        if hit.kind == "vertex":
            if shift:
                self._delete_vertex(hit.region_id, hit.index)
                return
            shape = record.region(hit.region_id).shape
            self._start_drag(
                Drag("vertex", (x, y), hit.region_id, hit.index, {hit.region_id: shape}, {hit.region_id: shape})
            )
            return
        if hit.kind == "edge":
            old = record.region(hit.region_id).shape
            new = old.with_inserted_vertex(hit.index, hit.x, hit.y)
            # the insertion and the drag that may follow are one undo step, pushed on release
            drag = Drag("vertex", (x, y), hit.region_id, hit.index, {hit.region_id: new}, {hit.region_id: old})
            drag.text, drag.moved, drag.preview = "Insert vertex", True, new
            self._start_drag(drag)
            self._items[hit.region_id].set_shape(new)
            self._set_hover(Hit("vertex", hit.region_id, hit.index, hit.x, hit.y))
            return
        rid = hit.region_id
        if ctrl:
            ids = [i for i in self._selected if i != rid] if rid in self._selected else [*self._selected, rid]
            self.select_regions(ids)
            return
        if shift:
            if rid not in self._selected:
                self.select_regions([*self._selected, rid])
        elif rid not in self._selected:
            self.select_regions([rid])
        start = {i: record.region(i).shape for i in self._selected}
        self._start_drag(Drag("move", (x, y), rid, -1, start, dict(start)))

    def _drag_move(self, drag: Drag, x: float, y: float) -> None:
        """Preview the drag on the items; the model changes once, on release."""
        if drag.kind == "vertex":
            item = self._items.get(drag.region_id)
            if item is None:
                self._end_drag()
                return
            new = drag.start[drag.region_id].with_vertex(drag.index, *self._clamp(x, y))
            if new != drag.preview:
                drag.moved, drag.preview = True, new
                item.set_shape(new)
            self._place_drag_handle()
            return
        if drag.kind == "move":
            dx, dy = x - drag.press[0], y - drag.press[1]
            if not drag.moved and math.hypot(dx, dy) * self.zoom() < DRAG_START_PX:
                return
            drag.moved = True
            w, h = self._image_size()
            drag.delta = clamp_delta(union_bbox(list(drag.start.values())), dx, dy, w, h)
            for rid in drag.start:
                if rid in self._items:
                    self._items[rid].setPos(*drag.delta)

    def _finish_drag(self, drag: Drag) -> None:
        """The one edit a drag makes, against the shapes recorded on press."""
        record = self._record()
        if record is None or not drag.moved:
            return
        if drag.kind == "vertex" and drag.preview is not None:
            changes = [(drag.region_id, drag.original[drag.region_id], drag.preview)]
        elif drag.kind == "move":
            dx, dy = drag.delta
            changes = [(rid, drag.original[rid], start.translated(dx, dy)) for rid, start in drag.start.items()]
            drag.text = "Move shape" if len(changes) == 1 else f"Move {len(changes)} shapes"
        else:
            return
        present = [c for c in changes if c[0] in self._items]  # a region deleted meanwhile is left alone
        edit = set_shapes_edit(record.key, present, drag.text)
        if edit is not None:
            self.edit_requested.emit(edit)

    def _start_drag(self, drag: Drag) -> None:
        self._drag = drag
        for rid in drag.start:
            if rid in self._items:
                self._items[rid].interactive = True

    def _end_drag(self) -> None:
        """Stop previewing: the items show the model's shapes again (a finished drag's edit
        then moves them for good)."""
        drag, self._drag = self._drag, None
        if drag is None:
            return
        record = self._record()
        for rid in drag.start:
            item = self._items.get(rid)
            if item is not None:
                item.interactive = False
                item.setPos(0, 0)
                if drag.preview is not None and record is not None:
                    try:
                        item.set_shape(record.region(rid).shape)
                    except KeyError:
                        pass  # deleted meanwhile: its item goes with the next refresh
                item.update()

    def _place_drag_handle(self) -> None:
        drag = self._drag
        item = self._items.get(drag.region_id) if drag is not None else None
        if item is None or drag.index >= len(item.vx):
            return
        self._hover = Hit("vertex", drag.region_id, drag.index, float(item.vx[drag.index]), float(item.vy[drag.index]))
        self._hover_handle.setPos(self._hover.x, self._hover.y)

    def _delete_vertex(self, region_id: int, index: int) -> None:
        record = self._record()
        if record is None:
            return
        edit = delete_vertex_edit(record, region_id, index)
        if isinstance(edit, str):
            self._set_hint(edit)  # why it cannot be deleted
        else:
            self.edit_requested.emit(edit)

    # ==== drawing ==================================================================
    def _after_tool(self, result) -> None:
        """A tool finished (a shape, or a brushed area): a new object, or a change to the selected one."""
        record = self._record()
        if result is not None and record is not None:
            self._apply_outcome(
                tool_outcome(self._project, record, self._tool.mode, result, self._target(), self._current_class)
            )
        self._update_draft()

    def _apply_outcome(self, outcome: Outcome) -> None:
        if outcome.edit is not None:
            self.edit_requested.emit(outcome.edit)
        if outcome.hint:
            self._set_hint(outcome.hint)
        if not self._view.show_annotations:
            if outcome.edit is not None:
                self._set_hint("Shape added; annotations are hidden (H shows them)")
            return
        # the new or changed object stays selected, so the class keys 1-9 label it right away
        self.select_regions(outcome.select)

    def _target(self) -> int | None:
        """The object a part, hole or brush stroke goes to: the one selected object."""
        return self._selected[0] if len(self._selected) == 1 else None

    def _may_start(self, tool: Tool) -> bool:
        """Whether a drawing may start: a tool that changes an object needs just one selected."""
        if tool.mode == "new" or self._target() is not None:
            return True
        if not self._selected and not tool.needs_target:
            return True  # a part or a brush stroke with nothing selected: a new object
        self._set_hint(
            "Select one object first (S, then click it)"
            if not self._selected
            else "Several objects are selected: select just the one to change"
        )
        return False

    def _update_brush_cursor(self) -> None:
        """The brush's circle: its size, and shown at the cursor (B pressed over the image shows it at once)."""
        self._brush_cursor.set_brush(self._brush_radius, self._tool_name == "eraser")
        shown = isinstance(self._tool, BrushTool) and self._last_scene is not None
        if shown:
            self._brush_cursor.setPos(*self._last_scene)
        self._brush_cursor.setVisible(shown)

    def _update_draft(self) -> None:
        tool = self._tool
        active = tool is not None and tool.active()
        if active:
            path, verts, rubber, closed, hot = tool.draft(self._tol())
            self._draft.set_draft(
                path,
                verts,
                rubber,
                closed,
                hot,
                self._colour_for(self._current_class) if self._current_class is not None else "#ffffff",
            )
        else:
            self._draft.hide()
        stroke = tool.stroke() if isinstance(tool, BrushTool) else None
        if stroke is not None:
            self._stroke.set_stroke(*stroke, self._colour_for(self._current_class), tool.mode == "erase")
        else:
            self._stroke.hide()
        if active != self._drawing:
            self._drawing = active
            self.drawing_changed.emit(active)

    def _cancel_drawing(self) -> None:
        if self._tool is not None:
            self._tool.cancel()
        self._update_draft()

    # ==== keys =======================================================================
    def event(self, event) -> bool:
        # While drawing, Ctrl+Z belongs to the draft, and with the brush or eraser ] / [ size it:
        # claim them before the window's Undo and fill opacity shortcuts
        if event.type() == QEvent.Type.ShortcutOverride and (
            (self.has_drawing() and event.matches(QKeySequence.StandardKey.Undo)) or self._brush_step(event) != 0
        ):
            event.accept()
            return True
        return super().event(event)

    def _brush_step(self, event) -> int:
        """+1 / -1 when `event` is ] / [ and the brush or eraser is the tool, else 0."""
        if not isinstance(self._tool, BrushTool) or event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            return 0
        return {Qt.Key.Key_BracketRight: 1, Qt.Key.Key_BracketLeft: -1}.get(event.key(), 0)

    def keyPressEvent(self, event) -> None:
        key = event.key()
        mods = event.modifiers()
        if event.matches(QKeySequence.StandardKey.Undo) and self.undo_draft_vertex():
            event.accept()
            return
        if self._brush_step(event):
            self.set_brush_size(step_brush(self._brush_radius, self._brush_step(event)))
            event.accept()
            return
        if key == Qt.Key.Key_Space:
            if not event.isAutoRepeat():
                self._space = True
                self._update_cursor()
            event.accept()
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if self.has_drawing():
                self._after_tool(self._tool.finish())
                event.accept()
                return
        elif key == Qt.Key.Key_Backspace:
            if self.has_drawing():
                self._tool.backspace()
                self._update_draft()
                event.accept()
                return
            if self._tool is None:
                self._delete_key()
                event.accept()
                return
        elif key == Qt.Key.Key_Escape:
            if self.has_drawing():
                self._cancel_drawing()
            else:
                self.select_regions([])
            event.accept()
            return
        elif key == Qt.Key.Key_Delete:
            self._delete_key()
            event.accept()
            return
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Up, Qt.Key.Key_Down):
            if self._selected and self._drag is None:
                step = 10.0 if mods & Qt.KeyboardModifier.ShiftModifier else 1.0
                dx = {Qt.Key.Key_Left: -step, Qt.Key.Key_Right: step}.get(key, 0.0)
                dy = {Qt.Key.Key_Up: -step, Qt.Key.Key_Down: step}.get(key, 0.0)
                self._nudge(dx, dy)
                event.accept()
                return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = False
            self._update_cursor()
            event.accept()
            return
        super().keyReleaseEvent(event)

    def focusOutEvent(self, event) -> None:
        self._space = False
        self._update_cursor()
        super().focusOutEvent(event)

    def _delete_key(self) -> None:
        hover = self._hover
        if (
            self._tool is None
            and hover is not None
            and hover.kind == "vertex"
            and hover.region_id in self._items
            and has_vertex_list(self._items[hover.region_id].shape_value)
        ):
            self._delete_vertex(hover.region_id, hover.index)
        else:
            self.delete_selection()

    def _nudge(self, dx: float, dy: float) -> None:
        record = self._record()
        if record is None:
            return
        if self._nudge_tag is None:
            self._nudge_tag = ("canvas-nudge", next(_tags))
        changes = [
            (rid, record.region(rid).shape, record.region(rid).shape.translated(dx, dy))
            for rid in self._selected
            if rid in self._items
        ]
        n = len(changes)
        edit = set_shapes_edit(record.key, changes, "Nudge shape" if n == 1 else f"Nudge {n} shapes", self._nudge_tag)
        if edit is not None:
            self.edit_requested.emit(edit)
