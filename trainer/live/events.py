"""Events and settings of live training that plain runs do not have (torch-free)."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, fields
from typing import Any, ClassVar

from polymask_common.text import plural
from trainer.errors import ConfigError
from trainer.events import Event, event_from_dict


@dataclass
class LiveStatus(Event):
    """The live run's state: "waiting" (too few images), "learning", "paused" (validation loss
    stopped improving; the next new label resumes it); with the set's size and the step."""

    kind: ClassVar[str] = "live"
    state: str
    step: int
    train_images: int
    val_images: int
    val_loss: float | None = None
    seconds_per_step: float | None = None
    message: str = ""


@dataclass
class LivePrediction(Event):
    """The answer to a ``predict`` control message: the live model's instances on one image, with
    the weights of step ``step`` (the newest there are), as ``trainer.inference.predict.Instance.to_dict()``
    (label, class_name, score, box, polygons); ``error`` says why there are none when it failed."""

    kind: ClassVar[str] = "live_prediction"
    key: str
    step: int
    instances: list[dict[str, Any]]
    error: str = ""


LIVE_EVENTS: dict[str, type[Event]] = {LiveStatus.kind: LiveStatus, LivePrediction.kind: LivePrediction}


def live_event_from_dict(d: dict[str, Any]) -> Event:
    cls = LIVE_EVENTS.get(str(d.get("kind")))
    if cls is not None:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})
    return event_from_dict(d)


def default_threads() -> int:
    """Leave one core to the window."""
    return max(1, (os.cpu_count() or 2) - 1)


@dataclass
class LiveSettings:
    min_images: int = 1  # training images before the first step (the app waits for more itself)
    fresh_draws: int = 8  # extra draws of a newly added or edited image
    share_fresh: float = 0.5  # the share of draws that go to fresh images while there are any
    val_every: int = 5  # every n-th image to arrive validates (0: none, and the run never pauses)
    eval_every_steps: int = 40
    patience: int = 3  # evaluations without a better validation loss before pausing
    checkpoint_every_s: float = 20.0
    threads: int = 0  # 0: all cores but one
    nice: int = 10

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> LiveSettings:
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(d or {}) - names)
        if unknown:
            raise ConfigError(f"{plural(len(unknown), 'unknown live-training setting')}: {', '.join(unknown)}.")
        return cls(**(d or {}))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
