"""Live training curves (pyqtgraph): losses per step (total and each term, raw and
smoothed, linear or log scale) and validation mAP per epoch.

Points are appended to plain lists as events arrive; a 10 Hz timer pushes them to the
curves with `setData` (each curve is created once), so a fast run costs the UI thread
at most ten redraws a second however many steps it makes. pyqtgraph is imported when
the first plot is needed, not when the window opens.
"""

from __future__ import annotations

import math

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QSplitter, QVBoxLayout, QWidget

from trainer.choices import LOSS_NAMES  # torch-free

TERM_COLOURS = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f")  # the trainer's loss terms, in order
LOSS_COLOURS = {"total": "#e8e8e8", **{n: TERM_COLOURS[i % len(TERM_COLOURS)] for i, n in enumerate(LOSS_NAMES)}}
METRICS = (("segm_AP", "#e15759"), ("bbox_AP", "#4e79a7"), ("segm_AP50", "#f28e2b"), ("bbox_AP50", "#76b7b2"))
REDRAW_MS = 100
SMOOTHING = 0.9  # exponential moving average factor of the smoothed curves


def ema(values: list[float], alpha: float = SMOOTHING) -> list[float]:
    out, acc = [], None
    for v in values:
        acc = v if acc is None else alpha * acc + (1 - alpha) * v
        out.append(acc)
    return out


class Series:
    """x/y points of one curve, raw, plus its running smoothed version."""

    def __init__(self):
        self.x: list[float] = []
        self.y: list[float] = []
        self.s: list[float] = []

    def add(self, x: float, y: float | None) -> None:
        if y is None or not math.isfinite(y):
            return
        self.x.append(x)
        self.y.append(y)
        prev = self.s[-1] if self.s else y
        self.s.append(SMOOTHING * prev + (1 - SMOOTHING) * y if self.s else y)

    def clear(self) -> None:
        self.x.clear()
        self.y.clear()
        self.s.clear()


