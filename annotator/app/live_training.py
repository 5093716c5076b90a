"""Live training while labelling, Qt-free: ``LiveSession`` is what the window's "Learn as I label"
toggle and the benchmark (tests/benchmarks/live_labelling_bench.py) both drive.

The user marks images done (``done``); once ``min_images`` are, one trainer child starts
(``trainer.live.supervisor.LiveChild``), warm-started from ``weights`` (the best previous run, or the
chosen weights), and every later done image, edit or removal reaches its data through the control
pipe. ``prelabel`` asks a predictor for the next image with the newest checkpoint, and
``finish`` turns the pre-label and what the user kept into the quality figure."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from polymask_common.text import plural
from trainer.choices import NAMED_WEIGHTS  # torch-free
from trainer.config import TrainConfig  # torch-free
from trainer.events import CheckpointSaved, Event, Failed, Finished, Step
from trainer.live.events import LiveSettings, LiveStatus
from trainer.live.supervisor import LiveChild

from .prelabel_quality import ImageQuality, append_quality, image_quality

MIN_IMAGES = 5
# (checkpoint, image file) → COCO annotations (category_id, polygon segmentation, score)
Predict = Callable[[Path, str], list[dict[str, Any]]]


def best_previous_weights(runs: list[Any], resolve: Callable[[str | None], Path | None]) -> str | None:
    """The checkpoint of the best recorded run (by its segm/bbox AP, else the newest), if on disk."""

    def score(run: Any) -> float:
        m = run.metrics or {}
        return float(m.get("segm_AP", m.get("bbox_AP", -1.0)) or -1.0)

    for run in sorted(runs, key=score, reverse=True):
        for stored in (run.best_checkpoint, run.last_checkpoint):
            path = resolve(stored)
            if path is not None and path.is_file():
                return str(path)
    return None


class LiveSession:
    def __init__(
        self,
        categories: list[dict[str, Any]],
        out: str | Path,
        train: dict[str, Any] | None = None,
        settings: LiveSettings | None = None,
        min_images: int = MIN_IMAGES,
        child: Callable[[TrainConfig, LiveSettings], LiveChild] = LiveChild,
    ):
        """`train`: TrainConfig fields (model, weights, batch size...); `out`: the run folder."""
        self.categories = list(categories)
        self.out = Path(out)
        self.train = dict(train or {})
        self.settings = settings or LiveSettings()
        self.min_images = min_images
        self._child_factory = child
        self.child: LiveChild | None = None
        self.done_images: dict[int, tuple[dict, list[dict], str | None]] = {}
        self.checkpoint: Path | None = None  # the newest checkpoint written
        self.checkpoints = 0
        self.status: LiveStatus | None = None
        self.step: Step | None = None
        self.ended: Event | None = None  # Finished or Failed
        self.quality: list[ImageQuality] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.listeners: list[Callable[[Event], None]] = []  # called on the session's thread

    # ------------------------------------------------------------------ the set
    def done(self, image: dict[str, Any], annotations: list[dict[str, Any]], path: str | None = None) -> None:
        """An image the user finished (or changed after finishing): into the running set."""
        path = str(Path(path).resolve()) if path else None  # the trainer runs in its run folder
        with self._lock:
            self.done_images[int(image["id"])] = (dict(image), list(annotations), path)
            child = self.child
        if child is not None:
            child.put(image, annotations, path)
        elif len(self.done_images) >= self.min_images and not self._stop.is_set():
            self.start()

    def remove(self, image_id: int) -> None:
        with self._lock:
            self.done_images.pop(int(image_id), None)
            child = self.child
        if child is not None:
            child.remove(image_id)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def status_text(self) -> str:
        if self.ended is not None:
            return f"stopped: {self.ended.reason}" if isinstance(self.ended, Failed) else "stopped"
        if self.child is None:
            need = self.min_images - len(self.done_images)
            return f"needs {plural(need, 'more labelled image')}"
        s = self.status
        if s is None and self.step is None:
            return "starting the trainer…"
        if s is not None and s.state == "paused":
            return "paused"
        step = self.step.global_step if self.step is not None else 0
        rate = f" · {s.seconds_per_step:.1f} s/step" if s is not None and s.seconds_per_step else ""
        return f"learning · step {step}{rate}"

    # ------------------------------------------------------------------ the process
    def start(self) -> None:
        with self._lock:
            if self.child is not None:
                return
            images = [im for im, _, _ in self.done_images.values()]
            anns = [dict(a, image_id=int(im["id"])) for im, aa, _ in self.done_images.values() for a in aa]
            for k, a in enumerate(anns, 1):
                a.setdefault("id", k)
            paths = {int(im["id"]): p for im, _, p in self.done_images.values() if p}
            coco = {
                "images": [dict(im, file_name=paths.get(int(im["id"]), im["file_name"])) for im in images],
                "annotations": anns,
                "categories": self.categories,
            }
            config = TrainConfig.from_dict({**self.train, "coco": coco, "out": str(self.out), "workers": 0})
            self.child = self._child_factory(config, self.settings)
        self._thread = threading.Thread(target=self._follow, daemon=True, name="live-training")
        self._thread.start()

    def _follow(self) -> None:
        assert self.child is not None
        try:
            for ev in self.child.events(self._stop):
                self._seen(ev)
        except Exception as exc:  # noqa: BLE001 - a supervisor that breaks ends the session, said
            self._seen(Failed(f"Live training's supervisor stopped: {type(exc).__name__}: {exc}"))

    def _seen(self, ev: Event) -> None:
        if isinstance(ev, CheckpointSaved):
            self.checkpoint, self.checkpoints = Path(ev.path), self.checkpoints + 1
        elif isinstance(ev, LiveStatus):
            self.status = ev
        elif isinstance(ev, Step):
            self.step = ev
        elif isinstance(ev, (Finished, Failed)):
            self.ended = ev
        for listener in list(self.listeners):
            listener(ev)

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the trainer (it writes a last checkpoint) and wait for its process to be gone."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive() and self.child is not None:
                self.child.kill()
                self._thread.join(5)

    # ------------------------------------------------------------------ pre-label and quality
    def prelabel(self, image_path: str, predict: Predict) -> tuple[list[dict[str, Any]] | None, Path | None]:
        """The pre-label of an image by the newest checkpoint: (annotations, that checkpoint).
        Before the live run wrote one, a warm start's own checkpoint is the newest; (None, None)
        while there is none."""
        ckpt = self.checkpoint
        if ckpt is None or not ckpt.is_file():
            warm = self.train.get("weights")
            ckpt = Path(warm) if isinstance(warm, str) and warm not in NAMED_WEIGHTS else None
        if ckpt is None or not ckpt.is_file():
            return None, None
        return predict(ckpt, image_path), ckpt

    def finish(
        self,
        image: dict[str, Any],
        kept: list[dict[str, Any]],
        predicted: list[dict[str, Any]] | None,
        started: float,
        path: str | None = None,
    ) -> ImageQuality:
        """The user finished `image` (opened at `started`, time.monotonic()): its quality figure,
        and the image goes into the live set."""
        size = (int(image.get("width") or 1), int(image.get("height") or 1))
        q = image_quality(int(image["id"]), predicted, kept, size, time.monotonic() - started)
        self.quality.append(q)
        append_quality(self.out, q)
        self.done(image, kept, path)
        return q
