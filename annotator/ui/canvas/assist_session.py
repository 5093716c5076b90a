"""The Assist tool's link to the Qt-free assistant (annotator.assist): which backends, the
current image's pixels, and one lock so the worker threads take turns (the backends' caches
are not thread-safe). Every method here runs on a worker thread, never on the UI thread."""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path

import numpy as np

from ...app.model_choice import model_in_use
from ...assist import Assistant, Proposal, default_backends
from ...io.images import load_image
from ...io.paths import project_image_file
from ...model import ImageRecord, Project

IMAGES_KEPT = 3  # decoded photos kept (12 MB each at 2 MP): the image open now and the last two


class AssistSession:
    def __init__(self):
        self._lock = threading.Lock()
        self._assistant: Assistant | None = None
        self._checkpoint: Path | None = None
        self._pixels: OrderedDict[str, np.ndarray] = OrderedDict()

    def _for(self, project: Project) -> Assistant:
        """The assistant for ``project``: made again when the model that pre-labels it changes
        (the user's choice, else the best run that finished an epoch: never one stopped inside its first)."""
        option = model_in_use(project).option
        checkpoint = option.checkpoint if option is not None else None
        if self._assistant is None or checkpoint != self._checkpoint:
            self._assistant = Assistant(default_backends(checkpoint))
            self._checkpoint = checkpoint
        return self._assistant

    def _image(self, project: Project, record: ImageRecord) -> np.ndarray:
        key = record.key
        if key not in self._pixels:
            self._pixels[key] = np.asarray(load_image(project_image_file(project, record)))
            while len(self._pixels) > IMAGES_KEPT:
                self._pixels.popitem(last=False)
        self._pixels.move_to_end(key)
        return self._pixels[key]

    def prepare(self, project: Project, record: ImageRecord) -> str:
        """Decode the image and let the chosen backend compute its features; the status line."""
        with self._lock:
            assistant = self._for(project)
            name = assistant.prepare(record.key, self._image(project, record))
            return self.status(assistant, name)

    def propose(self, project: Project, record: ImageRecord, box, clicks, tolerance: float) -> tuple[Proposal, str]:
        with self._lock:
            assistant = self._for(project)
            p = assistant.propose(record.key, self._image(project, record), box, clicks, tolerance)
            return p, self.status(assistant, p.backend)

    @staticmethod
    def status(assistant: Assistant, name: str | None) -> str:
        skipped = [n for n in assistant.notes if n != name]
        return f"{name or 'no backend'}" + (f"; {', '.join(skipped)} not ready" if skipped else "")

    def notes(self) -> dict[str, str]:
        return dict(self._assistant.notes) if self._assistant is not None else {}


def segmenter_files(session: AssistSession) -> list:
    """The promptable segmenter's model files not here yet ([] when none are missing or osam is
    not installed). Runs on a worker: importing osam takes seconds."""
    from ...assist import SegmenterBackend

    assistant = session._assistant
    backends = assistant.backends if assistant is not None else []
    seg = next((b for b in backends if isinstance(b, SegmenterBackend)), None)
    if seg is None:
        return []
    try:
        return [f for f in seg.files().values() if not f.present]
    except Exception:  # noqa: BLE001 - osam missing: nothing to fetch, the note says what to install
        return []


def forget_backends(session: AssistSession) -> None:
    """Choose the backends again (a model file arrived). No lock: a worker still using the old
    assistant finishes with it, the next call makes a new one."""
    session._assistant = None
