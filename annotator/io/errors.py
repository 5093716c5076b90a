"""What readers return and raise: errors that name the file and what is wrong."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..model import Problem, Project
from ..model.validation import printable
from .disk_state import DiskState


class FormatError(Exception):
    """Nothing usable could be read from `path`; the message says why."""

    def __init__(self, path, message: str):
        self.path = Path(path) if path is not None else None
        self.reason = message
        super().__init__(printable(f"{path}: {message}" if path is not None else message))


@dataclass
class ReadResult:
    """A project read from a file, and the problems met on the way.

    Bad regions are left out and listed in `problems`; the rest imports.
    """

    project: Project
    format: str
    problems: list[Problem] = field(default_factory=list)
    disk: DiskState | None = None  # a project file: the state of the bytes read (the base of the next save)


# What a conversion did that loses nothing but should be said (one summary line each):
# printed as notes, not counted as problems in `polymask convert`'s exit code.
POLYLINE_AS_POLYGON = "polyline-as-polygon"
LABELME_FILE_RENAMED = "labelme-file-renamed"
EXTRACTED_IMAGE = "extracted-image"
SPECIAL_LABEL_LEFT_OUT = "special-label-left-out"
CLOSING_VERTEX = "closing-vertex"
NOTE_KINDS = frozenset(
    {POLYLINE_AS_POLYGON, LABELME_FILE_RENAMED, EXTRACTED_IMAGE, SPECIAL_LABEL_LEFT_OUT, CLOSING_VERTEX}
)


def split_notes(problems: list[Problem]) -> tuple[list[Problem], list[Problem]]:
    """(the problems, the notes) of what a reader or writer returned."""
    return [p for p in problems if p.kind not in NOTE_KINDS], [p for p in problems if p.kind in NOTE_KINDS]
