"""Training curves (pyqtgraph): losses per step (total and each term, raw and smoothed, linear or
log scale) and validation figures per epoch, of the live run or of a past one read from its log.

The legends sit beside the plots, not over the curves, and each of their entries is a checkbox:
every loss term and figure can be shown or hidden on its own. Points are appended to plain lists
as events arrive; a 10 Hz timer pushes them to the curves with `setData` (each curve is created
once), so a fast run costs the UI thread at most ten redraws a second. pyqtgraph is imported when
the first plot is needed, not when the window opens.
"""

from __future__ import annotations

import math

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QCheckBox, QGridLayout, QLabel, QVBoxLayout, QWidget

from trainer.choices import LOSS_NAMES  # torch-free

from ...app.prelabel_quality import quality_text
from ...app.run_log import RunCurves

TERM_COLOURS = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f")  # the trainer's loss terms, in order
LOSS_COLOURS = {"total": "#e8e8e8", **{n: TERM_COLOURS[i % len(TERM_COLOURS)] for i, n in enumerate(LOSS_NAMES)}}
VAL_COLOUR = "#edc948"
METRICS = (("segm_AP", "#e15759"), ("bbox_AP", "#4e79a7"), ("segm_AP50", "#f28e2b"), ("bbox_AP50", "#76b7b2"))
METRIC_TEXT = {"segm_AP": "mask AP", "bbox_AP": "box AP", "segm_AP50": "mask AP50", "bbox_AP50": "box AP50"}
COMPARE_COLOURS = ("#b07aa1", "#ff9da7", "#9c755f", "#bab0ac", "#edc948")
REDRAW_MS = 100
SMOOTHING = 0.9  # exponential moving average factor of the smoothed curves


def ema(values: list[float], alpha: float = SMOOTHING) -> list[float]:
    out, acc = [], None
    for v in values:
        acc = v if acc is None else alpha * acc + (1 - alpha) * v
        out.append(acc)
    return out


def loss_text(name: str) -> str:
    return "total" if name == "total" else name.replace("loss_", "")


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


def _legend_box(text: str, colour: str, dashed: bool = False) -> QCheckBox:
    box = QCheckBox(text)
    box.setChecked(True)
    line = "dashed" if dashed else "solid"
    box.setStyleSheet(f"QCheckBox {{ color: {colour}; border-left: 3px {line} {colour}; padding-left: 3px }}")
    return box