class TrainingPlots(QWidget):
    """Loss and mAP plots of the current run, plus dashed curves of runs to compare."""

    def __init__(self, parent=None):
        super().__init__(parent)
        import pyqtgraph as pg  # ~1 s: only once a run starts or the dock is looked at

        pg.setConfigOptions(antialias=True, background="#232323", foreground="#d0d0d0")
        self.pg = pg
        self.losses: dict[str, Series] = {name: Series() for name in ("total", *LOSS_NAMES)}
        self.val_loss = Series()
        self.metrics: dict[str, Series] = {name: Series() for name, _ in METRICS}
        self.redraws = 0
        self._dirty = False

        self.loss_plot = pg.PlotWidget(title="Training loss")
        self.loss_plot.setLabel("bottom", "iteration")
        self.loss_plot.showGrid(x=True, y=True, alpha=0.2)
        self.loss_plot.addLegend(offset=(-10, 10), labelTextSize="8pt")
        self.raw_curves, self.smooth_curves = {}, {}
        for name in self.losses:
            colour = LOSS_COLOURS[name]
            label = "total" if name == "total" else name.replace("loss_", "")
            raw_pen = pg.mkPen(colour, width=1)
            raw_pen.setColor(pg.mkColor(colour + "60"))
            self.raw_curves[name] = self.loss_plot.plot([], [], pen=raw_pen)
            self.smooth_curves[name] = self.loss_plot.plot(
                [], [], pen=pg.mkPen(colour, width=2.5 if name == "total" else 1.5), name=label
            )
        self.val_curve = self.loss_plot.plot(
            [], [], pen=None, symbol="o", symbolSize=7, symbolBrush="#edc948", name="val total"
        )

        self.map_plot = pg.PlotWidget(title="Validation mAP")
        self.map_plot.setLabel("bottom", "epoch")
        self.map_plot.showGrid(x=True, y=True, alpha=0.2)
        self.map_plot.setYRange(0, 1, padding=0.02)
        self.map_plot.addLegend(offset=(-10, 10), labelTextSize="8pt")
        self.map_curves = {
            name: self.map_plot.plot(
                [],
                [],
                pen=pg.mkPen(colour, width=2),
                symbol="o",
                symbolSize=6,
                symbolBrush=colour,
                name=name.replace("_", " "),
            )
            for name, colour in METRICS
        }
        self.compare_curves: dict[str, list] = {}

        self.raw_box = QCheckBox("Raw")
        self.smooth_box = QCheckBox("Smoothed")
        self.terms_box = QCheckBox("Each term")
        self.log_box = QCheckBox("Log scale")
        for box in (self.raw_box, self.smooth_box, self.terms_box):
            box.setChecked(True)
        for box in (self.raw_box, self.smooth_box, self.terms_box):
            box.toggled.connect(self._apply_visibility)
        self.log_box.toggled.connect(self.set_log)
        self.status = QLabel("")
        self.status.setStyleSheet("color: #9a9a9a")
        bar = QHBoxLayout()
        for w in (self.raw_box, self.smooth_box, self.terms_box, self.log_box):
            bar.addWidget(w)
        bar.addStretch(1)
        bar.addWidget(self.status)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.loss_plot)
        split.addWidget(self.map_plot)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addLayout(bar)
        lay.addWidget(split, 1)

        self.timer = QTimer(self, interval=REDRAW_MS)
        self.timer.timeout.connect(self.redraw)
        self.timer.start()

    # ---- data -------------------------------------------------------------------------
    def clear(self) -> None:
        for s in (*self.losses.values(), self.val_loss, *self.metrics.values()):
            s.clear()
        self._dirty = True

    def add_step(self, ev) -> None:
        x = float(ev.global_step)
        self.losses["total"].add(x, ev.total)
        for name in LOSS_NAMES:
            self.losses[name].add(x, ev.losses.get(name))
        self._dirty = True

    def add_epoch(self, ev, iters_per_epoch: int) -> None:
        total = ev.val_losses.get("total") if ev.val_losses else None
        if total is not None:
            self.val_loss.add(float(ev.epoch * iters_per_epoch), total)
        for name in self.metrics:
            v = ev.metrics.get(name) if ev.metrics else None
            if v is not None and v >= 0:  # pycocotools says -1 when there is nothing to measure
                self.metrics[name].add(float(ev.epoch), v)
        self._dirty = True

    def point_count(self) -> int:
        return len(self.losses["total"].x)

    # ---- drawing ---------------------------------------------------------------------
    def redraw(self) -> None:
        if not self._dirty:
            return
        self._dirty = False
        self.redraws += 1
        for name, s in self.losses.items():
            self.raw_curves[name].setData(s.x, s.y)
            self.smooth_curves[name].setData(s.x, s.s)
        self.val_curve.setData(self.val_loss.x, self.val_loss.y)
        for name, s in self.metrics.items():
            self.map_curves[name].setData(s.x, s.y)
        self._apply_visibility()

    def _apply_visibility(self) -> None:
        raw, smooth, terms = self.raw_box.isChecked(), self.smooth_box.isChecked(), self.terms_box.isChecked()
        for name in self.losses:
            on = name == "total" or terms
            self.raw_curves[name].setVisible(on and raw)
            self.smooth_curves[name].setVisible(on and smooth)

    def set_log(self, on: bool) -> None:
        self.log_box.setChecked(on)
        self.loss_plot.setLogMode(y=on)

    # ---- comparing runs --------------------------------------------------------------
    def set_compare(self, runs: dict[str, dict]) -> None:
        """`runs`: label -> {"steps": (x, total), "epochs": (x, segm_AP)}; dashed curves."""
        pg = self.pg
        for label in list(self.compare_curves):
            if label not in runs:
                for c in self.compare_curves.pop(label):
                    c.getViewBox().removeItem(c) if c.getViewBox() else None
        for i, (label, data) in enumerate(runs.items()):
            if label in self.compare_curves:
                continue
            colour = ("#b07aa1", "#ff9da7", "#9c755f", "#bab0ac", "#edc948")[i % 5]
            pen = pg.mkPen(colour, width=1.5, style=Qt.PenStyle.DashLine)
            sx, sy = data.get("steps", ([], []))
            ex, ey = data.get("epochs", ([], []))
            a = self.loss_plot.plot(list(sx), ema(list(sy)), pen=pen, name=label)
            b = self.map_plot.plot(
                list(ex), list(ey), pen=pen, symbol="t", symbolSize=6, symbolBrush=colour, name=label
            )
            self.compare_curves[label] = [a, b]
