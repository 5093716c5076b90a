"""Polymask's own data in a project (the project file's ``_polymask`` key), typed: the training
runs, the model chosen to pre-label with, class colours, the train/val split, the stored image
folder, where an annotation file's project came from, and other formats' round-trip state. Keys
this version does not know (a newer Polymask's, another tool's) are kept in ``extra`` and written
back unchanged; so are a run record's. Image sizes, done flags and the class attribute live on the
Project itself (annotator.io.native reads and writes them)."""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass, field
from typing import Any


@dataclass
class RunRecord:
    """One training run, as the Runs list shows it; paths relative to the project's folder."""

    dir: str | None = None
    model: str | None = None
    status: str | None = None  # running | finished | stopped | failed
    started: str | None = None  # ISO time
    continues: str | None = None  # the `started` of the finished run (same folder) this one goes on from
    epochs: int | None = None
    epochs_done: int | None = None
    best_checkpoint: str | None = None
    last_checkpoint: str | None = None
    metrics: dict[str, Any] = field(default_factory=dict)
    design: str | None = None  # how it ran: process, thread, cli
    device: str | None = None
    classes: list[str] | None = None
    images_per_s: float | None = None
    error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # keys of other versions, kept

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RunRecord:
        known = {f.name for f in dataclasses.fields(cls)} - {"extra"}
        run = cls(**{k: v for k, v in d.items() if k in known})
        if not isinstance(run.metrics, dict):
            run.extra["metrics"], run.metrics = run.metrics, {}
        run.extra.update({k: v for k, v in d.items() if k not in known})
        return run

    def to_dict(self) -> dict[str, Any]:
        d = dict(self.extra)
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name != "extra" and (value is not None or f.name in _ALWAYS_WRITTEN):
                d[f.name] = value
        if not self.metrics and isinstance(self.extra.get("metrics"), (list, str, int, float)):
            d["metrics"] = self.extra["metrics"]  # a malformed value read is written back as it was
        return d


_ALWAYS_WRITTEN = ("dir", "model", "status", "best_checkpoint", "last_checkpoint")


@dataclass
class PolymaskData:
    runs: list[RunRecord] = field(default_factory=list)
    class_colours: dict[str, str] = field(default_factory=dict)  # class name -> colour name
    split: dict[str, str] | None = None  # image file name -> train | val
    image_root: str | None = None  # the image folder as stored (relative to the project file)
    source: dict[str, Any] | None = None  # the annotation file this project was made from
    coco: dict[str, Any] | None = None  # a COCO file's header and categories, for writing it back
    via_data_format_version: Any = None  # of the VIA file read (written back as it was)
    current_image: str | None = None  # the file name of the image shown last: the window reopens there
    brush_radius: float | None = None  # the brush's and eraser's size (image px), kept between sessions
    ignored_images: list[str] = field(default_factory=list)  # files in the image folders not to offer again
    train_settings: dict[str, Any] = field(default_factory=dict)  # the Train panel's remembered choices (weights...)
    prediction_model: str | None = None  # the checkpoint the user chose to pre-label with (None: the best run)
    extra: dict[str, Any] = field(default_factory=dict)  # keys this version does not know, kept
    read: frozenset[str] = field(default=frozenset(), compare=False, repr=False)  # the keys the file had

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PolymaskData:
        """From the ``_polymask`` object (without the keys the reader takes: images, format...).
        A value of the wrong type is kept in ``extra`` as read and written back unchanged."""
        data = cls()
        for key, value in d.items():
            if key == "runs" and isinstance(value, list) and all(isinstance(r, dict) for r in value):
                data.runs = [RunRecord.from_dict(r) for r in value]
            elif key in _TYPED and key != "runs" and isinstance(value, _TYPED[key]):
                setattr(data, key, value)
            else:
                data.extra[key] = value
        data.read = frozenset(d)
        return data

    def to_dict(self) -> dict[str, Any]:
        d = dict(self.extra)
        # an empty list is written where the file had one (not over a malformed value kept in extra)
        if self.runs or ("runs" in self.read and "runs" not in self.extra):
            d["runs"] = [r.to_dict() for r in self.runs]
        if self.class_colours or ("class_colours" in self.read and "class_colours" not in self.extra):
            d["class_colours"] = dict(self.class_colours)
        if self.train_settings:
            d["train_settings"] = dict(self.train_settings)
        if self.ignored_images:
            d["ignored_images"] = list(self.ignored_images)
        for key in (
            "split",
            "image_root",
            "source",
            "coco",
            "via_data_format_version",
            "current_image",
            "brush_radius",
            "prediction_model",
        ):
            if getattr(self, key) is not None:
                d[key] = getattr(self, key)
        return d

    def copy(self) -> PolymaskData:
        return copy.deepcopy(self)


_TYPED: dict[str, type | tuple[type, ...]] = {
    "runs": list,
    "class_colours": dict,
    "split": dict,
    "image_root": str,
    "source": dict,
    "coco": dict,
    "via_data_format_version": (str, int, float),
    "current_image": str,
    "brush_radius": (int, float),
    "ignored_images": list,
    "train_settings": dict,
    "prediction_model": str,
}