class TrainingPlots(QWidget):
    """Loss and validation plots of the run shown, plus dashed curves of runs to compare."""

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
        self.shown_run = ""  # the name of the past run drawn, "" for the live one

        self.loss_plot = pg.PlotWidget()
        self.loss_plot.setLabel("bottom", "iteration")
        self.loss_plot.setLabel("left", "training loss")
        self.loss_plot.showGrid(x=True, y=True, alpha=0.2)
        self.raw_curves, self.smooth_curves = {}, {}
        for name in self.losses:
            colour = LOSS_COLOURS[name]
            raw_pen = pg.mkPen(colour, width=1)
            raw_pen.setColor(pg.mkColor(colour + "60"))
            self.raw_curves[name] = self.loss_plot.plot([], [], pen=raw_pen)
            self.smooth_curves[name] = self.loss_plot.plot(
                [], [], pen=pg.mkPen(colour, width=2.5 if name == "total" else 1.5)
            )
        self.val_curve = self.loss_plot.plot([], [], pen=None, symbol="o", symbolSize=7, symbolBrush=VAL_COLOUR)

        self.map_plot = pg.PlotWidget()
        self.map_plot.setLabel("bottom", "epoch")
        self.map_plot.setLabel("left", "validation AP")
        self.map_plot.showGrid(x=True, y=True, alpha=0.2)
        self.map_plot.setYRange(0, 1, padding=0.02)
        self.map_curves = {
            name: self.map_plot.plot(
                [], [], pen=pg.mkPen(colour, width=2), symbol="o", symbolSize=6, symbolBrush=colour
            )
            for name, colour in METRICS
        }
        self.compare_curves: dict[str, list] = {}

        # the legends, beside the plots: one checkbox per curve
        self.term_boxes = {name: _legend_box(loss_text(name), LOSS_COLOURS[name]) for name in self.losses}
        self.val_box = _legend_box("validation total", VAL_COLOUR)
        self.metric_boxes = {name: _legend_box(METRIC_TEXT[name], colour) for name, colour in METRICS}
        self.raw_box, self.smooth_box, self.log_box = QCheckBox("Raw"), QCheckBox("Smoothed"), QCheckBox("Log scale")
        self.raw_box.setChecked(True)
        self.smooth_box.setChecked(True)
        for box in (*self.term_boxes.values(), self.val_box, *self.metric_boxes.values(), self.raw_box):
            box.toggled.connect(self._apply_visibility)
        self.smooth_box.toggled.connect(self._apply_visibility)
        self.log_box.toggled.connect(self.set_log)
        self.status = QLabel("")
        self.status.setStyleSheet("color: #9a9a9a")
        self.status.setWordWrap(True)
        self.compare_legend = QVBoxLayout()
        self.compare_legend.setSpacing(1)

        grid = QGridLayout(self)
        grid.setContentsMargins(2, 2, 2, 2)
        grid.setHorizontalSpacing(4)
        grid.addWidget(self.loss_plot, 0, 0)
        grid.addWidget(self._column("Loss", [*self.term_boxes.values(), self.val_box], True), 0, 1)
        grid.addWidget(self.map_plot, 0, 2)
        grid.addWidget(self._column("Validation", list(self.metric_boxes.values()), False), 0, 3)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(2, 2)

        self.timer = QTimer(self, interval=REDRAW_MS)
        self.timer.timeout.connect(self.redraw)
        self.timer.start()

    def _column(self, title: str, boxes: list[QWidget], options: bool) -> QWidget:
        col = QWidget()
        col.setObjectName("legend")
        col.setStyleSheet("QWidget#legend { background: #232323 } QLabel, QCheckBox { color: #d0d0d0 }")
        col.setAutoFillBackground(True)
        lay = QVBoxLayout(col)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.setSpacing(1)
        head = QLabel(f"<b>{title}</b>")
        lay.addWidget(head)
        for b in boxes:
            lay.addWidget(b)
        if options:
            lay.addSpacing(6)
            for b in (self.raw_box, self.smooth_box, self.log_box):
                lay.addWidget(b)
        else:
            lay.addSpacing(6)
            lay.addLayout(self.compare_legend)
            lay.addWidget(self.status)
        lay.addStretch(1)
        return col

    # ---- data -------------------------------------------------------------------------
    def clear(self) -> None:
        for s in (*self.losses.values(), self.val_loss, *self.metrics.values()):
            s.clear()
        self.shown_run = ""
        self.status.setText("")
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

    def load(self, curves: RunCurves, name: str) -> None:
        """Draw a past run from its log (annotator.app.run_log.read_run_curves)."""
        self.clear()
        self.shown_run = name
        if curves.live:
            figure = quality_text(curves.quality) if curves.quality else "the pre-label IoU (Pre-label panel)"
            self.status.setText(f"A live run logs no loss curve: its figure is {figure}.")
        else:
            self.status.setText("No step logged: the run ended before its first step." if curves.is_empty() else "")
        for term, s in curves.losses.items():
            if term in self.losses:
                for x, y in zip(s.x, s.y):
                    self.losses[term].add(x, y)
        for x, y in zip(curves.val_loss.x, curves.val_loss.y):
            self.val_loss.add(x * curves.iters_per_epoch, y)
        for metric, s in curves.metrics.items():
            if metric in self.metrics:
                for x, y in zip(s.x, s.y):
                    self.metrics[metric].add(x, y)
        self._dirty = True
        self.redraw()

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
        raw, smooth = self.raw_box.isChecked(), self.smooth_box.isChecked()
        for name, box in self.term_boxes.items():
            self.raw_curves[name].setVisible(box.isChecked() and raw)
            self.smooth_curves[name].setVisible(box.isChecked() and smooth)
        self.val_curve.setVisible(self.val_box.isChecked())
        for name, box in self.metric_boxes.items():
            self.map_curves[name].setVisible(box.isChecked())

    def set_log(self, on: bool) -> None:
        self.log_box.setChecked(on)
        self.loss_plot.setLogMode(y=on)

    def visible_terms(self) -> list[str]:
        return [name for name in self.losses if self.smooth_curves[name].isVisible()]

    # ---- comparing runs --------------------------------------------------------------
    def set_compare(self, runs: dict[str, RunCurves]) -> None:
        """`runs`: name -> its curves; drawn dashed (smoothed total loss, mask AP) with a legend entry each."""
        pg = self.pg
        for label in list(self.compare_curves):
            for c in self.compare_curves.pop(label):
                if isinstance(c, QWidget):
                    c.deleteLater()
                elif c.getViewBox() is not None:
                    c.getViewBox().removeItem(c)
        for i, (label, curves) in enumerate(runs.items()):
            colour = COMPARE_COLOURS[i % len(COMPARE_COLOURS)]
            pen = pg.mkPen(colour, width=1.8, style=Qt.PenStyle.DashLine)
            total = curves.losses.get("total")
            ap = curves.metrics.get("segm_AP")
            a = self.loss_plot.plot(list(total.x) if total else [], ema(list(total.y)) if total else [], pen=pen)
            b = self.map_plot.plot(
                list(ap.x) if ap else [],
                list(ap.y) if ap else [],
                pen=pen,
                symbol="t",
                symbolSize=7,
                symbolBrush=colour,
            )
            box = _legend_box(label, colour, dashed=True)
            box.toggled.connect(a.setVisible)
            box.toggled.connect(b.setVisible)
            box.setToolTip(f"{label}: smoothed total loss and mask AP, dashed")
            self.compare_legend.addWidget(box)
            self.compare_curves[label] = [a, b, box]
