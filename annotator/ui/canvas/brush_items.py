"""What the brush and eraser show: the tip as a circle under the cursor, and the
stroke under way.

Both are in image coordinates, so the circle is the size the stroke will be at
any zoom; their outlines are cosmetic (constant on screen)."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsItem

from . import style
from .items import ScaledItem


class BrushCursorItem(ScaledItem):
    """A circle of the brush's radius around the cursor: white over black, readable on any photo."""

    def __init__(self):
        super().__init__()
        self.setZValue(1e9)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.radius = 1.0
        self.erasing = False
        self.hide()

    def set_brush(self, radius: float, erasing: bool) -> None:
        if radius != self.radius:
            self.prepareGeometryChange()
            self.radius = radius
        self.erasing = erasing
        self.update()

    def boundingRect(self) -> QRectF:
        r = self.radius + self._margin  # the outline is a few screen pixels wide at any zoom
        return QRectF(-r, -r, 2 * r, 2 * r)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        centre = QPointF(0, 0)
        painter.setPen(style.outline_pen("#000000", 3.0))
        painter.drawEllipse(centre, self.radius, self.radius)
        # the eraser's circle is dashed, so the two tools never look alike
        painter.setPen(style.dashed_pen("#ffffff", 1.5) if self.erasing else style.outline_pen("#ffffff", 1.5))
        painter.drawEllipse(centre, self.radius, self.radius)


class StrokeItem(QGraphicsItem):
    """The stroke being painted: the mouse path drawn with a round pen as wide as the brush,
    which is exactly the area the stroke will add (or erase)."""

    def __init__(self):
        super().__init__()
        self.setZValue(1e8)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.path = QPainterPath()
        self.pen = QPen()
        self.hide()

    def set_stroke(self, points: list[tuple[float, float]], radius: float, colour: str, erasing: bool) -> None:
        self.prepareGeometryChange()
        self.path = QPainterPath()
        self.path.addPolygon(QPolygonF([QPointF(x, y) for x, y in points]))
        if len(points) == 1:
            self.path.lineTo(QPointF(*points[0]))  # a dot: a zero-length line with round caps
        c = QColor("#ffffff" if erasing else colour)
        c.setAlpha(110)
        self.pen = QPen(c, 2 * radius, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
        self.show()
        self.update()

    def boundingRect(self) -> QRectF:
        w = self.pen.widthF() / 2 + 1
        return self.path.boundingRect().adjusted(-w, -w, w, w)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(self.pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self.path)
