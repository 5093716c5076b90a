"""Graphics items of the canvas: one item per region, one for the shape being
drawn, and single handles (hovered vertex, ghost handle on an edge).

A region item builds its QPainterPath / QPolygonF once per shape change and
paints its vertex handles itself with one `drawPoints` call and a cosmetic
square-capped pen, so a selected 1,000-vertex polygon is one item, not 1,000,
and its handles keep a constant size on screen at any zoom.
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen, QPolygonF, QTransform
from PySide6.QtWidgets import QGraphicsItem

from ...model import Circle, Ellipse, MultiPolygon, PathShape, Point, Polyline, Rect, Shape, label_point
from . import style
from .editing import OutlineIndex

try:  # fill a QPolygonF straight from numpy (what pyqtgraph does): ~100x faster than QPointF by QPointF
    from shiboken6 import VoidPtr as _VoidPtr
except ImportError:  # pragma: no cover
    _VoidPtr = None  # type: ignore[assignment,misc]


def polygon_from_arrays(xs, ys) -> QPolygonF:
    n = len(xs)
    if _VoidPtr is not None and n:
        poly = QPolygonF()
        poly.resize(n)
        buffer = _VoidPtr(poly.data(), n * 16, True)  # type: ignore[call-arg,arg-type]  # (address, size, writable)
        view = np.frombuffer(buffer, np.float64).reshape(n, 2)  # type: ignore[call-overload]
        view[:, 0] = xs
        view[:, 1] = ys
        return poly
    return QPolygonF([QPointF(float(x), float(y)) for x, y in zip(xs, ys)])


def shape_path(shape: Shape, polygon: QPolygonF | None = None) -> QPainterPath:
    """The outline of a shape as a painter path in image coordinates (empty for a Point).
    `polygon`: the vertices of a path shape when the caller already built them."""
    path = QPainterPath()
    if isinstance(shape, MultiPolygon):
        # every part's outer ring and every hole, one closed subpath each: odd-even filling
        # leaves the holes empty (and clickable through)
        path.setFillRule(Qt.FillRule.OddEvenFill)
        for ring in shape.rings():
            path.addPolygon(polygon_from_arrays(ring.xs, ring.ys))
            path.closeSubpath()
    elif isinstance(shape, PathShape):
        if shape.xs:
            if polygon is None:
                polygon = polygon_from_arrays(shape.xs, shape.ys)
            path.addPolygon(polygon)
            if not isinstance(shape, Polyline):
                path.closeSubpath()
    elif isinstance(shape, Rect):
        path.addRect(QRectF(shape.x, shape.y, shape.width, shape.height))
    elif isinstance(shape, Circle):
        path.addEllipse(QPointF(shape.cx, shape.cy), shape.r, shape.r)
    elif isinstance(shape, Ellipse):
        path.addEllipse(QPointF(0, 0), shape.rx, shape.ry)
        t = QTransform()
        t.translate(shape.cx, shape.cy)
        t.rotateRadians(shape.theta)
        path = t.map(path)
    return path


def ring_successors(lengths: list[int]) -> np.ndarray:
    """For rings laid end to end in one vertex array: the index of each vertex's successor
    on its own ring (a ring's last vertex is followed by its first)."""
    nxt = np.arange(1, sum(lengths) + 1)
    start = 0
    for n in lengths:
        nxt[start + n - 1] = start
        start += n
    return nxt


def decimate(xs: np.ndarray, ys: np.ndarray, cell: float) -> tuple[np.ndarray, np.ndarray]:
    """The vertices of one ring with runs of consecutive vertices in the same `cell`-sized
    square reduced to their first: what a screen can show of an outline much denser than its pixels."""
    qx, qy = np.floor(xs / cell), np.floor(ys / cell)
    keep = np.ones(len(xs), bool)
    keep[1:] = (qx[1:] != qx[:-1]) | (qy[1:] != qy[:-1])
    return xs[keep], ys[keep]


def simplified(xs: np.ndarray, ys: np.ndarray, tolerance: float, closed: bool) -> tuple[np.ndarray, np.ndarray]:
    """`xs, ys` with the vertices that move the line by less than `tolerance` dropped (GEOS's
    Douglas-Peucker): a smooth decimated outline keeps ~1 vertex in 7 at a quarter pixel, and a
    wide antialiased stroke costs per vertex (selecting a 2M-vertex polygon was all stroking)."""
    if len(xs) < 8:
        return xs, ys
    points = np.column_stack([xs, ys])
    line = shapely.linearrings(points) if closed else shapely.linestrings(points)
    out = shapely.get_coordinates(shapely.simplify(line, tolerance, preserve_topology=False))
    if closed:
        out = out[:-1]  # a linear ring repeats its first vertex
    if len(out) < (3 if closed else 2):
        return xs, ys
    return np.ascontiguousarray(out[:, 0]), np.ascontiguousarray(out[:, 1])


class ScaledItem(QGraphicsItem):
    """An item that paints a few screen pixels outside its geometry (handles, pens):
    its bounding rect grows by `MARGIN_PX / zoom`, updated by the canvas on zoom."""

    def __init__(self):
        super().__init__()
        self._margin = float(style.MARGIN_PX)
        self.zoom = 1.0

    def set_zoom(self, zoom: float) -> None:
        self.zoom = zoom
        margin = style.MARGIN_PX / max(zoom, 1e-6)
        if margin != self._margin:
            self.prepareGeometryChange()
            self._margin = margin


class RegionItem(ScaledItem):
    """Renders one region: semi-transparent fill, a cosmetic outline over a contrasting
    halo, and, when selected, its vertex handles. Its class name is a child LabelItem."""

    fill_alphas = (style.FILL_ALPHA, style.FILL_ALPHA_HOVER, style.FILL_ALPHA_SELECTED)
    # Outlines longer than this are drawn at screen resolution (decimated per zoom), and only
    # the handles in view are drawn, at most MAX_HANDLES of them: a selected 2,000,000-vertex
    # polygon paints in milliseconds; zoom in to reach every vertex.
    DETAIL_VERTICES = 20_000
    MAX_HANDLES = 5_000
    DETAIL_PX = 1.0  # screen pixels a decimated outline may stray (under the outline pen)

    def __init__(self, region_id: int, shape: Shape, colour: str):
        super().__init__()
        self.region_id = region_id
        self.colour = colour
        self.hovered = False
        self.selected = False
        self.class_name: str | None = None  # what the label shows (the canvas sets it)
        self.label = LabelItem(self)
        self._interactive = False
        self._label_at: tuple[Shape, tuple[float, float]] | None = None  # (shape, its label point)
        # while the user drags this shape its strokes are drawn without antialiasing:
        # wide antialiased strokes of a 1,000-vertex outline cost milliseconds a frame
        self.interactive = False
        # paint() is told the exposed rectangle, so it draws the handles in view only
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption, True)
        self.shape_value: Shape = shape
        self.set_shape(shape)

    # ---- geometry, rebuilt once per change ------------------------------------
    def set_shape(self, shape: Shape) -> None:
        self.prepareGeometryChange()
        self.shape_value = shape
        # next_index[i]: the vertex after i on its ring, for shapes of several rings (None: one ring)
        self.next_index = None
        if isinstance(shape, PathShape):
            self.vx = np.asarray(shape.xs, float)
            self.vy = np.asarray(shape.ys, float)
        elif isinstance(shape, MultiPolygon):
            rings = shape.rings()
            self.vx = np.concatenate([np.asarray(r.xs, float) for r in rings])
            self.vy = np.concatenate([np.asarray(r.ys, float) for r in rings])
            self.next_index = ring_successors([len(r.xs) for r in rings])
        else:
            verts = shape.vertices()
            self.vx = np.array([p[0] for p in verts], float)
            self.vy = np.array([p[1] for p in verts], float)
        self._index: OutlineIndex | None = None
        self._coarse: tuple[int, QPainterPath, list] | None = None  # (zoom step, outline, its rings' arrays)
        self._stroke: tuple[tuple, QPainterPath] | None = None  # (view key, outline pieces in view)
        self._shown: tuple[tuple, QPolygonF] | None = None  # (view key, handles drawn)
        self.closed = not isinstance(shape, (Polyline, Point))
        if len(self.vx) > self.DETAIL_VERTICES:  # drawn decimated: never build the full path
            self.handles = QPolygonF()
            self.path = QPainterPath()  # the outline is drawn_path(), made per zoom step
            x0, y0, x1, y1 = self.vx.min(), self.vy.min(), self.vx.max(), self.vy.max()
            self._rect = QRectF(float(x0), float(y0), float(x1 - x0), float(y1 - y0))
        else:
            self.handles = polygon_from_arrays(self.vx, self.vy)
            self.path = shape_path(shape, self.handles if isinstance(shape, PathShape) else None)
            self._rect = QRectF(shape.cx, shape.cy, 0, 0) if isinstance(shape, Point) else self.path.boundingRect()
        self._place_label()
        self.update()

    @property
    def interactive(self) -> bool:
        return self._interactive

    @interactive.setter
    def interactive(self, on: bool) -> None:
        self._interactive = on
        if not on:
            self._place_label()  # deferred while the shape was dragged

    def _place_label(self) -> None:
        """The label sits on a point inside the object (model.label_point), found only while shown
        and not on every frame of a drag (a long outline costs a millisecond or more)."""
        if self.label.text and not self._interactive:
            shape = self.shape_value
            if self._label_at is None or self._label_at[0] is not shape:  # shapes are immutable values
                self._label_at = (shape, label_point(shape))  # polylabel: ~0.1 s on 2M vertices
            self.label.setPos(*self._label_at[1])

    def set_colour(self, colour: str) -> None:
        if colour != self.colour:
            self.colour = colour
            self.label.set_text(self.label.text, colour)
            self.update()

    def set_label(self, text: str | None) -> None:
        """The class name shown on the shape (None: no label)."""
        self.label.set_text(text, self.colour, above=isinstance(self.shape_value, Point))
        self._place_label()

    def set_fill_alphas(self, alphas: tuple[int, int, int]) -> None:
        if alphas != self.fill_alphas:
            self.fill_alphas = alphas
            self.update()

    def set_state(self, hovered: bool | None = None, selected: bool | None = None) -> None:
        changed = False
        if hovered is not None and hovered != self.hovered:
            self.hovered, changed = hovered, True
        if selected is not None and selected != self.selected:
            self.selected, changed = selected, True
        if changed:
            self.update()

    # ---- long outlines: decimated outline, handles in view, an index for hit tests ----
    def outline(self) -> OutlineIndex:
        if self._index is None:
            self._index = OutlineIndex(self.vx, self.vy, self.closed, self.next_index)
        return self._index

    def contains_point(self, x: float, y: float) -> bool:
        return self.drawn_path().contains(QPointF(x, y))

    def drawn_path(self) -> QPainterPath:
        """The outline as drawn at the current zoom (the exact one unless it is very long)."""
        if len(self.vx) <= self.DETAIL_VERTICES or isinstance(self.shape_value, Point):
            return self.path
        step = math.floor(math.log2(max(self.zoom, 1e-6)) * 4)  # quarter-octave zoom steps
        if self._coarse is None or self._coarse[0] != step:
            cell = self.DETAIL_PX / 2 ** (step / 4 + 0.25)
            path = QPainterPath()
            path.setFillRule(Qt.FillRule.OddEvenFill)
            shape = self.shape_value
            rings = list(shape.rings()) if isinstance(shape, MultiPolygon) else [shape]
            arrays = [
                simplified(*decimate(np.asarray(r.xs, float), np.asarray(r.ys, float), cell), cell / 4, self.closed)  # type: ignore[attr-defined]  # path shapes (drawn_path: long outlines only)
                for r in rings
            ]
            for xs, ys in arrays:
                path.addPolygon(polygon_from_arrays(xs, ys))
                if self.closed:
                    path.closeSubpath()
            self._coarse = (step, path, arrays)
        return self._coarse[1]

    def outline_in_view(self, exposed: QRectF) -> QPainterPath:
        """The outline to stroke: the pieces of the drawn outline that cross `exposed`
        (stroking a long outline costs per vertex, also off screen)."""
        path = self.drawn_path()
        if self._coarse is None or path is self.path:
            return path
        key = (exposed.x(), exposed.y(), exposed.width(), exposed.height(), self._coarse[0])
        if self._stroke is None or self._stroke[0] != key:
            pieces = QPainterPath()
            for xs, ys in self._coarse[2]:
                seen = (
                    (xs >= exposed.left()) & (xs <= exposed.right()) & (ys >= exposed.top()) & (ys <= exposed.bottom())
                )
                seen = seen | np.roll(seen, 1) | np.roll(seen, -1)  # the edges that leave the view, too
                if self.closed and seen[0] and seen[-1]:
                    pieces.moveTo(float(xs[-1]), float(ys[-1]))
                    pieces.lineTo(float(xs[0]), float(ys[0]))
                index = np.flatnonzero(seen)
                for run in np.split(index, np.flatnonzero(np.diff(index) != 1) + 1):
                    if len(run) > 1:
                        pieces.addPolygon(polygon_from_arrays(xs[run], ys[run]))
            self._stroke = (key, pieces)
        return self._stroke[1]

    def handles_in_view(self, exposed: QRectF) -> QPolygonF:
        """The vertex handles to draw: all of them for a short outline; else those in `exposed`,
        every k-th when more than MAX_HANDLES are in view."""
        if len(self.vx) <= self.DETAIL_VERTICES:
            return self.handles
        key = (exposed.x(), exposed.y(), exposed.width(), exposed.height(), self.zoom)
        if self._shown is None or self._shown[0] != key:
            inside = np.flatnonzero(
                (self.vx >= exposed.left())
                & (self.vx <= exposed.right())
                & (self.vy >= exposed.top())
                & (self.vy <= exposed.bottom())
            )
            if len(inside) > self.MAX_HANDLES:
                inside = inside[:: math.ceil(len(inside) / self.MAX_HANDLES)]
            self._shown = (key, polygon_from_arrays(self.vx[inside], self.vy[inside]))
        return self._shown[1]

    # ---- QGraphicsItem ---------------------------------------------------------
    def boundingRect(self) -> QRectF:
        m = self._margin
        return self._rect.adjusted(-m, -m, m, m)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        colour = self.colour
        emphasis = self.selected or self.hovered
        if isinstance(self.shape_value, Point):
            painter.setPen(style.point_pen("#000000", style.POINT_PX + (4 if emphasis else 2), True))
            painter.drawPoints(self.handles)
            painter.setPen(style.point_pen(colour, style.POINT_PX + (2 if emphasis else 0), True))
            painter.drawPoints(self.handles)
            if self.selected:
                painter.setPen(style.point_pen("#ffffff", 3, True))
                painter.drawPoints(self.handles)
            return
        if self.interactive:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        path = self.drawn_path()
        if self.closed:
            normal, hovered, selected = self.fill_alphas
            alpha = selected if self.selected else hovered if self.hovered else normal
            if alpha:
                painter.setBrush(style.fill_brush(colour, alpha))
                painter.setPen(Qt.PenStyle.NoPen)
                painter.drawPath(path)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        # a halo of the opposite lightness under the outline keeps it readable on any photo,
        # also on an object of the outline's own colour
        # (not while the shape is dragged: a wide stroke of a long outline costs milliseconds a frame)
        width = style.OUTLINE_EMPHASIS_PX if emphasis else style.OUTLINE_PX
        path = self.outline_in_view(option.exposedRect)
        if not self.interactive:
            painter.setPen(style.outline_pen(style.contrast_colour(colour), width + style.HALO_EXTRA_PX))
            painter.drawPath(path)
        painter.setPen(style.outline_pen(colour, width))
        painter.drawPath(path)
        if self.interactive:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        if self.selected:
            handles = self.handles_in_view(option.exposedRect)
            painter.setPen(style.point_pen("#000000", style.HANDLE_PX + 2))
            painter.drawPoints(handles)
            painter.setPen(style.point_pen("#ffffff", style.HANDLE_PX))
            painter.drawPoints(handles)
            painter.setPen(style.point_pen(colour, style.HANDLE_PX - 4))
            painter.drawPoints(handles)


