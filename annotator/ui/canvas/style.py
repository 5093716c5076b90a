"""Pens, brushes and colours of the canvas.

All pens are cosmetic (their width is in screen pixels at any zoom); fills are
semi-transparent so the image stays visible beneath a shape.
"""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QPen

from ..theme import NO_CLASS_COLOUR as NO_CLASS_COLOUR  # one grey for regions without a class

# Distinct, readable colours for classes that have no colour yet (Tableau 10).
PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac")

CANVAS_BACKGROUND = QColor("#2b2b2b")
PLACEHOLDER_FILL = QColor("#3c3f41")
PLACEHOLDER_TEXT = QColor("#bbbbbb")

HANDLE_PX = 8  # vertex handle side, screen pixels
HANDLE_HOVER_PX = 11  # hovered vertex handle
POINT_PX = 9  # a Point shape's marker
HIT_PX = 6  # how close (screen px) the cursor must be to grab a vertex or an edge
MARGIN_PX = 8  # what a region item paints outside its outline (handles, markers)

FILL_ALPHA = 80
FILL_ALPHA_HOVER = 110
FILL_ALPHA_SELECTED = 90

# Outlines: the class colour over a wider halo of the opposite lightness, so an outline
# stays visible on any photo, even on an object of its own colour (a blue balloon).
OUTLINE_PX, OUTLINE_EMPHASIS_PX = 2.0, 3.0
HALO_EXTRA_PX = 3.0  # the halo shows this much (1.5 px each side) around the outline
LABEL_POINT_SIZE = 8.5


def fill_alphas(opacity_percent: int) -> tuple[int, int, int]:
    """(normal, hovered, selected) fill alpha for the View menu's fill opacity."""
    base = round(255 * min(max(opacity_percent, 0), 100) / 100)
    return base, min(255, base + 30), min(255, base + 10)


@lru_cache(maxsize=256)
def contrast_colour(colour: str) -> str:
    """Black behind light colours, white behind dark ones (perceived luminance)."""
    c = QColor(colour)
    luminance = 0.299 * c.red() + 0.587 * c.green() + 0.114 * c.blue()
    return "#000000" if luminance >= 80 else "#ffffff"


@lru_cache(maxsize=256)
def text_colour_on(colour: str) -> str:
    """Black or white text, whichever reads better on a box of `colour`."""
    c = QColor(colour)
    return "#000000" if 0.299 * c.red() + 0.587 * c.green() + 0.114 * c.blue() >= 150 else "#ffffff"


def palette_colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


@lru_cache(maxsize=256)
def outline_pen(colour: str, width: float) -> QPen:
    pen = QPen(QColor(colour), width)
    pen.setCosmetic(True)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return pen


@lru_cache(maxsize=256)
def fill_brush(colour: str, alpha: int) -> QBrush:
    c = QColor(colour)
    c.setAlpha(alpha)
    return QBrush(c)


@lru_cache(maxsize=64)
def point_pen(colour: str, width: float, round_cap: bool = False) -> QPen:
    """A cosmetic pen that draws each point of drawPoints() as a square (or disc) of `width` px."""
    pen = QPen(QColor(colour), width)
    pen.setCosmetic(True)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap if round_cap else Qt.PenCapStyle.SquareCap)
    return pen


@lru_cache(maxsize=8)
def dashed_pen(colour: str, width: float = 1.5) -> QPen:
    pen = QPen(QColor(colour), width, Qt.PenStyle.DashLine)
    pen.setCosmetic(True)
    return pen
