"""The annotation canvas: a QGraphicsView that shows one image and its regions and hands
mouse and keys to the active tool.

It owns no data: every change is an `annotator.model` Edit emitted through
`edit_requested`; the window pushes it onto its QUndoStack and calls `refresh()`,
which only touches the items whose region changed. The parts: `view.py` (zoom, pan,
the image pyramid), `region_layer.py` (items mirroring the model), `tools/` (one
module per tool; how to add one: tools/base.py), `keymap.py` (the canvas' keys) and
`annotator.app.selection` (selection, clipboard, nudge; Qt-free).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import QRect, QRectF, Qt, Signal
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QFrame, QGraphicsItem, QGraphicsScene, QGraphicsView

from ...app.selection import Selection
from ...model import Edit, ImageRecord, Project
from .background import Background, Job
from .brush import DEFAULT_BRUSH
from .events import EventHandlers, Events
from .items import ScaledItem
from .object_gestures import merge_outcome, split_outcome
from .region_layer import RegionLayer
from .style import HIT_PX
from .tools import TOOLS, Tool
from .view import ZOOM_STEP, ViewControl
from .view_options import ViewOptions


class Canvas(EventHandlers):
    edit_requested = Signal(object)
    selection_changed = Signal(list)
    cursor_moved = Signal(float, float)
    zoom_changed = Signal(float)
    tool_changed = Signal(str)
    drawing_changed = Signal(bool)
    hint_changed = Signal(str)  # what the mouse can do here (for the status bar)
    image_changed = Signal(object)  # the image key shown now (after a switch)
    brush_size_changed = Signal(float)  # the brush's radius (the project keeps it)

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
        self.selection = Selection()
        self.layer = RegionLayer(self._scene)
        self.view = ViewControl(self, self._zoomed)
        self.background = Background(self)
        self.last_pos: tuple[float, float] | None = None
        self.events = Events(self)
        self._hint = ""
        self._current_class: str | None = None
        self._brush_radius = float(DEFAULT_BRUSH)  # image pixels, the brush's and the eraser's
        self._scaled: list[ScaledItem] = []  # preview items sized in screen pixels
        self._predictions = None  # PredictionLayer, created on first use
        self._tool: Tool = TOOLS["select"](self)
        self._tool.activate()
        self.setSceneRect(QRectF(0, 0, 1, 1))
        self.update_cursor()

    # ==== the image and its regions ===================================================
    def set_image(self, project: Project | None, image_key: str | None, image: QImage | None) -> None:
        """Show `image` (EXIF-oriented already; None = not loaded yet) and the regions of `image_key`.
        Calling it again for the same image (its pixels loaded) keeps the selection and a drawing."""
        switching = image_key != self._image_key or project is not self._project
        if switching:
            # a shape that can be closed is kept, not lost; one too short to close is said to be dropped
            if project is self._project and not self.finish_drawing():
                self.set_hint("The unfinished shape had too few vertices to keep")
            self.end_gesture()
            self._tool.cancel()
            self._remove_items(list(self.layer.items))
            self.selection.new_image()
            if self._predictions is not None:
                self._predictions.set_instances([])
        self._project, self._image_key = project, image_key
        self.layer.project = project
        record = self.record()
        self.view.set_image(image, record.width if record else None, record.height if record else None)
        self.refresh()
        rect = self.view.image_rect
        if rect is not None and self.view.fit_mode:
            self.view.fit()
        elif rect is not None and switching:
            self.centerOn(rect.center())
        self.resetCachedContent()
        self.viewport().update()
        if switching:
            self.image_changed.emit(image_key)

    def refresh(self, region_ids: Iterable[int] | None = None) -> None:
        """Re-render regions from the model: all of them, or only `region_ids`."""
        self._remove_items(self.layer.sync(self.record(), region_ids, self.selection.ids), synced=True)
        self._tool.refreshed()

    def _remove_items(self, ids: list[int], synced: bool = False) -> None:
        if not synced:
            self.layer.remove(ids)
        if self.selection.forget(ids):
            self.selection_changed.emit(list(self.selection.ids))
        if ids and not synced:  # refresh() tells the tool itself
            self._tool.refreshed()

    def set_predictions(self, instances, colour_for=None):
        """Draw model predictions (not regions) over the image; [] clears them. Returns the layer."""
        if self._predictions is None:
            from .predictions import PredictionLayer

            self._predictions = PredictionLayer()
            self._predictions.setVisible(self.layer.options.show_annotations)
            self._scene.addItem(self._predictions)
        self._predictions.set_instances(instances, colour_for or self.layer.colour_for)
        return self._predictions

    def project(self) -> Project | None:
        return self._project

    def record(self) -> ImageRecord | None:
        if self._project is None or self._image_key is None:
            return None
        try:
            return self._project.image(self._image_key)
        except KeyError:
            return None

    def set_class_colours(self, colours: dict[str, str]) -> None:
        self.layer.colours = dict(colours)
        self.refresh()

    def set_view_options(self, options: ViewOptions) -> None:
        """Class names, fill opacity and hidden annotations (the View menu)."""
        hiding = self.layer.options.show_annotations and not options.show_annotations
        self.layer.set_options(options)
        if hiding:
            self.select_regions([])
            self._tool.leave()
        if self._predictions is not None:
            self._predictions.setVisible(options.show_annotations)
        self.viewport().update()

    def view_options(self) -> ViewOptions:
        return self.layer.options

    # ==== tools ============================================================================
    def set_tool(self, name: str) -> None:
        if name not in TOOLS:
            raise ValueError(f"unknown tool {name!r}; one of {', '.join(TOOLS)}")
        if name == self._tool.name:
            return
        self.end_gesture()
        self._tool.deactivate()
        self._tool = TOOLS[name](self)
        self._tool.activate()
        self.events.after()
        self.set_hint(self._tool.hint)
        self.tool_changed.emit(name)

    def tool(self) -> str:
        return self._tool.name

    def active_tool(self) -> Tool:
        return self._tool

    def has_drawing(self) -> bool:
        return self._tool.drawing()

    def finish_drawing(self) -> bool:
        """Close the shape being drawn if it can be (as Enter does). True when no drawing is
        left; False when the draft is too short to close and stays."""
        done = self._tool.finish()
        self.events.after()
        return done

    def undo_draft_vertex(self) -> bool:
        """Undo while drawing removes the last vertex (as Backspace) instead of an earlier,
        committed shape. False when nothing is being drawn."""
        stepped = self._tool.step_back()
        self.events.after()
        return stepped

    def set_current_class(self, name: str | None) -> None:
        self._current_class = name
        self._tool.settings_changed()

    def current_class(self) -> str | None:
        return self._current_class

    def brush_size(self) -> float:
        """The brush's (and eraser's) radius in image pixels."""
        return self._brush_radius

    def set_brush_size(self, radius: float) -> None:
        self._brush_radius = float(radius)
        self._tool.settings_changed()
        self.brush_size_changed.emit(self._brush_radius)
        self.set_hint(f"Brush size {self._brush_radius:g} px (radius)")

    # ---- what the tools may ask (tools.base.CanvasContext) ---------------------------------
    def push(self, edit: Edit) -> None:
        self.edit_requested.emit(edit)

    def tol(self) -> float:
        return HIT_PX / self.zoom()

    def add_item(self, item: QGraphicsItem) -> None:
        self._scene.addItem(item)
        if isinstance(item, ScaledItem):
            item.set_zoom(self.zoom())
            self._scaled.append(item)

    def remove_item(self, item: QGraphicsItem) -> None:
        if item.scene() is self._scene:
            self._scene.removeItem(item)
        if item in self._scaled:
            self._scaled.remove(item)

    def end_gesture(self) -> None:
        self.events.end()

    def release_gesture(self) -> None:
        self.events.release()

    def run_off_thread(
        self, work: Callable[[], Any], done: Callable[[Any], None], failed: Callable[[Exception], None] | None = None
    ) -> Job:
        return self.background.run(work, done, failed or (lambda exc: self.set_hint(f"{type(exc).__name__}: {exc}")))

    def set_hint(self, hint: str) -> None:
        if hint != self._hint:
            self._hint = hint
            self.viewport().setToolTip(hint if getattr(self._tool, "hovered", None) is not None else "")
            self.hint_changed.emit(hint)

    def hint(self) -> str:
        return self._hint

    def update_cursor(self) -> None:
        self.viewport().setCursor(self.events.cursor() or self._tool.cursor_shape())

    # ==== selection and clipboard ======================================================
    def selected_region_ids(self) -> list[int]:
        return list(self.selection.ids)

    def select_regions(self, ids: Iterable[int]) -> None:
        old = list(self.selection.ids)
        if not self.selection.set(i for i in ids if i in self.layer.items):
            return
        self.layer.show_selected(old, self.selection.ids)
        if self.events.gesture is None:
            self._tool.refreshed()
        self.selection_changed.emit(list(self.selection.ids))

    def copy_selection(self) -> None:
        if (record := self.record()) is not None:
            self.selection.copy(record)

    def paste(self) -> None:
        record = self.record()
        pasted = self.selection.paste(record, *self.view.image_size()) if record is not None else None
        if pasted is not None:
            self.push(pasted[0])
            self.select_regions(pasted[1])

    def delete_selection(self) -> None:
        record = self.record()
        edit = self.selection.delete(record) if record is not None else None
        if edit is not None:
            self.push(edit)

    def merge_selection(self) -> None:
        """Merge the selected objects into one (the first selected keeps its class and attributes)."""
        if (record := self.record()) is not None:
            self._apply(merge_outcome(record, list(self.selection.ids)))

    def split_selected_part(self) -> None:
        """Make the part under the cursor (else the smallest) of the selected object an object of its own."""
        if (record := self.record()) is not None:
            self._apply(split_outcome(record, list(self.selection.ids), self.last_pos, self.tol()))

    def _apply(self, outcome) -> None:
        if outcome.edit is not None:
            self.push(outcome.edit)
        if outcome.hint:
            self.set_hint(outcome.hint)
        self.select_regions(outcome.select)

    # ==== zoom =============================================================================
    def zoom(self) -> float:
        return self.view.zoom()

    def zoom_in(self) -> None:
        self.view.zoom_by(ZOOM_STEP, self.view.cursor_anchor())

    def zoom_out(self) -> None:
        self.view.zoom_by(1 / ZOOM_STEP, self.view.cursor_anchor())

    def actual_size(self) -> None:
        self.view.actual_size()

    def fit(self) -> None:
        self.view.fit()

    def _zoomed(self, scale: float, changed: bool) -> None:
        self.layer.set_zoom(scale)
        for item in self._scaled:
            item.set_zoom(scale)
        if changed:
            self.zoom_changed.emit(scale)

    def wheelEvent(self, event) -> None:
        dy = event.angleDelta().y()
        if dy == 0 or self.view.image_rect is None:
            return super().wheelEvent(event)
        self.view.zoom_by(ZOOM_STEP ** (dy / 120.0), event.position())
        event.accept()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.view.fit_mode:
            self.view.fit()

    def drawBackground(self, painter: QPainter, rect: QRectF | QRect) -> None:
        no_images = self._project is None or not self._project.images
        empty = "No image\nOpen a folder of images or a project" if no_images else "No image selected"
        self.view.draw_background(painter, rect, empty)