class LabelItem(QGraphicsItem):
    """A region's class name in a small box of the class colour, centred on a point inside the
    shape (above a point shape, so it stays visible), of constant screen size
    (ItemIgnoresTransformations), so it reads the same at any zoom."""

    PAD_X, PAD_Y, GAP = 4.0, 1.5, 3.0

    def __init__(self, parent: QGraphicsItem):
        super().__init__(parent)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations, True)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        # painted once into a pixmap: text layout on every frame of a drag costs ~1 ms
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.text: str | None = None
        self.colour = "#ffffff"
        self.above = False
        self._font = _label_font()
        self._rect = QRectF()
        self.hide()

    def set_text(self, text: str | None, colour: str, above: bool | None = None) -> None:
        above = self.above if above is None else above
        if text == self.text and colour == self.colour and above == self.above:
            return
        self.prepareGeometryChange()
        self.text, self.colour, self.above = text, colour, above
        if text:
            metrics = QFontMetricsF(self._font)
            w = metrics.horizontalAdvance(text) + 2 * self.PAD_X
            h = metrics.height() + 2 * self.PAD_Y
            top = -h - self.GAP - style.POINT_PX / 2 if above else -h / 2
            self._rect = QRectF(-w / 2, top, w, h)
        else:
            self._rect = QRectF()
        self.setVisible(bool(text))
        self.update()

    def boundingRect(self) -> QRectF:
        return self._rect.adjusted(-1, -1, 1, 1)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        if not self.text:
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(QPen(QColor(style.contrast_colour(self.colour)), 1.0))
        painter.setBrush(QColor(self.colour))
        painter.drawRoundedRect(self._rect, 3, 3)
        painter.setFont(self._font)
        painter.setPen(QColor(style.text_colour_on(self.colour)))
        painter.drawText(self._rect, Qt.AlignmentFlag.AlignCenter, self.text)


