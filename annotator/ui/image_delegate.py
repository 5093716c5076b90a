"""The image list's row painting: thumbnail, name, region count, a done tick, and a warning
sign for an image that cannot be shown; rows of one height (fast for 10,000 images)."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter, QPalette, QPen
from PySide6.QtWidgets import QStyle, QStyledItemDelegate

from polymask_common.text import plural

from .image_roles import DoneRole, ProblemRole, RegionCountRole, SizeRole, ThumbRole
from .thumbnails import THUMB_SIZE

PROBLEM_COLOUR = "#d9822b"


class ImageDelegate(QStyledItemDelegate):
    """Thumbnail, name, region count and a done tick, in rows of one height."""

    ROW = THUMB_SIZE + 10

    def sizeHint(self, option, index):
        return QSize(200, self.ROW)

    def paint(self, painter: QPainter, option, index):
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = option.palette
        rect = option.rect.adjusted(3, 2, -3, -2)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        hover = bool(option.state & QStyle.StateFlag.State_MouseOver)
        if selected or hover:
            base = pal.color(QPalette.ColorRole.Highlight)
            fill = QColor(base)
            fill.setAlpha(70 if selected else 28)
            painter.setPen(QPen(base, 1.2) if selected else Qt.PenStyle.NoPen)
            painter.setBrush(fill)
            painter.drawRoundedRect(QRectF(rect), 6, 6)
        # thumbnail box
        box = QRectF(rect.left() + 4, rect.top() + (rect.height() - THUMB_SIZE) / 2, THUMB_SIZE, THUMB_SIZE)
        thumb = index.data(ThumbRole)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(pal.color(QPalette.ColorRole.AlternateBase))
        painter.drawRoundedRect(box, 4, 4)
        if isinstance(thumb, QImage) and not thumb.isNull():
            scaled = thumb.size().scaled(box.size().toSize(), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRectF(0, 0, scaled.width(), scaled.height())
            target.moveCenter(box.center())
            painter.drawImage(target, thumb)
        problem = bool(index.data(ProblemRole))
        if problem:  # a warning sign where the thumbnail would be
            painter.setPen(QPen(QColor(PROBLEM_COLOUR), 2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            c = box.center()
            painter.drawPolygon([c + _p(0, -14), c + _p(15, 12), c + _p(-15, 12)])
            painter.drawLine(c + _p(0, -5), c + _p(0, 4))
            painter.drawPoint(c + _p(0, 8))
        # text
        text_left = box.right() + 10
        name = index.data(Qt.ItemDataRole.DisplayRole) or ""
        count = index.data(RegionCountRole) or 0
        done = bool(index.data(DoneRole))
        font = QFont(option.font)
        fm = QFontMetrics(font)
        tick_w = 22
        name_rect = QRectF(text_left, rect.top() + 8, rect.right() - text_left - tick_w, fm.height())
        painter.setFont(font)
        painter.setPen(QColor(PROBLEM_COLOUR) if problem else pal.color(QPalette.ColorRole.Text))
        painter.drawText(
            name_rect,
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            fm.elidedText(name, Qt.TextElideMode.ElideMiddle, int(name_rect.width())),
        )
        small = QFont(font)
        small.setPointSizeF(max(7.0, font.pointSizeF() * 0.88))
        painter.setFont(small)
        painter.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
        sub = plural(count, "region")
        if problem:
            sub += "  ·  cannot be shown"
        w, h = index.data(SizeRole) or (None, None)
        if w:
            sub += f"  ·  {w}×{h}"
        painter.drawText(
            QRectF(text_left, name_rect.bottom() + 3, name_rect.width(), fm.height()),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            sub,
        )
        # done tick
        tick = QRectF(rect.right() - tick_w + 2, rect.center().y() - 8, 16, 16)
        if done:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor("#3aa35b"))
            painter.drawEllipse(tick)
            painter.setPen(QPen(QColor("white"), 2))
            painter.drawPolyline([tick.center() + d for d in (_p(-4, 0), _p(-1, 3), _p(4, -3))])
        else:
            painter.setPen(QPen(pal.color(QPalette.ColorRole.Mid), 1.4))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawEllipse(tick.adjusted(1, 1, -1, -1))
        painter.restore()


def _p(x, y):
    return QPointF(x, y)
