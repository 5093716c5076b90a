"""The growing training set of live training (``trainer.live.loop``): images arrive, change and
leave while the run goes on. Newly added or edited images are drawn more often for a while
(``fresh_draws`` extra draws each), and every labelled image keeps being replayed. Every
``val_every``-th image to arrive is held out to validate on (what pausing is judged by)."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from trainer.dataset.instances import CocoInstances
from trainer.dataset.prepared import PreparedData, resolve_image_path
from trainer.errors import DatasetError


class LiveImages:
    """Image id → (COCO image, its annotations, its file), as a ``PreparedData`` the datasets read."""

    def __init__(self, categories: list[dict], image_root: Path, val_every: int = 5, fresh_draws: int = 8):
        if not categories:
            raise DatasetError("Live training needs at least one class.")
        self.p = PreparedData(
            coco={"images": [], "annotations": [], "categories": categories},
            source="live training",
            image_root=image_root,
            class_names=[str(c["name"]) for c in categories],
            category_ids=[int(c["id"]) for c in categories],
            train_ids=[],
            val_ids=[],
            paths={},
            sizes={},
            anns_by_image={},
            images_by_id={},
        )
        self.val_every, self.fresh_draws = val_every, fresh_draws
        self.arrived: list[int] = []  # image ids in the order they first arrived
        self.fresh: dict[int, int] = {}  # image id → extra draws left
        self.version = 0  # bumped on every change (a new label resumes a paused run)

    def put(self, image: dict[str, Any], annotations: list[dict[str, Any]], path: str | None = None) -> str:
        """Add or replace an image's targets; returns "added" or "updated"."""
        iid = int(image["id"])
        known = set(self.p.category_ids)
        bad = [a.get("category_id") for a in annotations if a.get("category_id") not in known]
        if bad:
            raise DatasetError(
                f"Image {image.get('file_name', iid)}: class id {bad[0]} is not one of this run's classes."
            )
        file = Path(path) if path else resolve_image_path(str(image["file_name"]), self.p.image_root)
        what = "updated" if iid in self.p.images_by_id else "added"
        self.p.images_by_id[iid] = dict(image)
        self.p.paths[iid] = file
        self.p.sizes[iid] = (int(image.get("width") or 1), int(image.get("height") or 1))
        self.p.anns_by_image[iid] = [dict(a, image_id=iid) for a in annotations]
        if what == "added":
            self.arrived.append(iid)
        if iid in self.train_ids:
            self.fresh[iid] = self.fresh_draws
        self.version += 1
        return what

    def remove(self, image_id: int) -> bool:
        iid = int(image_id)
        if iid not in self.p.images_by_id:
            return False
        for table in (self.p.images_by_id, self.p.paths, self.p.sizes, self.p.anns_by_image, self.fresh):
            table.pop(iid, None)
        self.arrived.remove(iid)
        self.version += 1
        return True

    @property
    def val_ids(self) -> list[int]:
        n = self.val_every
        return [iid for k, iid in enumerate(self.arrived, 1) if n and k % n == 0]

    @property
    def train_ids(self) -> list[int]:
        held = set(self.val_ids)
        return [iid for iid in self.arrived if iid not in held]

    def draw(self, rng: random.Random, share_fresh: float = 0.5) -> int:
        """One image id to train on: a fresh one `share_fresh` of the time while any is fresh,
        otherwise any training image (the replay)."""
        train = self.train_ids
        if not train:
            raise DatasetError("No labelled training image yet.")
        fresh = [i for i, n in self.fresh.items() if n > 0 and i in train]
        if fresh and rng.random() < share_fresh:
            iid = rng.choice(fresh)
            self.fresh[iid] -= 1
            return iid
        return rng.choice(train)

    def dataset(self, ids: list[int], transforms: Any, max_scale_for: tuple[int, int] | None) -> CocoInstances:
        return CocoInstances(self.p, ids, transforms, max_scale_for=max_scale_for)