_font_cache: list[QFont] = []


def _label_font() -> QFont:
    if not _font_cache:
        font = QFont()
        font.setPointSizeF(style.LABEL_POINT_SIZE)
        font.setBold(True)
        _font_cache.append(font)
    return _font_cache[0]


class HandleItem(QGraphicsItem):
    """A single handle of constant screen size (ItemIgnoresTransformations):
    the hovered vertex ("vertex") or the insert-a-vertex hint on an edge ("ghost")."""

    def __init__(self, kind: str):
        super().__init__()
        self.kind = kind
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations, True)
        self.setZValue(1e9)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.colour = "#ffffff"
        self.hide()

    def boundingRect(self) -> QRectF:
        s = style.HANDLE_HOVER_PX / 2 + 3
        return QRectF(-s, -s, 2 * s, 2 * s)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        if self.kind == "ghost":
            r = style.HANDLE_HOVER_PX / 2
            painter.setPen(QPen(QColor(0, 0, 0, 200), 3))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawEllipse(QPointF(0, 0), r, r)
            painter.setPen(QPen(QColor(255, 255, 255, 230), 1.5))
            painter.setBrush(QColor(255, 255, 255, 70))
            painter.drawEllipse(QPointF(0, 0), r, r)
            painter.drawLine(QPointF(-r / 2, 0), QPointF(r / 2, 0))
            painter.drawLine(QPointF(0, -r / 2), QPointF(0, r / 2))
        else:
            s = style.HANDLE_HOVER_PX / 2
            painter.setPen(QPen(QColor("#000000"), 1.5))
            painter.setBrush(QColor(self.colour))
            painter.drawRect(QRectF(-s, -s, 2 * s, 2 * s))
            painter.setPen(QPen(QColor("#ffffff"), 1.5))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(QRectF(-s + 1.5, -s + 1.5, 2 * s - 3, 2 * s - 3))


