"""The "Learn as I label" box of the Pre-label panel: the toggle, the live run's state, and the
"is it helping?" curve: pre-label IoU (matched per object, against what the user kept) and the
seconds spent, per image labelled. The plot is made with the first image labelled while learning
(pyqtgraph is imported when learning starts, so that costs no stall later)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from ...app.prelabel_quality import ImageQuality, recent_ious, rolling_mean

IOU_COLOUR, MEAN_COLOUR, SECONDS_COLOUR = "#4e79a7", "#e15759", "#f28e2b"


class LivePanel(QWidget):
    """Compact (the Pre-label panel shares its column): the toggle and the state on one row,
    then a one-line summary and the curve, shown once an image was labelled."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.check = QCheckBox("Learn as I label")
        self.check.setToolTip(
            "Train in the background on every image you mark done (Ctrl+Enter: done & next) "
            "and pre-label the next image with the newest weights"
        )
        self.state = QLabel("off")
        self.state.setWordWrap(True)
        self.state.setStyleSheet("color: #9a9a9a")
        self.summary = ""  # over the curve: mean IoU of the last 10, pace, images labelled
        self.summary_label = QLabel()
        self.summary_label.setWordWrap(True)
        self.summary_label.setStyleSheet("font-size: 8pt")
        self.summary_label.hide()
        self.plot: Any = None  # a pyqtgraph PlotWidget, made by ensure_plot
        self.curves: dict[str, Any] = {}
        self.seconds_box: Any = None
        row = QHBoxLayout()
        row.addWidget(self.check)
        row.addWidget(self.state, 1)
        self._lay = QVBoxLayout(self)
        self._lay.setContentsMargins(2, 4, 2, 0)
        self._lay.addLayout(row)
        self._lay.addWidget(self.summary_label)

    def set_state(self, text: str) -> None:
        self.state.setText(text)

    def ensure_plot(self) -> Any:
        """One small plot: IoU per image (dots) and its mean of 10 (line) on the left axis,
        seconds per image on the right one."""
        if self.plot is None:
            import pyqtgraph as pg

            self.plot = pg.PlotWidget(background="#232323")
            self.plot.setMinimumHeight(72)  # under ~70 px the axis labels run into each other
            # as wide as the column, never wider (its own size hint would push the right axis out)
            self.plot.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            self.plot.setMinimumWidth(120)
            self.plot.setMaximumHeight(150)
            self.plot.hide()  # until an image is labelled while learning
            item = self.plot.getPlotItem()
            item.setYRange(0, 1, padding=0.02)
            item.getAxis("left").setTicks([[(0.0, "0"), (0.5, ".5"), (1.0, "1")]])  # three fit a small plot
            item.setLabel("left", "IoU", color=MEAN_COLOUR)
            item.showAxis("right")
            item.setLabel("right", "s", color=SECONDS_COLOUR)
            item.showGrid(y=True, alpha=0.2)
            item.setMouseEnabled(False, False)
            item.hideButtons()
            seconds_box = pg.ViewBox()
            seconds_box.setMouseEnabled(False, False)
            item.scene().addItem(seconds_box)
            item.getAxis("right").linkToView(seconds_box)
            seconds_box.setXLink(item)
            item.vb.sigResized.connect(lambda: seconds_box.setGeometry(item.vb.sceneBoundingRect()))
            seconds = pg.PlotDataItem([], [], pen=pg.mkPen(SECONDS_COLOUR, width=1), symbol="t", symbolSize=5)
            seconds_box.addItem(seconds)
            self.curves = {
                "iou": item.plot([], [], pen=None, symbol="o", symbolSize=5, symbolBrush=IOU_COLOUR, symbolPen=None),
                "mean": item.plot([], [], pen=pg.mkPen(MEAN_COLOUR, width=2)),
                "seconds": seconds,
            }
            self.seconds_box = seconds_box
            self._lay.addWidget(self.plot)
        return self.plot

    def show_quality(self, quality: list[ImageQuality], session: str = "") -> None:
        """One point per image finished while learning (x: its place among them). `session`: the
        run folder's name when the curve is a past session's (shown on opening the project)."""
        self.ensure_plot()
        if not quality:
            self.summary = ""
            self.summary_label.hide()
            self.plot.hide()
            return
        xs = [float(i) for i in range(1, len(quality) + 1)]
        helped = [(x, q.iou) for x, q in zip(xs, quality) if q.prelabelled]
        hx, hy = [x for x, _ in helped], [y for _, y in helped]
        self.curves["iou"].setData(hx, hy)
        self.curves["mean"].setData(hx, rolling_mean(hy))
        timed = [(x, q.seconds) for x, q in zip(xs, quality) if q.seconds is not None]
        self.curves["seconds"].setData([x for x, _ in timed], [s for _, s in timed])
        self.seconds_box.enableAutoRange()
        last = recent_ious(quality)
        mean = f"IoU {sum(last) / len(last):.2f} (last {len(last)})" if last else "no pre-label yet"
        secs = [s for _, s in timed[-10:]]
        pace = f" · {sum(secs) / len(secs):.0f} s/image" if secs else ""
        past = f"Last session ({session}): " if session else ""
        self.summary = f"{past}{mean}{pace} · {len(quality)} labelled"
        self.summary_label.setText(self.summary)  # a label, not the plot's title: it wraps
        self.summary_label.show()
        self.plot.show()
