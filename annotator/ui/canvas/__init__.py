"""The annotation canvas: renders one image and its regions and turns gestures into model
edits emitted through `edit_requested`. canvas.py is the widget; view.py (zoom, pan, pyramid),
region_layer.py (items mirror the model), tools/ (one module per tool; adding one: tools/base.py),
keymap.py (its keys, read by F1) and events.py (Qt events to tool calls) are its parts."""

from .canvas import Canvas

__all__ = ["Canvas"]
