"""What readers return and raise: errors that name the file and what is wrong."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..model import Problem, Project
from ..model.validation import printable


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
