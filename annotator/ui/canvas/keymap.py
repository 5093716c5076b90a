"""The keys the canvas handles itself while it has focus, as one table (napari's key
bindings): each row names a command, which the active tool handles with `on_<command>`
when it has one (returning True), else the canvas with its default. The F1 list shows
the rows' texts, so it cannot disagree with what the keys do."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt

K = Qt.Key


@dataclass(frozen=True)
class Binding:
    command: str  # "" for a row the canvas handles by other means (listed only)
    keys: tuple[Qt.Key, ...]
    label: str  # the keys as the F1 list shows them
    text: str
    claims_shortcut: bool = False  # taken before the window's shortcut of the same key, when the tool has it


KEYMAP = [
    Binding("finish", (K.Key_Return, K.Key_Enter), "Enter", "Close the polygon / polyline"),
    Binding("step_back", (K.Key_Backspace,), "Backspace, Ctrl+Z", "Remove the last vertex while drawing"),
    Binding("cancel", (K.Key_Escape,), "Esc", "Cancel drawing, else clear the selection"),
    Binding(
        "delete",
        (K.Key_Delete,),
        "Del, Shift+click",
        "Delete the selection / hovered vertex (a triangle hole or part: the ring)",
    ),
    Binding("grow", (K.Key_BracketRight,), "], [", "Larger / smaller brush or eraser (while that tool is on)", True),
    Binding("shrink", (K.Key_BracketLeft,), "", "", True),
    Binding(
        "nudge", (K.Key_Left, K.Key_Right, K.Key_Up, K.Key_Down), "Arrows", "Nudge the selection 1 px (Shift: 10 px)"
    ),
    Binding("", (K.Key_Space,), "Space+drag", "Pan"),
    Binding("", (), "Wheel", "Zoom at the cursor"),
]

_BY_KEY = {key: b for b in KEYMAP if b.command for key in b.keys}


def binding_for(key: int) -> Binding | None:
    return _BY_KEY.get(Qt.Key(key)) if key in _BY_KEY else None


def shortcut_list() -> list[tuple[str, str]]:
    """(text, keys) rows for the F1 list."""
    return [(b.text, b.label) for b in KEYMAP if b.text]


NUDGE = {K.Key_Left: (-1.0, 0.0), K.Key_Right: (1.0, 0.0), K.Key_Up: (0.0, -1.0), K.Key_Down: (0.0, 1.0)}
NUDGE_SHIFT_PX = 10.0
