"""Pens, brushes and colours of the canvas.

All pens are cosmetic (their width is in screen pixels at any zoom); fills are
semi-transparent so the image stays visible beneath a shape.
"""
from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QPen

# Distinct, readable colours for classes that have no colour yet (Tableau 10).
PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
           "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac")
NO_CLASS_COLOUR = "#d0d0d0"

CANVAS_BACKGROUND = QColor("#2b2b2b")
PLACEHOLDER_FILL = QColor("#3c3f41")
PLACEHOLDER_TEXT = QColor("#bbbbbb")

HANDLE_PX = 8            # vertex handle side, screen pixels
HANDLE_HOVER_PX = 11     # hovered vertex handle
POINT_PX = 9             # a Point shape's marker
HIT_PX = 6               # how close (screen px) the cursor must be to grab a vertex or an edge
MARGIN_PX = 8            # what a region item paints outside its outline (handles, markers)

FILL_ALPHA = 80
FILL_ALPHA_HOVER = 110
FILL_ALPHA_SELECTED = 90


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
