"""Benchmark: dragging one vertex of a 1,000-vertex polygon on a 4000x3000 image.

Drives the real Canvas with QTest (press on the vertex, 200 mouse moves,
release) through the same harness the window uses: every emitted SetShape is
pushed as an EditCommand on a QUndoStack whose on_change calls canvas.refresh().
Each sample is one mouse-move event *including* the edit push, the refresh and
the repaint it causes (QApplication.processEvents() after the event).
Prints one JSON line. Run: QT_QPA_PLATFORM=offscreen python tests/benchmarks/canvas_drag_bench.py
"""

from __future__ import annotations

import json
import math
import os
import statistics
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QImage, QUndoStack
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from annotator.model import ImageRecord, Polygon, Project, Region
from annotator.ui.canvas import Canvas
from annotator.ui.undo import EditCommand

W, H, N, MOVES = 4000, 3000, 1000, 200


def textured_image() -> QImage:
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    base = (np.sin(xx / 37) * np.cos(yy / 53) * 60 + 128).astype(np.uint8)
    noise = rng.integers(0, 40, (H, W), dtype=np.uint8)
    rgb = np.dstack([base, base // 2 + noise, 255 - base]).astype(np.uint8)
    rgba = np.dstack([rgb[..., 2], rgb[..., 1], rgb[..., 0], np.full((H, W), 255, np.uint8)])  # BGRA = RGB32
    return QImage(rgba.tobytes(), W, H, 4 * W, QImage.Format.Format_RGB32).copy()


def percentile(values, q):
    s = sorted(values)
    return s[min(len(s) - 1, max(0, math.ceil(q / 100 * len(s)) - 1))]


def main() -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    t = np.linspace(0, 2 * np.pi, N, endpoint=False)
    r = 1000 + 80 * np.sin(7 * t)  # a wavy 1,000-vertex outline
    pts = list(zip((2000 + r * np.cos(t)).tolist(), (1500 + r * np.sin(t)).tolist()))
    image = ImageRecord("big.png", 1, W, H, regions=[Region(Polygon.from_points(pts), {})])
    project = Project(images=[image])
    region = image.regions[0]

    canvas = Canvas()
    canvas.resize(1280, 800)
    canvas.show()
    stack = QUndoStack()
    canvas.edit_requested.connect(lambda e: stack.push(EditCommand(project, e, lambda _e: canvas.refresh())))
    canvas.set_image(project, image.key, textured_image())
    app.processEvents()
    canvas.select_regions([region.id])
    app.processEvents()

    vp = canvas.viewport()
    x0, y0 = pts[0]
    QTest.mousePress(
        vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, canvas.mapFromScene(QPointF(x0, y0))
    )
    app.processEvents()
    samples, handling = [], []
    for i in range(1, MOVES + 1):
        a = i / MOVES * 2 * np.pi
        pos = canvas.mapFromScene(QPointF(x0 + 300 * math.sin(a) - 150 * i / MOVES, y0 + 300 * math.sin(2 * a)))
        start = time.perf_counter()
        QTest.mouseMove(vp, pos)
        handled = time.perf_counter()
        app.processEvents()  # the repaint the move caused
        samples.append((time.perf_counter() - start) * 1000)
        handling.append((handled - start) * 1000)
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pos)
    app.processEvents()

    moved = region.shape != Polygon.from_points(pts)
    steps = stack.count()
    stack.undo()
    restored = region.shape == Polygon.from_points(pts)
    print(
        json.dumps(
            {
                "benchmark": "canvas_drag_vertex",
                "vertices": N,
                "image": [W, H],
                "moves": MOVES,
                "zoom": round(canvas.zoom(), 4),
                "platform": os.environ.get("QT_QPA_PLATFORM"),
                "p50_ms": round(statistics.median(samples), 3),
                "p95_ms": round(percentile(samples, 95), 3),
                "max_ms": round(max(samples), 3),
                "mean_ms": round(statistics.fmean(samples), 3),
                # the event alone: hit/edit/push/refresh, before the repaint
                "event_only_p50_ms": round(statistics.median(handling), 3),
                "event_only_p95_ms": round(percentile(handling, 95), 3),
                "load_avg_1min": round(os.getloadavg()[0], 2),
                "cpus": os.cpu_count(),
                "undo_steps": steps,
                "moved": moved,
                "undo_restores": restored,
                "budget_ms": 16,
                "within_budget_p95": percentile(samples, 95) <= 16,
            }
        )
    )
    canvas.close()
    return 0 if moved and restored and steps == 1 else 1


if __name__ == "__main__":
    sys.exit(main())
