"""The backends in the order they are tried, and the one answer the tool and the CLI ask for:
``Assistant.propose(key, image, box, clicks) -> Proposal``.

Order: the project's own model (when a finished run has a checkpoint), the promptable segmenter
(when ``polymask[assist]`` is installed and its files are here), GrabCut (always). A backend that
turns out unusable (a broken file) is skipped from then on, and ``notes`` says why."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from pathlib import Path

import numpy as np

from .backends import AssistUnavailable, Backend, GrabCutBackend, OwnModelBackend
from .proposal import DEFAULT_TOLERANCE, Box, Click, Proposal
from .segmenter import DEFAULT_SEGMENTER, SegmenterBackend

BACKEND_CHOICES = ("model", "osam", "grabcut")


def default_backends(checkpoint: str | Path | None = None, segmenter: str = DEFAULT_SEGMENTER) -> list[Backend]:
    out: list[Backend] = []
    if checkpoint is not None:
        out.append(OwnModelBackend(checkpoint))
    out.append(SegmenterBackend(segmenter))
    out.append(GrabCutBackend())
    return out


def backends_named(
    choice: str, checkpoint: str | Path | None = None, segmenter: str = DEFAULT_SEGMENTER
) -> list[Backend]:
    """One backend asked for by name (``model`` needs a checkpoint)."""
    if choice == "model":
        if checkpoint is None:
            raise AssistUnavailable("The model backend needs a checkpoint (--checkpoint).")
        return [OwnModelBackend(checkpoint)]
    if choice == "model+grabcut":
        if checkpoint is None:
            raise AssistUnavailable("The model backend needs a checkpoint (--checkpoint).")
        return [OwnModelBackend(checkpoint, refine=True)]
    if choice in ("osam", *SegmenterBackend.known()):
        return [SegmenterBackend(DEFAULT_SEGMENTER if choice == "osam" else choice)]
    if choice == "grabcut":
        return [GrabCutBackend()]
    raise AssistUnavailable(f"Unknown backend {choice!r}; choose one of {', '.join(BACKEND_CHOICES)}.")


class Assistant:
    def __init__(self, backends: Sequence[Backend]):
        self.backends = list(backends)
        self.notes: dict[str, str] = {}  # backend name → why it is skipped

    def usable(self) -> list[Backend]:
        out = []
        for b in self.backends:
            why = self.notes.get(b.name) or b.problem()
            if why:
                self.notes[b.name] = why
            else:
                out.append(b)
        return out

    @property
    def current(self) -> Backend | None:
        usable = self.usable()
        return usable[0] if usable else None

    def prepare(self, key: Hashable, image: np.ndarray) -> str | None:
        """The chosen backend's per-image work; the name of the backend that did it."""
        for b in self.usable():
            try:
                b.prepare(key, image)
                return b.name
            except AssistUnavailable as e:
                self.notes[b.name] = str(e)
        return None

    def propose(
        self,
        key: Hashable,
        image: np.ndarray,
        box: Box | None,
        clicks: Sequence[Click] = (),
        tolerance: float = DEFAULT_TOLERANCE,
    ) -> Proposal:
        if box is None and not clicks:
            raise ValueError("A proposal needs a box or a click.")
        for b in self.usable():
            try:
                return b.propose(key, image, box, list(clicks), tolerance)
            except AssistUnavailable as e:
                self.notes[b.name] = str(e)
        raise AssistUnavailable("; ".join(f"{n}: {why}" for n, why in self.notes.items()) or "No backend.")
