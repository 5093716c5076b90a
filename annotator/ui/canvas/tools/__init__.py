"""The canvas' tools, one module each; `TOOLS` maps a tool's name (the actions' names in
annotator/ui/actions.py) to its class. How to add one: base.py."""

from .assist import AssistTool
from .base import CanvasContext, Drag, Tool
from .brush import BrushTool, EraserTool
from .circle import CircleTool
from .ellipse import EllipseTool
from .point import PointTool
from .polygon import HoleTool, PartTool, PolygonTool
from .polyline import PolylineTool
from .rectangle import RectTool
from .select import SelectTool

TOOLS: dict[str, type[Tool]] = {
    t.name: t
    for t in (
        SelectTool,
        PolygonTool,
        RectTool,
        CircleTool,
        EllipseTool,
        PointTool,
        PolylineTool,
        PartTool,
        HoleTool,
        BrushTool,
        EraserTool,
        AssistTool,
    )
}
__all__ = ["TOOLS", "CanvasContext", "Drag", "Tool"]