class DraftItem(ScaledItem):
    """The shape being drawn: its fixed part, the rubber band to the cursor and its vertices."""

    def __init__(self):
        super().__init__()
        self.setZValue(1e8)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.colour = "#ffffff"
        self.path = QPainterPath()
        self.rubber: list[QPointF] = []
        self.verts = QPolygonF()
        self.first_hot = False
        self.closed = False
        self._rect = QRectF()
        self.hide()

    def set_draft(
        self,
        path: QPainterPath,
        verts: list[tuple[float, float]],
        rubber: list[tuple[float, float]],
        closed: bool,
        first_hot: bool,
        colour: str,
    ) -> None:
        self.prepareGeometryChange()
        self.path = path
        self.verts = QPolygonF([QPointF(x, y) for x, y in verts])
        self.rubber = [QPointF(x, y) for x, y in rubber]
        self.closed, self.first_hot, self.colour = closed, first_hot, colour
        rect = path.boundingRect() if not path.isEmpty() else QRectF()
        for p in [*self.verts, *self.rubber]:  # type: ignore[misc]  # QPolygonF is iterable
            rect = rect.united(QRectF(p, p)) if not rect.isNull() else QRectF(p, p)
        self._rect = rect
        self.setVisible(bool(verts) or not path.isEmpty())
        self.update()

    def boundingRect(self) -> QRectF:
        m = self._margin * 1.5
        return self._rect.adjusted(-m, -m, m, m)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setBrush(style.fill_brush(self.colour, style.FILL_ALPHA) if self.closed else Qt.BrushStyle.NoBrush)
        painter.setPen(style.outline_pen("#000000", 3.5))
        painter.drawPath(self.path)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(style.outline_pen(self.colour, 1.5))
        painter.drawPath(self.path)
        if self.rubber:
            painter.setPen(style.dashed_pen("#ffffff", 1.5))
            painter.drawPolyline(QPolygonF(self.rubber))
        if not self.verts.isEmpty():
            painter.setPen(style.point_pen("#000000", style.HANDLE_PX + 1))
            painter.drawPoints(self.verts)
            painter.setPen(style.point_pen(self.colour, style.HANDLE_PX - 1))
            painter.drawPoints(self.verts)
            first = self.verts.at(0)
            size = style.HANDLE_HOVER_PX + 4 if self.first_hot else style.HANDLE_PX + 3
            painter.setPen(style.point_pen("#000000", size + 2, True))
            painter.drawPoint(first)
            painter.setPen(style.point_pen("#ffffff" if self.first_hot else self.colour, size, True))
            painter.drawPoint(first)
