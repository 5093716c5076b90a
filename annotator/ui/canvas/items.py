"""Graphics items of the canvas: one item per region, one for the shape being
drawn, and single handles (hovered vertex, ghost handle on an edge).

A region item builds its QPainterPath / QPolygonF once per shape change and
paints its vertex handles itself with one `drawPoints` call and a cosmetic
square-capped pen, so a selected 1,000-vertex polygon is one item, not 1,000,
and its handles keep a constant size on screen at any zoom.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen, QPolygonF, QTransform
from PySide6.QtWidgets import QGraphicsItem

from ...model import Circle, Ellipse, MultiPolygon, PathShape, Point, Polyline, Rect, Shape, label_point
from . import style

try:  # fill a QPolygonF straight from numpy (what pyqtgraph does): ~100x faster than QPointF by QPointF
    from shiboken6 import VoidPtr as _VoidPtr
except ImportError:  # pragma: no cover
    _VoidPtr = None


def polygon_from_arrays(xs, ys) -> QPolygonF:
    n = len(xs)
    if _VoidPtr is not None and n:
        poly = QPolygonF()
        poly.resize(n)
        view = np.frombuffer(_VoidPtr(poly.data(), n * 16, True), np.float64).reshape(n, 2)
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


class _ScaledItem(QGraphicsItem):
    """An item that paints a few screen pixels outside its geometry (handles, pens):
    its bounding rect grows by `MARGIN_PX / zoom`, updated by the canvas on zoom."""

    def __init__(self):
        super().__init__()
        self._margin = float(style.MARGIN_PX)

    def set_zoom(self, zoom: float) -> None:
        margin = style.MARGIN_PX / max(zoom, 1e-6)
        if margin != self._margin:
            self.prepareGeometryChange()
            self._margin = margin


class RegionItem(_ScaledItem):
    """Renders one region: semi-transparent fill, a cosmetic outline over a contrasting
    halo, and, when selected, its vertex handles. Its class name is a child LabelItem."""

    fill_alphas = (style.FILL_ALPHA, style.FILL_ALPHA_HOVER, style.FILL_ALPHA_SELECTED)

    def __init__(self, region_id: int, shape: Shape, colour: str):
        super().__init__()
        self.region_id = region_id
        self.colour = colour
        self.hovered = False
        self.selected = False
        self.class_name: str | None = None  # what the label shows (the canvas sets it)
        self.label = LabelItem(self)
        self._interactive = False
        # while the user drags this shape its strokes are drawn without antialiasing:
        # wide antialiased strokes of a 1,000-vertex outline cost milliseconds a frame
        self.interactive = False
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
        self.handles = polygon_from_arrays(self.vx, self.vy)
        self.path = shape_path(shape, self.handles if isinstance(shape, PathShape) else None)
        self.closed = not isinstance(shape, (Polyline, Point))
        if isinstance(shape, Point):
            self._rect = QRectF(shape.cx, shape.cy, 0, 0)
        else:
            self._rect = self.path.boundingRect()
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
            self.label.setPos(*label_point(self.shape_value))

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
        if self.closed:
            normal, hovered, selected = self.fill_alphas
            alpha = selected if self.selected else hovered if self.hovered else normal
            if alpha:
                painter.setBrush(style.fill_brush(colour, alpha))
                painter.setPen(Qt.PenStyle.NoPen)
                painter.drawPath(self.path)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        # a halo of the opposite lightness under the outline keeps it readable on any photo,
        # also on an object of the outline's own colour
        # (not while the shape is dragged: a wide stroke of a long outline costs milliseconds a frame)
        width = style.OUTLINE_EMPHASIS_PX if emphasis else style.OUTLINE_PX
        if not self.interactive:
            painter.setPen(style.outline_pen(style.contrast_colour(colour), width + style.HALO_EXTRA_PX))
            painter.drawPath(self.path)
        painter.setPen(style.outline_pen(colour, width))
        painter.drawPath(self.path)
        if self.interactive:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        if self.selected:
            painter.setPen(style.point_pen("#000000", style.HANDLE_PX + 2))
            painter.drawPoints(self.handles)
            painter.setPen(style.point_pen("#ffffff", style.HANDLE_PX))
            painter.drawPoints(self.handles)
            painter.setPen(style.point_pen(colour, style.HANDLE_PX - 4))
            painter.drawPoints(self.handles)


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


class DraftItem(_ScaledItem):
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
        for p in [*self.verts, *self.rubber]:
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
        if len(self.verts):
            painter.setPen(style.point_pen("#000000", style.HANDLE_PX + 1))
            painter.drawPoints(self.verts)
            painter.setPen(style.point_pen(self.colour, style.HANDLE_PX - 1))
            painter.drawPoints(self.verts)
            first = self.verts[0]
            size = style.HANDLE_HOVER_PX + 4 if self.first_hot else style.HANDLE_PX + 3
            painter.setPen(style.point_pen("#000000", size + 2, True))
            painter.drawPoint(first)
            painter.setPen(style.point_pen("#ffffff" if self.first_hot else self.colour, size, True))
            painter.drawPoint(first)
