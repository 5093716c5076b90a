"""The canvas' view state: the image shown (and its pyramid of shrunk copies), zoom
and pan, and painting the image under the shapes.

`ViewControl` works on the QGraphicsView it is given (its transform and scroll
bars) and owns no shapes; the canvas forwards zoom, fit and pan gestures to it.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, field

from PySide6.QtCore import QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QCursor, QFont, QImage, QPainter, QPixmap, QTransform
from PySide6.QtWidgets import QGraphicsView

from . import style

MIN_ZOOM, MAX_ZOOM = 1 / 64, 64.0
ZOOM_STEP = 1.25
PYRAMID_LEVELS = 4  # shrunk copies: 1/2, 1/4, 1/8, 1/16


@dataclass
class Pointer:
    """The mouse as tools see it (napari's cursor model): the image point under it (`pos`,
    clamped to the image; `raw` unclamped), its viewport position, the modifiers held, and
    whether the button was released. A drag's generator reads it after each `yield`."""

    pos: tuple[float, float] = (0.0, 0.0)
    raw: tuple[float, float] = (0.0, 0.0)
    view_pos: QPointF = field(default_factory=QPointF)
    modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier
    released: bool = False

    @property
    def shift(self) -> bool:
        return bool(self.modifiers & Qt.KeyboardModifier.ShiftModifier)

    @property
    def ctrl(self) -> bool:
        return bool(self.modifiers & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.MetaModifier))


