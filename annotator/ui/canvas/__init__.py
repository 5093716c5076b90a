"""The annotation canvas: renders one image and its
regions, turns gestures into model edits emitted through `edit_requested`."""

from .canvas import Canvas

__all__ = ["Canvas"]
