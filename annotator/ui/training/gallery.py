"""Preview gallery: the model's predictions on a few fixed validation images, refreshed
every epoch (mask outline filled in the class colour, label, score), each beside the
image's ground truth from the project."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPainterPath, QPen, QPixmap, QPolygonF
from PySide6.QtWidgets import QGridLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from trainer.events import PREVIEW_SCORE  # torch-free

THUMB = 200


def _polygon(flat) -> QPolygonF:
    return QPolygonF([QPointF(float(flat[i]), float(flat[i + 1])) for i in range(0, len(flat) - 1, 2)])


def render(image: QImage, shapes: list[tuple[list[list[float]], str, str]], size: int = THUMB) -> QPixmap:
    """`shapes`: (flat polygons, colour, label) drawn over `image`, scaled to fit `size`."""
    scale = min(size / max(1, image.width()), size / max(1, image.height()))
    out = QImage(
        max(1, round(image.width() * scale)),
        max(1, round(image.height() * scale)),
        QImage.Format.Format_ARGB32_Premultiplied,
    )
    out.fill(QColor("#2b2b2b"))
    p = QPainter(out)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    p.drawImage(QRectF(0, 0, out.width(), out.height()), image)
    p.scale(scale, scale)
    font = QFont()
    font.setPointSizeF(7.5 / max(scale, 1e-3))
    font.setBold(True)
    p.setFont(font)
    for polys, colour, label in shapes:
        c = QColor(colour)
        fill = QColor(c)
        fill.setAlpha(90)
        path = QPainterPath()
        for flat in polys:
            if len(flat) >= 6:
                path.addPolygon(_polygon(flat))
                path.closeSubpath()
        if path.isEmpty():
            continue
        pen = QPen(c, 2.0)
        pen.setCosmetic(True)
        p.setPen(pen)
        p.setBrush(fill)
        p.drawPath(path)
        if label:
            r = path.boundingRect()
            fm = p.fontMetrics()
            box = QRectF(
                r.left(), max(0.0, r.top() - fm.height()), fm.horizontalAdvance(label) + 4 / scale, fm.height()
            )
            p.fillRect(box, c)
            p.setPen(QColor("#000000") if c.lightnessF() > 0.5 else QColor("#ffffff"))
            p.drawText(box, Qt.AlignmentFlag.AlignCenter, label)
    p.end()
    return QPixmap.fromImage(out)


class GalleryPanel(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.epoch = 0
        self.cells: list[tuple[QLabel, QLabel]] = []
        self.caption = QLabel("Predictions on validation images appear here after each epoch.")
        self.caption.setWordWrap(True)
        self._grid_host = QWidget()
        self.grid = QGridLayout(self._grid_host)
        self.grid.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self._grid_host)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addWidget(self.caption)
        lay.addWidget(scroll, 1)

    def clear(self) -> None:
        while self.grid.count():
            w = self.grid.takeAt(0).widget()
            if w is not None:
                w.deleteLater()
        self.cells = []

    def set_preview(self, ev, project, colour_for) -> None:
        """A trainer Preview event: items with file_name and instances (polygons, class, score)."""
        self.clear()
        self.epoch = ev.epoch
        by_name = {im.filename: im for im in project.images} if project is not None else {}
        for index, item in enumerate(ev.items):
            record = by_name.get(item.get("file_name"))
            image = QImage(str(project.image_path(record))) if record is not None else QImage()
            if image.isNull():
                image = QImage(int(item.get("width") or 64), int(item.get("height") or 64), QImage.Format.Format_RGB32)
                image.fill(QColor("#3c3f41"))
            pred = [
                (
                    inst.get("polygons") or [],
                    colour_for(inst.get("class_name")),
                    f"{inst.get('class_name')} {float(inst.get('score', 0)):.2f}",
                )
                for inst in item.get("instances", [])
            ]
            truth = []
            if record is not None:
                for region in record.regions:
                    outline = region.shape.outline()
                    if not outline:
                        continue
                    try:
                        name = project.class_of(region)
                    except Exception:  # noqa: BLE001 - ambiguous class: draw it without a name
                        name = None
                    truth.append(([[c for pt in outline for c in pt]], colour_for(name), name or ""))
            left, right = QLabel(), QLabel()
            left.setPixmap(render(image, pred))
            right.setPixmap(render(image, truth))
            n = len(pred)
            left.setToolTip(f"{item.get('file_name')}: {n} prediction(s) scoring ≥ {PREVIEW_SCORE}")
            right.setToolTip(f"{item.get('file_name')}: {len(truth)} annotated region(s)")
            col = index * 2  # pairs side by side: model | ground truth
            name = QLabel(f"<b>{item.get('file_name')}</b>")
            self.grid.addWidget(name, 0, col, 1, 2)
            self.grid.addWidget(left, 1, col)
            self.grid.addWidget(right, 1, col + 1)
            self.grid.addWidget(
                QLabel(f"model: {n} prediction(s)" if n else f"model: nothing ≥ {PREVIEW_SCORE}"), 2, col
            )
            self.grid.addWidget(QLabel(f"ground truth: {len(truth)} region(s)"), 2, col + 1)
            self.grid.setColumnMinimumWidth(col + 1, THUMB + 16)
            self.cells.append((left, right))
        self.caption.setText(
            f"Epoch {ev.epoch}: predictions (score ≥ {PREVIEW_SCORE}) on {len(ev.items)} validation image(s), ground truth beside."
        )
