"""The "Learn as I label" box of the Predictions panel: the toggle, the live run's state, and the
"is it helping?" curve: pre-label IoU (matched per object, against what the user kept) and the
seconds spent, per image labelled. pyqtgraph loads when learning is first turned on."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QCheckBox, QGroupBox, QLabel, QVBoxLayout

from ...app.prelabel_quality import ImageQuality, rolling_mean

IOU_COLOUR, MEAN_COLOUR, SECONDS_COLOUR = "#4e79a7", "#e15759", "#f28e2b"


class LivePanel(QGroupBox):
    def __init__(self, parent=None):
        super().__init__("Learn as I label", parent)
        self.check = QCheckBox("Learn from each image marked done")
        self.check.setToolTip(
            "Train in the background on every image you mark done (Ctrl+Enter: done & next) "
            "and pre-label the next image with the newest weights"
        )
        self.state = QLabel("off")
        self.state.setWordWrap(True)
        self.state.setStyleSheet("color: #9a9a9a")
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.plot: Any = None  # pyqtgraph's GraphicsLayoutWidget, made by ensure_plot
        self.curves: dict[str, Any] = {}
        self._lay = QVBoxLayout(self)
        self._lay.setContentsMargins(4, 4, 4, 4)
        self._lay.addWidget(self.check)
        self._lay.addWidget(self.state)
        self._lay.addWidget(self.summary)
        self.summary.hide()

    def set_state(self, text: str) -> None:
        self.state.setText(text)

    def ensure_plot(self) -> Any:
        if self.plot is None:
            import pyqtgraph as pg

            self.plot = pg.GraphicsLayoutWidget()
            self.plot.setMinimumHeight(150)
            self.plot.setMaximumHeight(220)
            iou = self.plot.addPlot(row=0, col=0)
            iou.setYRange(0, 1, padding=0.02)
            iou.setLabel("left", "pre-label IoU")
            iou.showGrid(y=True, alpha=0.2)
            secs = self.plot.addPlot(row=1, col=0)
            secs.setLabel("left", "s / image")
            secs.setLabel("bottom", "images labelled")
            secs.setXLink(iou)
            for p in (iou, secs):
                p.setMouseEnabled(False, False)
                p.hideButtons()
            self.curves = {
                "iou": iou.plot([], [], pen=None, symbol="o", symbolSize=5, symbolBrush=IOU_COLOUR, symbolPen=None),
                "mean": iou.plot([], [], pen=pg.mkPen(MEAN_COLOUR, width=2)),
                "seconds": secs.plot([], [], pen=pg.mkPen(SECONDS_COLOUR, width=1), symbol="o", symbolSize=4),
            }
            self._lay.addWidget(self.plot)
        return self.plot

    def show_quality(self, quality: list[ImageQuality]) -> None:
        """One point per image finished while learning (x: its place among them)."""
        self.ensure_plot()
        xs = [float(i) for i in range(1, len(quality) + 1)]
        helped = [(x, q.iou) for x, q in zip(xs, quality) if q.prelabelled]
        hx, hy = [x for x, _ in helped], [y for _, y in helped]
        self.curves["iou"].setData(hx, hy)
        self.curves["mean"].setData(hx, rolling_mean(hy))
        timed = [(x, q.seconds) for x, q in zip(xs, quality) if q.seconds is not None]
        self.curves["seconds"].setData([x for x, _ in timed], [s for _, s in timed])
        if quality:
            last = hy[-10:]
            mean = f"pre-label IoU {sum(last) / len(last):.2f} (last {len(last)})" if last else "no pre-label yet"
            secs = [s for _, s in timed[-10:]]
            pace = f" · {sum(secs) / len(secs):.0f} s/image" if secs else ""
            self.summary.setText(f"{len(quality)} image(s) labelled while learning · {mean}{pace}")
            self.summary.show()
