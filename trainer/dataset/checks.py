"""The training data checked before a run, said in one line: polygons that intersect themselves
(repaired with shapely's ``make_valid``) or have no area (dropped), objects too small to learn at
the model's input size, training images without objects, classes with few objects.

Nothing here stops a run: the line is a warning and training goes on. The window's pre-flight list
and ``polymask validate`` use the same thresholds (``TINY_PX``, ``FEW_OBJECTS``)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from shapely.geometry import Polygon
from shapely.validation import make_valid

from polymask_common.text import plural

TINY_PX = 4  # an object narrower than this at the input size leaves the detector almost nothing to see
FEW_OBJECTS = 5  # a class with fewer training objects is rarely learned
DEFAULT_INPUT = (320, 640)  # the fast model's min_size, max_size (trainer.model.registry reads it here)


@dataclass
class DataChecks:
    repaired: int = 0  # self-intersecting polygons made valid
    degenerate: int = 0  # polygon parts without area, dropped
    tiny: int = 0  # training objects under TINY_PX at the input size
    input_size: int = 0
    empty_images: int = 0  # training images without objects
    few: dict[str, int] = field(default_factory=dict)  # class -> training objects, when < FEW_OBJECTS

    def line(self) -> str | None:
        """One line for the run's log, or None when all is well."""
        said = []
        if self.repaired:
            said.append(f"{plural(self.repaired, 'self-intersecting polygon')} repaired (shapely make_valid)")
        if self.degenerate:
            said.append(f"{plural(self.degenerate, 'polygon part')} without area dropped")
        if self.tiny:
            said.append(f"{plural(self.tiny, 'object')} under {TINY_PX} px at the {self.input_size}-px input size")
        if self.empty_images:
            said.append(f"{plural(self.empty_images, 'training image')} without objects (used as background)")
        if self.few:
            classes = ", ".join(f"'{name}' {n}" for name, n in self.few.items())
            said.append(f"class(es) with under {FEW_OBJECTS} training objects: {classes} (label more)")
        return "Data checks: " + "; ".join(said) + "; training goes on." if said else None


def repair_rings(segmentation: Any) -> tuple[Any, int, int]:
    """A COCO polygon list with each self-intersecting ring replaced by the outlines of its valid
    parts and rings without area left out: (segmentation, rings repaired, rings dropped). RLE
    masks are returned as they are."""
    if not isinstance(segmentation, list):
        return segmentation, 0, 0
    rings, repaired, dropped = [], 0, 0
    for ring in segmentation:
        if not isinstance(ring, (list, tuple)) or len(ring) < 6:
            rings.append(ring)
            continue
        poly = Polygon(list(zip(ring[0::2], ring[1::2])))
        if poly.is_valid and poly.area > 0:
            rings.append(ring)
            continue
        parts = _polygons(make_valid(poly))
        if not parts:
            dropped += 1
            continue
        repaired += 1
        rings += [[float(c) for xy in part.exterior.coords[:-1] for c in xy] for part in parts]
    return rings, repaired, dropped


def _polygons(geom) -> list[Polygon]:
    if isinstance(geom, Polygon):
        return [geom] if geom.area > 0 else []
    return [p for g in getattr(geom, "geoms", []) for p in _polygons(g)]


def _short_side(ann: dict) -> float | None:
    """The shorter side of an object's box in image pixels (its bbox, else its polygons')."""
    bbox = ann.get("bbox")
    if isinstance(bbox, (list, tuple)) and len(bbox) == 4:
        return float(min(bbox[2], bbox[3]))
    seg = ann.get("segmentation")
    if not isinstance(seg, list):
        return None
    xs = [float(v) for ring in seg if isinstance(ring, (list, tuple)) for v in ring[0::2]]
    ys = [float(v) for ring in seg if isinstance(ring, (list, tuple)) for v in ring[1::2]]
    return min(max(xs) - min(xs), max(ys) - min(ys)) if xs and ys else None


def input_scale(width: int, height: int, min_size: int, max_size: int) -> float:
    """The factor the model resizes an image by (torchvision's GeneralizedRCNNTransform)."""
    return min(min_size / max(1, min(width, height)), max_size / max(1, max(width, height)))


def check_and_repair(prepared: Any, min_size: int, max_size: int) -> DataChecks:
    """Repair the polygons of every image of a ``trainer.dataset.prepared.PreparedData`` in place (train
    and val alike) and count the rest over the training images. (Not imported here: the window's
    pre-flight imports this module and must not load torch.)"""
    checks = DataChecks(input_size=min_size)
    for anns in prepared.anns_by_image.values():
        for a in anns:
            seg, repaired, dropped = repair_rings(a.get("segmentation"))
            if repaired or dropped:
                a["segmentation"] = seg
                checks.repaired += repaired
                checks.degenerate += dropped
    counts: Counter[int] = Counter()
    for iid in prepared.train_ids:
        anns = [a for a in prepared.anns_by_image.get(iid, []) if not a.get("iscrowd")]
        if not anns:
            checks.empty_images += 1
        width, height = prepared.sizes[iid]
        scale = input_scale(width, height, min_size, max_size)
        for a in anns:
            counts[a["category_id"]] += 1
            size = _short_side(a)
            if size is not None and size * scale < TINY_PX:
                checks.tiny += 1
    checks.few = {
        name: counts[cid]
        for name, cid in zip(prepared.class_names, prepared.category_ids)
        if 0 < counts[cid] < FEW_OBJECTS
    }
    return checks
