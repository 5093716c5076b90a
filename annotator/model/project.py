"""The project: ordered images, their regions, attribute definitions and classes.

Plain data, no Qt and no I/O. Every change the window makes goes through an
`Edit` (edits.py) so it can be undone; readers build projects directly.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .attributes import DEFAULT_CLASS, AmbiguousClass, AttributeDef, choose_class_attribute
from .project_data import PolymaskData
from .records import ImageRecord, Region
from .snapshot import SnapshotCache


@dataclass
class Project:
    images: list[ImageRecord] = field(default_factory=list)
    region_attributes: dict[str, AttributeDef] = field(default_factory=dict)
    file_attributes: dict[str, AttributeDef] = field(default_factory=dict)
    class_attribute: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)  # VIA's _via_settings
    extra: dict[str, Any] = field(default_factory=dict)  # unknown top-level keys
    polymask: PolymaskData = field(default_factory=PolymaskData)  # our own key (runs, colours, split...)
    path: Path | None = None  # the project file, when it has one
    image_root: Path | None = None  # folder image file names are relative to

    # ---- images -------------------------------------------------------------
    def image(self, key: str) -> ImageRecord:
        """The image with VIA key `key` (the first, if listed twice).

        Every edit and canvas refresh looks images up, so a scan of 10,000 keys
        (over a millisecond) would sit on the vertex-drag path. An index is kept
        instead, checked on each hit, since callers change `images` freely."""
        index = self.__dict__.get("_index")
        if index is not None:
            i = index.get(key)
            if i is not None and i < len(self.images) and self.images[i].key == key:
                return self.images[i]
        index = {}
        for i, im in enumerate(self.images):
            index.setdefault(im.key, i)
        self.__dict__["_index"] = index
        if key not in index:
            raise KeyError(f"no image {key!r} in the project")
        return self.images[index[key]]

    def iter_regions(self) -> Iterator[tuple[ImageRecord, Region]]:
        for im in self.images:
            for r in im.regions:
                yield im, r

    def image_path(self, image: ImageRecord) -> Path:
        root = self.image_root or (self.path.parent if self.path else Path("."))
        return root / image.filename

    # ---- classes ------------------------------------------------------------
    def ensure_class_attribute(self, preferred: str | None = None) -> None:
        """Choose the class attribute if it was not chosen yet."""
        if self.class_attribute is None or preferred:
            self.class_attribute = choose_class_attribute(self.region_attributes, preferred)

    @property
    def class_def(self) -> AttributeDef | None:
        return self.region_attributes.get(self.class_attribute) if self.class_attribute else None

    def class_names(self) -> list[str]:
        """Classes in a stable order: the attribute's options, then values seen only in regions."""
        attr = self.class_def
        if attr is None:
            return [DEFAULT_CLASS] if any(im.regions for im in self.images) else []
        names = list(attr.options)
        seen = set(names)
        for _, region in self.iter_regions():
            try:
                name = attr.class_of(region.attributes)
            except AmbiguousClass:
                continue
            if name is not None and name not in seen:
                seen.add(name)
                names.append(name)
        return names

    def class_of(self, region: Region) -> str | None:
        """The region's class; None if unset. Raises AmbiguousClass (never guesses)."""
        attr = self.class_def
        if attr is None:
            return DEFAULT_CLASS if not self.region_attributes else None
        return attr.class_of(region.attributes)

    def class_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(self.class_names(), 0)
        for _, region in self.iter_regions():
            try:
                name = self.class_of(region)
            except AmbiguousClass:
                continue
            if name is not None:
                counts[name] = counts.get(name, 0) + 1
        return counts

    def class_colours(self) -> dict[str, str]:
        return self.polymask.class_colours

    # ---- learnt facts and copies ------------------------------------------------
    def learn_size(self, image: ImageRecord, width: int, height: int) -> bool:
        """The image's size as displayed, read from its file: a fact, not an edit (nothing to
        undo), kept with the project's next save. True when it was not known so."""
        if (image.width, image.height) == (width, height):
            return False
        image.width, image.height = width, height
        self.__dict__.setdefault("_learnt", set()).add(image.key)
        return True

    def take_learnt(self) -> set[str]:
        """The keys of images whose size was learnt since the last call."""
        return self.__dict__.pop("_learnt", set())

    def snapshot(self, cache: SnapshotCache | None = None) -> Project:
        """A copy to write on another thread while editing goes on (autosave); `cache` reuses
        the copies of images unchanged since its last snapshot (annotator.model.snapshot)."""
        return (cache or SnapshotCache()).take(self)
