"""The assist backends that need no download: GrabCut, and the project's own trained model.

Every backend has the same small interface: ``problem()`` (None when usable, else why not, in a
sentence), ``prepare(key, image)`` (the heavy per-image part, run in a worker when an image opens)
and ``propose(key, image, box, clicks, tolerance) -> Proposal``."""

from __future__ import annotations

import time
from collections.abc import Hashable, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from .grabcut import grabcut, grabcut_around_click
from .proposal import DEFAULT_TOLERANCE, Box, Click, Proposal


class AssistUnavailable(Exception):
    """A backend cannot answer (no model file, offline, a broken file): the next one is tried."""


class Backend(Protocol):
    name: str

    def problem(self) -> str | None: ...

    def prepare(self, key: Hashable, image: np.ndarray) -> None: ...

    def propose(
        self, key: Hashable, image: np.ndarray, box: Box | None, clicks: Sequence[Click], tolerance: float
    ) -> Proposal: ...


def _image_size(image: np.ndarray) -> tuple[int, int]:
    return int(image.shape[0]), int(image.shape[1])


class GrabCutBackend:
    name = "grabcut"

    def problem(self) -> str | None:
        return None

    def prepare(self, key: Hashable, image: np.ndarray) -> None:
        return None  # nothing to compute ahead

    def propose(self, key, image, box, clicks=(), tolerance=DEFAULT_TOLERANCE) -> Proposal:
        start = time.perf_counter()
        clicks = list(clicks)
        if box is None:
            mask, origin, score = grabcut_around_click(image, clicks)
        else:
            mask, origin, score = grabcut(image, box, clicks)
        p = Proposal.from_mask(mask, origin, _image_size(image), score, self.name, None, tolerance)
        return _timed(p, start)


class OwnModelBackend:
    """The project's trained Mask R-CNN: its RoI heads on the user's box over cached backbone
    features. With clicks (or ``refine``), GrabCut starts from the model's mask and takes the
    clicks as hard labels. A click without a box picks the detection it falls on."""

    def __init__(self, checkpoint: str | Path, refine: bool = False, cache_size: int = 3):
        self.checkpoint = Path(checkpoint)
        self.refine = refine
        self.cache_size = cache_size
        self.name = "model+grabcut" if refine else "model"
        self._segmenter: Any = None
        self._problem: str | None = None

    def problem(self) -> str | None:
        if self._problem is None and not self.checkpoint.is_file():
            self._problem = f"The model file {self.checkpoint} does not exist."
        return self._problem

    def _loaded(self):
        if self._segmenter is None:
            if self.problem():
                raise AssistUnavailable(self._problem)
            try:
                from trainer.errors import TrainerError
                from trainer.inference.box_prompt import BoxSegmenter

                try:
                    self._segmenter = BoxSegmenter.from_checkpoint(self.checkpoint, "cpu", self.cache_size)
                except TrainerError as e:
                    self._problem = str(e)
                    raise AssistUnavailable(self._problem) from None
            except ImportError as e:  # a labelling-only install has no torch
                self._problem = f"The trained model needs PyTorch, which is not installed ({e.name})."
                raise AssistUnavailable(self._problem) from None
        return self._segmenter

    def prepare(self, key, image) -> None:
        self._loaded().prepare(key, image)

    def propose(self, key, image, box, clicks=(), tolerance=DEFAULT_TOLERANCE) -> Proposal:
        start = time.perf_counter()
        seg = self._loaded()
        clicks = list(clicks)
        size = _image_size(image)
        if box is None:
            found = _detection_under(seg.detections(key, image), clicks)
            if found is None:  # the model sees nothing there: GrabCut round the click
                return GrabCutBackend().propose(key, image, None, clicks, tolerance)
            box = _bbox_of(found.crop, found.origin)
        else:
            found = seg.segment(key, image, box)
        mask, origin, score = found.crop, found.origin, found.score
        name = self.name
        if self.refine or clicks:
            mask, origin, _ = grabcut(image, box, clicks, prior=(found.crop, found.origin))
            name = "model+grabcut"
        p = Proposal.from_mask(mask, origin, size, score, name, found.class_name, tolerance)
        return _timed(p, start)


def _detection_under(found, clicks: list[Click]):
    """The best-scoring detection whose mask holds the first positive click."""
    pos = [c for c in clicks if c[2]]
    if not pos:
        return None
    x, y = int(pos[0][0]), int(pos[0][1])
    for d in found:  # best first
        ox, oy = d.origin
        if 0 <= y - oy < d.crop.shape[0] and 0 <= x - ox < d.crop.shape[1] and d.crop[y - oy, x - ox]:
            return d
    return None


def _bbox_of(mask: np.ndarray, origin: tuple[int, int]) -> Box:
    ys, xs = np.nonzero(mask)
    return (origin[0] + xs.min(), origin[1] + ys.min(), origin[0] + xs.max() + 1.0, origin[1] + ys.max() + 1.0)


def _timed(p: Proposal, start: float) -> Proposal:
    object.__setattr__(p, "seconds", time.perf_counter() - start)
    return p
