"""Events yielded by ``fit``: the CLI prints them, the GUI plots them.

Every event has ``kind`` and a JSON-safe ``to_dict()``; ``event_from_dict`` rebuilds one,
so training can run in a subprocess that streams events as JSON lines.
"""

from __future__ import annotations

import dataclasses
import math
import typing
from dataclasses import dataclass, field
from typing import Any, ClassVar

METRIC_KEYS = ("bbox_AP", "bbox_AP50", "bbox_AP75", "segm_AP", "segm_AP50", "segm_AP75")


def json_safe(v: Any) -> Any:
    if isinstance(v, float):
        return v if math.isfinite(v) else None  # NaN/inf are not JSON
    if isinstance(v, dict):
        return {str(k): json_safe(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [json_safe(x) for x in v]
    if hasattr(v, "item") and callable(v.item):  # numpy / torch scalars
        return json_safe(v.item())
    return v


@dataclass
class Event:
    kind: ClassVar[str] = "event"

    def to_dict(self) -> dict[str, Any]:
        d = {f.name: json_safe(getattr(self, f.name)) for f in dataclasses.fields(self)}
        d["kind"] = self.kind
        return d


@dataclass
class Started(Event):
    kind: ClassVar[str] = "started"
    run_dir: str
    device: str
    model: str
    num_train_images: int
    num_val_images: int
    class_names: list[str]
    iters_per_epoch: int
    epochs: int
    start_epoch: int = 1
    world_size: int = 1
    recipe: dict[str, Any] = field(default_factory=dict)  # trainer.run.recipe.describe: norm, schedule, anchors...


@dataclass
class Step(Event):
    kind: ClassVar[str] = "step"
    epoch: int
    iteration: int  # 1-based within the epoch
    global_step: int
    iters_per_epoch: int
    losses: dict[str, float]
    total: float
    lr: float
    images_per_s: float
    memory_mb: float


@dataclass
class EpochEnd(Event):
    kind: ClassVar[str] = "epoch"
    epoch: int
    val_losses: dict[str, float]
    metrics: dict[str, float | None]
    seconds: float


PREVIEW_SCORE = 0.5  # a preview shows the instances scoring at least this


@dataclass
class Preview(Event):
    kind: ClassVar[str] = "preview"
    epoch: int
    items: list[dict[str, Any]]  # per image: file_name, width, height, instances scoring >= PREVIEW_SCORE


@dataclass
class CheckpointSaved(Event):
    kind: ClassVar[str] = "checkpoint"
    path: str
    epoch: int
    best: bool = False


@dataclass
class WarningEvent(Event):
    kind: ClassVar[str] = "warning"
    message: str


@dataclass
class Finished(Event):
    kind: ClassVar[str] = "finished"
    run_dir: str
    best_checkpoint: str | None
    last_checkpoint: str | None
    stopped: bool = False
    metrics: dict[str, Any] = field(default_factory=dict)


@dataclass
class Failed(Event):
    kind: ClassVar[str] = "failed"
    reason: str
    detail: str | None = None


# Every event ``fit`` yields. Handlers ``match`` on it and end with ``case _: unhandled(ev)``,
# so a type checker names the case that a new event type would miss.
TrainerEvent = Started | Step | EpochEnd | Preview | CheckpointSaved | WarningEvent | Finished | Failed

EVENT_TYPES: dict[str, type[Event]] = {cls.kind: cls for cls in typing.get_args(TrainerEvent)}


def as_trainer_event(ev: Event) -> TrainerEvent:
    """`ev` as one of the types ``fit`` yields (checked), for a ``match`` that must cover them all."""
    if type(ev) not in EVENT_TYPES.values():
        raise TypeError(f"not a trainer event: {ev!r}")
    return typing.cast(TrainerEvent, ev)


def unhandled(ev: typing.NoReturn) -> typing.NoReturn:
    """The ``case _:`` of such a match (``typing.assert_never``, which Python 3.10 lacks)."""
    raise AssertionError(f"unhandled trainer event: {ev!r}")


def event_from_dict(d: dict[str, Any]) -> Event:
    """Rebuild an event from ``to_dict()`` output (unknown extra keys are ignored)."""
    kind = d.get("kind")
    cls = EVENT_TYPES.get(kind)  # type: ignore[arg-type]
    if cls is None:
        raise ValueError(f"Unknown event kind {kind!r}")
    names = {f.name for f in dataclasses.fields(cls)}
    return cls(**{k: v for k, v in d.items() if k in names})
