"""What of an open project live training learns from (issue 22), Qt-free: the window's "Learn as
I label" asks ``LiveFeed.sync(keys)`` after edits, and hands the operations it returns to its
``LiveSession`` (off the window's thread).

The set is the images marked done and those whose predictions were accepted. An image that
joins is put; one whose regions change while in the set is put again (its targets replaced);
one that leaves (marked to do again, or gone from the project) is removed. The first time an
image is marked done while learning, it is *finished*: its pre-label (if it had one) and the
time spent on it become the quality figure (``LiveSession.finish``). Classes are the project's
when learning started (the model's head is fixed); regions of a class added later are left out
and named in ``new_classes``."""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from ..io.coco import project_to_coco
from ..model import Edit, EditGroup, Project

ANN_KEYS = ("category_id", "segmentation", "area", "bbox", "iscrowd")


@dataclass(frozen=True)
class Put:
    image: dict[str, Any]
    annotations: list[dict[str, Any]]
    path: str


@dataclass(frozen=True)
class Remove:
    image_id: int


@dataclass(frozen=True)
class Finish:
    image: dict[str, Any]
    annotations: list[dict[str, Any]]
    predicted: list[dict[str, Any]] | None  # the pre-label shown, None when there was none
    seconds: float
    path: str


Op = Put | Remove | Finish


@dataclass(frozen=True)
class PrelabelInstance:
    """One object of a live pre-label, as the trainer child sends it
    (``trainer.inference.predict.Instance.to_dict()``, without its mask): what the Pre-label panel lists,
    the canvas outlines and Accept turns into polygons."""

    class_name: str
    score: float
    polygons: list[list[float]]
    box: tuple[float, float, float, float]
    label: int = 0

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PrelabelInstance:
        x0, y0, x1, y1 = (float(v) for v in d.get("box") or (0, 0, 0, 0))
        polygons = [list(map(float, p)) for p in d.get("polygons") or []]
        return cls(
            str(d.get("class_name")), float(d.get("score", 0.0)), polygons, (x0, y0, x1, y1), int(d.get("label", 0))
        )


def prelabel_annotations(
    instances: list[PrelabelInstance], categories: list[dict[str, Any]], threshold: float
) -> list[dict[str, Any]]:
    """The instances at or above `threshold` as COCO annotations of `categories` (by class name)."""
    ids = {c["name"]: c["id"] for c in categories}
    out = []
    for inst in instances:
        polys = [list(map(float, p)) for p in (inst.polygons or []) if len(p) >= 6]
        if inst.score >= threshold and polys and inst.class_name in ids:
            out.append({"category_id": ids[inst.class_name], "segmentation": polys, "score": float(inst.score)})
    return out


def is_accept(edit: Edit) -> bool:
    """Accepting predictions (annotator.app.accept names its edit "Accept N prediction(s)")."""
    return isinstance(edit, EditGroup) and edit.text.startswith("Accept ")


def next_to_label(project: Project, key: str) -> str | None:
    """The first image after `key` (in project order, wrapping) that is not done; None when all are."""
    keys = [im.key for im in project.images]
    start = keys.index(key) + 1 if key in keys else 0
    for k in keys[start:] + keys[:start]:
        if k != key and not project.image(k).done:
            return k
    return None


class LiveFeed:
    def __init__(self, project: Project):
        self.project = project
        empty = copy.copy(project)
        empty.images = []
        self.categories: list[dict[str, Any]] = [
            {"id": c["id"], "name": c["name"]} for c in project_to_coco(empty)["categories"]
        ]
        self._known = {c["id"] for c in self.categories}
        self.ids: dict[str, int] = {}  # image key → the image id the trainer knows it by
        self.sent: dict[str, str] = {}  # image key → fingerprint of the targets sent
        self.accepted: set[str] = set()  # images whose predictions were accepted
        self.finished: set[str] = set()
        self.prelabels: dict[str, list[dict[str, Any]]] = {}  # image key → the pre-label shown
        self.new_classes: set[str] = set()
        self._seconds: dict[str, float] = {}
        self._shown: tuple[str, float] | None = None  # (key, when it was opened)

    # ---- time on each image ------------------------------------------------------------
    def shown(self, key: str | None, now: float) -> None:
        """The window shows `key` from `now` on (None: nothing)."""
        if self._shown is not None:
            old, since = self._shown
            self._seconds[old] = self._seconds.get(old, 0.0) + now - since
        self._shown = (key, now) if key is not None else None

    def seconds_on(self, key: str, now: float) -> float:
        extra = now - self._shown[1] if self._shown is not None and self._shown[0] == key else 0.0
        return self._seconds.get(key, 0.0) + extra

    # ---- the set -----------------------------------------------------------------------
    def in_set(self, key: str) -> bool:
        try:
            im = self.project.image(key)
        except KeyError:
            return False
        return im.done or key in self.accepted

    def entry(self, key: str) -> tuple[dict[str, Any], list[dict[str, Any]], str] | None:
        """(COCO image, its annotations, its file) as the trainer takes them; None when the
        image cannot be given (its size is unknown and its file unreadable)."""
        im = self.project.image(key)
        one = copy.copy(self.project)
        one.images = [im]
        coco = project_to_coco(one)
        if not coco["images"]:
            return None
        image_id = self.ids.setdefault(key, len(self.ids) + 1)
        c = coco["images"][0]
        image = {"id": image_id, "file_name": c["file_name"], "width": c["width"], "height": c["height"]}
        names = {cat["id"]: cat["name"] for cat in coco["categories"]}
        anns = []
        for a in coco["annotations"]:
            if a["category_id"] in self._known:
                anns.append({k: a[k] for k in ANN_KEYS if k in a})
            else:
                self.new_classes.add(str(names.get(a["category_id"], a["category_id"])))
        return image, anns, str(self.project.image_path(im).resolve())

    def sync(self, keys, now: float, initial: bool = False) -> list[Op]:
        """The operations that bring the trainer's set up to date for `keys`. `initial`: the
        images already done when learning starts (put, never finished: no pre-label helped)."""
        ops: list[Op] = []
        for key in dict.fromkeys(keys):
            if not self.in_set(key):
                if self.sent.pop(key, None) is not None:
                    ops.append(Remove(self.ids[key]))
                continue
            entry = self.entry(key)
            if entry is None:
                continue
            image, anns, path = entry
            mark = hashlib.sha1(json.dumps(anns, sort_keys=True).encode()).hexdigest()
            done = self.project.image(key).done
            if initial and done:
                self.finished.add(key)
            if done and key not in self.finished:
                self.finished.add(key)
                ops.append(Finish(image, anns, self.prelabels.get(key), self.seconds_on(key, now), path))
            elif self.sent.get(key) != mark:
                ops.append(Put(image, anns, path))
            self.sent[key] = mark
        return ops

    def all_keys(self) -> list[str]:
        """Every image of the project, and those sent that have left it since."""
        return list(dict.fromkeys([im.key for im in self.project.images] + list(self.sent)))

    def prelabel_annotations(self, instances: list, threshold: float) -> list[dict[str, Any]]:
        """A model's instances shown at `threshold`, as COCO annotations of this set's classes."""
        return prelabel_annotations(instances, self.categories, threshold)
