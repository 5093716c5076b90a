"""A project's records: one image (`ImageRecord`) and one labelled object on it (`Region`),
with the round-trip data each keeps for the formats it came from."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from .shapes import Shape

_region_ids = itertools.count(1)
# Our own round-trip data of a region or image (the COCO annotation as read, labelme's
# fields, ...) lives under this one key of its `extra`; every other key there came from
# the source file and is written back whatever its name.
OWN_KEY = "_polymask"


def own_data(item: Region | ImageRecord, create: bool = False) -> dict[str, Any]:
    """The round-trip data we keep on `item` (a new dict in it when `create`)."""
    if create:
        return item.extra.setdefault(OWN_KEY, {})
    found = item.extra.get(OWN_KEY)
    return found if isinstance(found, dict) else {}


def new_region_id() -> int:
    """Ids are unique in the process, so edits can address regions across images."""
    return next(_region_ids)


@dataclass
class Region:
    shape: Shape
    attributes: dict[str, Any] = field(default_factory=dict)
    id: int = field(default_factory=new_region_id)
    # Format-specific data that must survive a round trip (e.g. COCO annotation id,
    # an RLE that is written back unchanged while the shape is not edited).
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class ImageRecord:
    """One image: `filename` is relative to the project's image root (or a URL)."""

    filename: str
    size: int = -1  # file size in bytes, part of VIA's key; -1 when unknown
    width: int | None = None  # as displayed, i.e. after EXIF orientation
    height: int | None = None
    file_attributes: dict[str, Any] = field(default_factory=dict)
    regions: list[Region] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # unknown VIA keys survive
    via_key: str | None = None  # the key VIA used for this image, kept on save
    done: bool = False

    @property
    def key(self) -> str:
        """VIA's image key: file name followed by file size."""
        return self.via_key or f"{self.filename}{self.size}"

    def region(self, region_id: int) -> Region:
        for r in self.regions:
            if r.id == region_id:
                return r
        raise KeyError(f"no region {region_id} in {self.filename}")

    def region_index(self, region_id: int) -> int:
        for i, r in enumerate(self.regions):
            if r.id == region_id:
                return i
        raise KeyError(f"no region {region_id} in {self.filename}")
