"""Polyline tool (L): click vertices; Enter or a double-click ends the line. Built on the
polygon tool's click-by-click drawing (polygon.py). To add a tool, see base.py."""

from __future__ import annotations

from ....model import Polyline
from .polygon import PathTool


class PolylineTool(PathTool):
    name = "polyline"
    shape_class = Polyline
    minimum = 2
    hint = (
        "Click to add vertices · Enter or double-click ends the line · Backspace removes the last vertex · Esc cancels"
    )
