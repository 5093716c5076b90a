"""Status bar: image coordinates under the cursor, zoom, image size, counts."""

from __future__ import annotations

import math

from PySide6.QtWidgets import QLabel, QStatusBar

from polymask_common.text import plural


class StatusBar(QStatusBar):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setSizeGripEnabled(False)
        self.position = QLabel("—")
        self.position.setMinimumWidth(110)
        self.image_size = QLabel("")
        self.zoom = QLabel("")
        self.counts = QLabel("")
        self.saved = QLabel("")
        for w in (self.counts, self.image_size, self.position, self.zoom, self.saved):
            self.addPermanentWidget(w)

    def set_cursor(self, x: float, y: float) -> None:
        if x is None or (isinstance(x, float) and math.isnan(x)):
            self.position.setText("—")
        else:
            self.position.setText(f"x {x:.0f}  y {y:.0f}")

    def set_zoom(self, zoom: float) -> None:
        self.zoom.setText(f"{zoom * 100:.0f}%")

    def set_image(self, width, height, index: int, total: int, regions: int) -> None:
        self.image_size.setText(f"{width} × {height} px" if width else "")
        self.counts.setText(
            f"image {index + 1:,} / {total:,}  ·  {plural(regions, 'region')}" if total else "no images"
        )

    def set_saved(self, state: str) -> None:
        self.saved.setText(state)
