"""A graphics item that shows model predictions over the image: mask fill and outline
in the class colour, with "class score" labels. Predictions are not regions: they are
drawn here only, never hit-tested, and enter the project only when accepted.

Instances are duck-typed like trainer.inference.predict.Instance: the mask as `crop` (bool array
inside the box) at `origin` (x, y) in an image of `image_size` (h, w), or as an HxW bool
`mask` (or None), `polygons` (flat [x0, y0, ...] lists, image coordinates), `box` (x0, y0, x1, y1),
`score`, `class_name`. All masks are blended into one ARGB image once per change, so
painting costs one drawImage whatever the number of instances.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem

from .items import polygon_from_arrays

MASK_ALPHA = 95
Z_VALUE = 5e6  # above every region (regions use their index, selected ones + 1e6)


def _mask_parts(inst) -> tuple[np.ndarray, tuple[int, int], tuple[int, int]] | None:
    """(bool crop, its (x, y) origin, image (h, w)) of an instance's mask; None when it has none.
    A crop is painted without making a full-image mask for each instance."""
    crop = getattr(inst, "crop", None)
    if crop is not None and crop.any():
        return crop, tuple(inst.origin), tuple(inst.image_size)
    mask = getattr(inst, "mask", None) if crop is None else None
    if mask is not None and getattr(mask, "ndim", 0) == 2 and mask.any():
        return mask, (0, 0), mask.shape
    return None


class PredictionLayer(QGraphicsItem):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setZValue(Z_VALUE)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setAcceptHoverEvents(False)
        self.instances: list = []
        self._image: QImage | None = None
        self._buffer = None  # keeps the numpy memory of _image alive
        self._paths: list[tuple[QPainterPath, QColor]] = []
        self._labels: list[tuple[QPointF, str, QColor]] = []
        self._rect = QRectF()
        self._font = QFont()
        self._font.setPointSizeF(8.5)
        self._font.setBold(True)

    def set_instances(self, instances: Sequence, colour_for: Callable[[str], str] | None = None) -> None:
        self.prepareGeometryChange()
        self.instances = list(instances)
        colour_for = colour_for or (lambda name: "#ffcc00")
        self._paths, self._labels = [], []
        rect = QRectF()
        overlay = None
        for inst in self.instances:
            colour = QColor(colour_for(inst.class_name))
            parts = _mask_parts(inst)
            if parts is not None:
                crop, (x, y), size = parts
                if overlay is None:
                    overlay = np.zeros(size + (4,), np.uint8)  # BGRA (QImage ARGB32 little-endian)
                if overlay.shape[:2] == size:
                    region = overlay[y : y + crop.shape[0], x : x + crop.shape[1]]
                    region[crop] = (colour.blue(), colour.green(), colour.red(), MASK_ALPHA)
            path = QPainterPath()
            for flat in inst.polygons or []:
                if len(flat) >= 6:
                    xs, ys = np.asarray(flat[0::2], float), np.asarray(flat[1::2], float)
                    path.addPolygon(polygon_from_arrays(xs, ys))
                    path.closeSubpath()
            if not path.isEmpty():
                self._paths.append((path, colour))
                rect = rect.united(path.boundingRect())
            x0, y0, x1, y1 = (float(v) for v in inst.box)
            rect = rect.united(QRectF(x0, y0, max(1.0, x1 - x0), max(1.0, y1 - y0)))
            self._labels.append((QPointF(x0, y0), f"{inst.class_name} {inst.score:.2f}", colour))
        if overlay is not None:
            h, w = overlay.shape[:2]
            self._buffer = np.ascontiguousarray(overlay)
            self._image = QImage(self._buffer.data, w, h, w * 4, QImage.Format.Format_ARGB32)
            rect = rect.united(QRectF(0, 0, w, h))
        else:
            self._buffer, self._image = None, None
        self._rect = rect.adjusted(-2, -40, 120, 2) if not rect.isNull() else QRectF()
        self.setVisible(bool(self.instances))
        self.update()

    def boundingRect(self) -> QRectF:
        return self._rect

    def paint(self, painter: QPainter, option, widget=None) -> None:
        if self._image is not None:
            painter.drawImage(QPointF(0, 0), self._image)
        for path, colour in self._paths:
            pen = QPen(colour, 2.0, Qt.PenStyle.DashLine)
            pen.setCosmetic(True)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPath(path)
        if not self._labels:
            return
        transform = painter.transform()
        painter.save()
        painter.resetTransform()
        painter.setFont(self._font)
        fm = QFontMetricsF(self._font)
        for pos, text, colour in self._labels:
            p = transform.map(pos)
            w, h = fm.horizontalAdvance(text) + 8, fm.height() + 2
            box = QRectF(p.x(), max(0.0, p.y() - h), w, h)
            painter.fillRect(box, colour)
            painter.setPen(QColor("#000000") if colour.lightnessF() > 0.5 else QColor("#ffffff"))
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()
