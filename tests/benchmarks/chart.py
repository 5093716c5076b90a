"""A small line-and-dots chart drawn with Pillow, for the benchmarks' PNG figures (docs/figures/):
a framed plot area, grid lines with labels, then one colour per series (a line, dots, a legend entry).
Pillow is already a dependency; a plotting library is not."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

COLOURS = [(220, 60, 40), (40, 110, 220), (40, 160, 80), (150, 80, 200)]
Point = tuple[float, float]


class Chart:
    def __init__(
        self, x0: float, x1: float, y0: float, y1: float, size: tuple[int, int] = (720, 400), margin: int = 48
    ):
        from PIL import Image, ImageDraw

        self.x0, self.x1, self.y0, self.y1 = x0, max(x1, x0 + 1e-9), y0, max(y1, y0 + 1e-9)
        self.w, self.h = size
        self.m = margin
        self.image = Image.new("RGB", size, "white")
        self.draw = ImageDraw.Draw(self.image)
        self.draw.rectangle([margin, margin, self.w - margin, self.h - margin], outline="black")
        self.series_drawn = 0

    def xy(self, x: float, y: float) -> Point:
        m = self.m
        return (
            m + (self.w - 2 * m) * (x - self.x0) / (self.x1 - self.x0),
            self.h - m - (self.h - 2 * m) * (y - self.y0) / (self.y1 - self.y0),
        )

    def y_grid(self, values: Sequence[float], label: str = "{:g}") -> None:
        for v in values:
            self.draw.line([self.xy(self.x0, v), self.xy(self.x1, v)], fill=(225, 225, 225))
            self.draw.text((8, self.xy(self.x0, v)[1] - 6), label.format(v), fill="black")

    def x_ticks(self, values: Sequence[float], label: str = "{:g}") -> None:
        for v in values:
            self.draw.text((self.xy(v, self.y0)[0] - 6, self.h - self.m + 6), label.format(v), fill="black")

    def x_mark(self, x: float, label: str) -> None:
        """A vertical line at `x` (a budget, say), labelled at its top."""
        self.draw.line([self.xy(x, self.y0), self.xy(x, self.y1)], fill=(160, 160, 160))
        self.draw.text((self.xy(x, self.y1)[0] + 4, self.m + 4), label, fill=(120, 120, 120))

    def series(self, name: str, line: Sequence[Point] = (), dots: Sequence[Point] = ()) -> None:
        """The next colour: `line` joined (width 2), `dots` as points, `name` in the legend."""
        i = self.series_drawn
        colour = COLOURS[i % len(COLOURS)]
        if len(line) > 1:
            self.draw.line([self.xy(x, y) for x, y in line], fill=colour, width=2)
        for x, y in dots:
            px, py = self.xy(x, y)
            self.draw.ellipse([px - 2, py - 2, px + 2, py + 2], fill=colour)
        self.draw.text((self.m + 8, self.m + 8 + 14 * i), name, fill=colour)
        self.series_drawn += 1

    def save(self, path: Path, title: str, x_label: str) -> None:
        self.draw.text((self.m, 14), title, fill="black")
        self.draw.text((self.w - self.m - 6 * len(x_label) - 12, self.h - 18), x_label, fill="black")
        self.image.save(path)
