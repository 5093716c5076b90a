"""What is selected on the canvas, the clipboard and the arrow-key nudge, without Qt.

The canvas asks this object which regions a click selects and which edit a copy /
paste / delete / nudge makes; it only renders the answer. Kept here, Qt-free, so the
rules are tested without a view and any tool (select, assist, ...) shares them.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Iterable

from ..model import Edit, ImageRecord, RemoveRegions, Shape, paste_edit, set_shapes_edit

PASTE_OFFSET = 10.0  # image pixels each further paste onto the same image moves by
_tags = itertools.count(1)


class Selection:
    """The selected region ids of the image shown (in selection order), the copied regions
    and the undo tag that merges a run of nudges into one step."""

    def __init__(self) -> None:
        self.ids: list[int] = []
        self._clipboard: list[tuple[Shape, dict]] = []
        self._clip_key: str | None = None
        self._paste_count = 0
        self._nudge_tag: tuple[str, int] | None = None

    # ---- which regions -----------------------------------------------------------
    def set(self, ids: Iterable[int]) -> bool:
        """Select `ids` (duplicates dropped); True when the selection changed."""
        new = list(dict.fromkeys(ids))
        if new == self.ids:
            return False
        self.ids = new
        self._nudge_tag = None
        return True

    def after_click(self, region_id: int | None, shift: bool = False, ctrl: bool = False) -> list[int]:
        """The selection a click on `region_id` (None: on nothing) makes: Ctrl toggles it,
        Shift adds it, a plain click selects it alone unless it is already selected
        (so a drag moves the whole selection)."""
        self._nudge_tag = None
        if region_id is None:
            return self.ids if (shift or ctrl) else []
        if ctrl:
            return [i for i in self.ids if i != region_id] if region_id in self.ids else [*self.ids, region_id]
        if region_id in self.ids:
            return list(self.ids)
        return [*self.ids, region_id] if shift else [region_id]

    def target(self) -> int | None:
        """The one selected object a part, hole or brush stroke goes to (None: none or several)."""
        return self.ids[0] if len(self.ids) == 1 else None

    def forget(self, gone: Iterable[int]) -> bool:
        """Drop regions that no longer exist; True when the selection changed."""
        gone = set(gone)
        if not gone & set(self.ids):
            return False
        self.ids = [i for i in self.ids if i not in gone]
        return True

    def new_image(self) -> None:
        """Another image is shown: pastes start again at the copied position."""
        self._paste_count = 0

    def has_clipboard(self) -> bool:
        return bool(self._clipboard)

    # ---- the edits it makes ----------------------------------------------------------
    def copy(self, record: ImageRecord) -> int:
        """Copy the selected regions' shapes and attributes; the number copied."""
        if not self.ids:
            return 0
        self._clipboard = [(record.region(i).shape, copy.deepcopy(record.region(i).attributes)) for i in self.ids]
        self._clip_key = record.key
        self._paste_count = 0
        return len(self._clipboard)

    def paste(self, record: ImageRecord, width: float | None, height: float | None) -> tuple[Edit, list[int]] | None:
        """The edit adding the copies (moved on by each paste onto the image they came from) and their ids."""
        if not self._clipboard:
            return None
        if record.key == self._clip_key:
            self._paste_count += 1
        offset = PASTE_OFFSET * self._paste_count
        return paste_edit(self._clipboard, record.key, offset, offset, width, height)

    def delete(self, record: ImageRecord) -> Edit | None:
        if not self.ids:
            return None
        n = len(self.ids)
        return RemoveRegions(record.key, list(self.ids), "Delete shape" if n == 1 else f"Delete {n} shapes")

    def nudge(self, record: ImageRecord, dx: float, dy: float) -> Edit | None:
        """Move the selection by (dx, dy); nudges in a row merge into one undo step."""
        if not self.ids:
            return None
        if self._nudge_tag is None:
            self._nudge_tag = ("canvas-nudge", next(_tags))
        changes = [(i, record.region(i).shape, record.region(i).shape.translated(dx, dy)) for i in self.ids]
        n = len(changes)
        return set_shapes_edit(record.key, changes, "Nudge shape" if n == 1 else f"Nudge {n} shapes", self._nudge_tag)
