"""Preview gallery: the model's predictions on a few fixed validation images, refreshed
every epoch (mask outline filled in the class colour, label, score), each beside the
image's ground truth from the project.

The photos are decoded scaled-down in a background thread (a 12 MP JPEG takes a few hundred
ms at full size): the cells show the outlines on a blank at once and the photo when it arrives."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPainterPath, QPen, QPixmap, QPolygonF
from PySide6.QtWidgets import QGridLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from polymask_common.text import plural
from trainer.events import PREVIEW_SCORE  # torch-free

from ..image_cache import BackgroundLoader

THUMB = 200


def _polygon(flat) -> QPolygonF:
    return QPolygonF([QPointF(float(flat[i]), float(flat[i + 1])) for i in range(0, len(flat) - 1, 2)])


Shapes = list[tuple[list[list[float]], str, str]]  # (flat polygons, colour, label)


def render(image: QImage | None, full: tuple[int, int], shapes: Shapes, size: int = THUMB) -> QPixmap:
    """`shapes`, in the coordinates of an image of `full` (width, height), drawn over `image` (any
    size: a scaled-down decode, or None for a blank), scaled to fit `size`."""
    w, h = max(1, full[0]), max(1, full[1])
    scale = min(size / w, size / h)
    out = QImage(
        max(1, round(w * scale)),
        max(1, round(h * scale)),
        QImage.Format.Format_ARGB32_Premultiplied,
    )
    out.fill(QColor("#2b2b2b"))
    p = QPainter(out)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    if image is not None and not image.isNull():
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


class _Cell:
    """One validation image: its predictions and ground truth, drawn on the photo once decoded."""

    def __init__(self, full: tuple[int, int], pred: Shapes, truth: Shapes):
        self.full, self.pred, self.truth = full, pred, truth
        self.left, self.right = QLabel(), QLabel()
        self.draw(None)

    def draw(self, image: QImage | None) -> None:
        self.left.setPixmap(render(image, self.full, self.pred))
        self.right.setPixmap(render(image, self.full, self.truth))


class GalleryPanel(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.epoch = 0
        self.cells: list[_Cell] = []
        self._waiting: dict[str, list[_Cell]] = {}  # image path → cells to draw when it is decoded
        self.loader = BackgroundLoader(threads=1, max_size=THUMB * 2, budget_bytes=32 << 20, max_queue=16, parent=self)
        self.loader.loaded.connect(self._on_loaded)
        self.loader.failed.connect(lambda key, _why: self._waiting.pop(key, None))  # the blank stays
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
            item = self.grid.takeAt(0)
            w = item.widget() if item is not None else None
            if w is not None:
                w.deleteLater()
        self.cells = []
        self._waiting = {}

    def close_loader(self) -> None:
        """Stop decoding (the window is closing): no thread outlives it."""
        self.loader.close()

    def pending(self) -> int:
        """Photos still being decoded."""
        return sum(map(len, self._waiting.values()))

    def _on_loaded(self, key: str, image: QImage, _w: int, _h: int) -> None:
        for cell in self._waiting.pop(key, []):
            cell.draw(image)

    def _show_photo(self, cell: _Cell, path: str) -> None:
        if self.loader.request(path, path):
            cell.draw(self.loader.get(path))
        else:
            self._waiting.setdefault(path, []).append(cell)

    def set_preview(self, ev, project, colour_for) -> None:
        """A trainer Preview event: items with file_name and instances (polygons, class, score)."""
        self.clear()
        self.epoch = ev.epoch
        by_name = {im.filename: im for im in project.images} if project is not None else {}
        for index, item in enumerate(ev.items):
            record = by_name.get(item.get("file_name"))
            pred = [
                (
                    inst.get("polygons") or [],
                    colour_for(inst.get("class_name")),
                    f"{inst.get('class_name')} {float(inst.get('score', 0)):.2f}",
                )
                for inst in item.get("instances", [])
            ]
            truth = self._truth(project, record, colour_for) if record is not None else []
            cell = _Cell((int(item.get("width") or 64), int(item.get("height") or 64)), pred, truth)
            if record is not None:
                self._show_photo(cell, str(project.image_path(record)))
            n = len(pred)
            cell.left.setToolTip(f"{item.get('file_name')}: {plural(n, 'prediction')} scoring ≥ {PREVIEW_SCORE}")
            cell.right.setToolTip(f"{item.get('file_name')}: {plural(len(truth), 'annotated region')}")
            col = index * 2  # pairs side by side: model | ground truth
            name = QLabel(f"<b>{item.get('file_name')}</b>")
            self.grid.addWidget(name, 0, col, 1, 2)
            self.grid.addWidget(cell.left, 1, col)
            self.grid.addWidget(cell.right, 1, col + 1)
            self.grid.addWidget(
                QLabel(f"model: {plural(n, 'prediction')}" if n else f"model: nothing ≥ {PREVIEW_SCORE}"), 2, col
            )
            self.grid.addWidget(QLabel(f"ground truth: {plural(len(truth), 'region')}"), 2, col + 1)
            self.grid.setColumnMinimumWidth(col + 1, THUMB + 16)
            self.cells.append(cell)
        self.caption.setText(
            f"Epoch {ev.epoch}: predictions (score ≥ {PREVIEW_SCORE}) on "
            f"{plural(len(ev.items), 'validation image')}, ground truth beside."
        )

    @staticmethod
    def _truth(project, record, colour_for) -> Shapes:
        truth: Shapes = []
        for region in record.regions:
            outline = region.shape.outline()
            if not outline:
                continue
            try:
                name = project.class_of(region)
            except Exception:  # noqa: BLE001 - ambiguous class: draw it without a name
                name = None
            truth.append(([[c for pt in outline for c in pt]], colour_for(name), name or ""))
        return truth