class Pyramid:
    """The image and pre-shrunk copies of it, made on first use: drawing a 1/8 copy is
    smooth and cheap where drawing the full image zoomed far out is neither."""

    def __init__(self, image: QImage | None):
        self.image = image if image is not None and not image.isNull() else None
        self._levels: dict[int, QPixmap] = {0: QPixmap.fromImage(self.image)} if self.image is not None else {}

    def __bool__(self) -> bool:
        return self.image is not None

    def pixmap_for(self, zoom: float) -> tuple[QPixmap, float]:
        """The copy to draw at `zoom` and its scale (image pixels per copy pixel)."""
        level = 0
        while zoom * 2 ** (level + 1) <= 1.0 and level < PYRAMID_LEVELS:
            level += 1
        image = self.image
        assert image is not None
        if level and level not in self._levels:
            f = 2**level
            small = image.scaled(
                max(1, image.width() // f),
                max(1, image.height() // f),
                Qt.AspectRatioMode.IgnoreAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
            self._levels[level] = QPixmap.fromImage(small)
        pix = self._levels.get(level) or self._levels[0]
        return pix, image.width() / pix.width()


class ViewControl:
    """Zoom (kept within MIN_ZOOM..MAX_ZOOM, anchored at a point), fit, pan and the image
    rectangle of one QGraphicsView. `on_zoom(scale)` runs after every zoom change."""

    def __init__(self, view: QGraphicsView, on_zoom: Callable[[float, bool], None]):
        self.view = view
        self.on_zoom = on_zoom
        self.pyramid = Pyramid(None)
        self.image_rect: QRectF | None = None
        self.fit_mode = True  # follow the window's size until the user zooms

    # ---- the image ------------------------------------------------------------------------
    def set_image(self, image: QImage | None, width: float | None, height: float | None) -> None:
        self.pyramid = Pyramid(image)
        shown = self.pyramid.image
        if shown is not None:
            self.image_rect = QRectF(0, 0, shown.width(), shown.height())
        elif width and height:
            self.image_rect = QRectF(0, 0, width, height)
        else:
            self.image_rect = None
        self.view.setSceneRect(self.image_rect if self.image_rect is not None else QRectF(0, 0, 1, 1))

    def image_size(self) -> tuple[float | None, float | None]:
        r = self.image_rect
        return (r.width(), r.height()) if r is not None else (None, None)

    def clamp(self, x: float, y: float) -> tuple[float, float]:
        r = self.image_rect
        if r is None:
            return x, y
        return min(max(x, 0.0), r.width()), min(max(y, 0.0), r.height())

    def inside(self, x: float, y: float) -> bool:
        r = self.image_rect
        return r is not None and 0 <= x < r.width() and 0 <= y < r.height()

    # ---- zoom -----------------------------------------------------------------------------
    def zoom(self) -> float:
        return self.view.transform().m11()

    def cursor_anchor(self) -> QPointF | None:
        pos = self.view.viewport().mapFromGlobal(QCursor.pos())
        return QPointF(pos) if self.view.viewport().rect().contains(pos) else None

    def zoom_by(self, factor: float, anchor: QPointF | None) -> None:
        self.fit_mode = False
        self.set_zoom(self.zoom() * factor, anchor)

    def set_zoom(self, s: float, anchor: QPointF | None) -> None:
        """Zoom to `s`, keeping the image point under `anchor` (viewport px; None = centre) in place."""
        s = min(max(s, MIN_ZOOM), MAX_ZOOM)
        if anchor is None:
            anchor = QPointF(self.view.viewport().rect().center())
        before = self.to_scene(anchor)
        self.apply_zoom(s)
        after = self.view.viewportTransform().map(before)
        hbar, vbar = self.view.horizontalScrollBar(), self.view.verticalScrollBar()
        hbar.setValue(hbar.value() + round(after.x() - anchor.x()))
        vbar.setValue(vbar.value() + round(after.y() - anchor.y()))

    def apply_zoom(self, s: float) -> None:
        changed = abs(s - self.zoom()) > 1e-12
        self.view.setTransform(QTransform.fromScale(s, s))
        self.view.resetCachedContent()
        self.on_zoom(s, changed)

    def fit(self) -> None:
        self.fit_mode = True
        rect = self.image_rect
        if rect is None or rect.isEmpty():
            return
        vp = self.view.viewport().rect()
        s = min(vp.width() / rect.width(), vp.height() / rect.height()) * 0.98
        self.apply_zoom(min(max(s, MIN_ZOOM), MAX_ZOOM))
        self.view.centerOn(rect.center())

    def actual_size(self) -> None:
        self.fit_mode = False
        self.set_zoom(1.0, self.cursor_anchor())

    def to_scene(self, view_pos: QPointF) -> QPointF:
        inverted, _ok = self.view.viewportTransform().inverted()
        return inverted.map(QPointF(view_pos))

    def pan(self, pointer: Pointer) -> Generator[None, None, None]:
        """A pan drag (middle button, or Space + left): the image follows the mouse."""
        last = pointer.view_pos
        yield
        while not pointer.released:
            hbar, vbar = self.view.horizontalScrollBar(), self.view.verticalScrollBar()
            hbar.setValue(hbar.value() - round(pointer.view_pos.x() - last.x()))
            vbar.setValue(vbar.value() - round(pointer.view_pos.y() - last.y()))
            last = pointer.view_pos
            yield

    # ---- painting -------------------------------------------------------------------------
    def draw_background(self, painter: QPainter, rect: QRectF | QRect, empty_text: str) -> None:
        """The image (nearest-neighbour zoomed in, smooth zoomed out), a placeholder of its size
        while it loads, or `empty_text` when there is no image."""
        painter.fillRect(rect, style.CANVAS_BACKGROUND)
        zoom = self.zoom()
        if self.pyramid and self.image_rect is not None:
            pix, scale = self.pyramid.pixmap_for(zoom)
            painter.save()
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, zoom * scale < 1.0)
            painter.scale(scale, scale)
            painter.drawPixmap(QPointF(0, 0), pix)
            painter.restore()
            return
        painter.save()
        if self.image_rect is not None:
            painter.fillRect(self.image_rect, style.PLACEHOLDER_FILL)
            centre = painter.transform().map(self.image_rect.center())
            text = "Loading image…"
            painter.resetTransform()
            box = QRectF(centre.x() - 200, centre.y() - 20, 400, 40)
        else:
            text = empty_text
            painter.resetTransform()
            box = QRectF(self.view.viewport().rect())
        font = QFont(painter.font())
        font.setPointSizeF(max(font.pointSizeF(), 11))
        painter.setFont(font)
        painter.setPen(style.PLACEHOLDER_TEXT)
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()
