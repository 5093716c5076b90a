"""What the Assist tool draws over the image: the proposal (filled, parts and holes, its
vertices), the box being dragged or prompted with, and the clicks (green: object, red:
background); and the detail slider shown over the canvas while the tool is on."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QFrame, QGraphicsItem, QHBoxLayout, QLabel, QPushButton, QSlider, QWidget

from ...assist import Proposal
from .items import shape_path

OBJECT_CLICK, BACKGROUND_CLICK = QColor("#30d158"), QColor("#ff453a")
DETAIL_STEPS = [0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0]  # tolerance in image px, fine to coarse


class AssistPreview(QGraphicsItem):
    def __init__(self):
        super().__init__()
        self.setZValue(1e8)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.path = QPainterPath()
        self.vertices: list[QPointF] = []
        self.box: QRectF | None = None
        self.clicks: list[tuple[float, float, bool]] = []
        self.colour = QColor("#ffcc00")
        self.busy = False

    def set_state(self, proposal: Proposal | None, box, clicks, colour: str, busy: bool) -> None:
        self.prepareGeometryChange()
        shape = proposal.shape() if proposal is not None else None
        self.path = shape_path(shape) if shape is not None else QPainterPath()
        self.vertices = [
            QPointF(x, y)
            for outer, holes in (proposal.parts if proposal else [])
            for ring in (outer, *holes)
            for x, y in zip(ring[0::2], ring[1::2])
        ]
        self.box = QRectF(QPointF(box[0], box[1]), QPointF(box[2], box[3])).normalized() if box else None
        self.clicks = list(clicks)
        self.colour = QColor(colour)
        self.busy = busy
        self.setVisible(bool(shape is not None or box or clicks))
        self.update()

    def boundingRect(self) -> QRectF:
        rect = self.path.boundingRect()
        if self.box is not None:
            rect = rect.united(self.box)
        for x, y, _ in self.clicks:
            rect = rect.united(QRectF(x - 1, y - 1, 2, 2))
        return rect.adjusted(-40, -40, 40, 40)  # markers are drawn at a fixed screen size

    def paint(self, painter: QPainter, option, widget=None) -> None:
        scale = painter.worldTransform().m11() or 1.0
        px = 1.0 / scale  # one screen pixel in image pixels
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        if self.box is not None:
            pen = QPen(QColor("#ffffff"), 0, Qt.PenStyle.DashLine)
            pen.setCosmetic(True)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(self.box)
        if not self.path.isEmpty():
            fill = QColor(self.colour)
            fill.setAlpha(70 if not self.busy else 35)
            pen = QPen(self.colour, 2)
            pen.setCosmetic(True)
            painter.setPen(pen)
            painter.setBrush(QBrush(fill))
            painter.drawPath(self.path)
            painter.setBrush(QBrush(self.colour))
            painter.setPen(Qt.PenStyle.NoPen)
            for v in self.vertices:
                painter.drawEllipse(v, 2.2 * px, 2.2 * px)
        for x, y, positive in self.clicks:
            outline = QPen(QColor("#000000"), 1)
            outline.setCosmetic(True)
            painter.setPen(outline)
            painter.setBrush(QBrush(OBJECT_CLICK if positive else BACKGROUND_CLICK))
            painter.drawEllipse(QPointF(x, y), 5 * px, 5 * px)


class DetailSlider(QFrame):
    """'Detail' over the canvas' top-left corner: fine (left) to coarse (right) polygons."""

    def __init__(self, parent: QWidget, changed: Callable[[float], None]):
        super().__init__(parent)
        self.setObjectName("assistDetail")
        self.setAutoFillBackground(True)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, len(DETAIL_STEPS) - 1)
        self.slider.setFixedWidth(120)
        self.slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys stay with the canvas (Enter, Esc)
        self.slider.setToolTip("Polygon detail: how far (px) a vertex may stray from the object's edge · [ and ]")
        self.label = QLabel()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 2)
        layout.addWidget(QLabel("Detail"))
        layout.addWidget(self.slider)
        layout.addWidget(self.label)
        # shown while the promptable segmenter's files are missing (download on first use, by consent)
        self.download_button = QPushButton("Download SAM 2.1-tiny…")
        self.download_button.setToolTip("Fetch the promptable segmenter's model files (checked against pinned hashes)")
        self.import_button = QPushButton("Import model file…")
        self.import_button.setToolTip(
            "A model file copied by hand: its hash is checked, then it is put where Polymask looks"
        )
        for b in (self.download_button, self.import_button):
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.hide()
            layout.addWidget(b)
        self._changed = changed
        self.slider.valueChanged.connect(self._moved)

    def set_tolerance(self, tolerance: float) -> None:
        step = min(range(len(DETAIL_STEPS)), key=lambda i: abs(DETAIL_STEPS[i] - tolerance))
        self.slider.setValue(step)
        self._show(DETAIL_STEPS[step])

    def offer_models(self, offer: bool) -> None:
        self.download_button.setVisible(offer)
        self.import_button.setVisible(offer)
        self.adjustSize()

    def tolerance(self) -> float:
        return DETAIL_STEPS[self.slider.value()]

    def show_vertices(self, count: int | None) -> None:
        self._show(self.tolerance(), count)

    def _show(self, tolerance: float, count: int | None = None) -> None:
        self.label.setText(f"{tolerance:g} px" + (f" · {count} vertices" if count is not None else ""))
        self.adjustSize()

    def _moved(self, step: int) -> None:
        self._show(DETAIL_STEPS[step])
        self._changed(DETAIL_STEPS[step])
