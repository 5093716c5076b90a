"""Which images and classes a run uses: a COCO dataset read, checked and split, in passes.

``prepare`` reads the file, resolves and checks each image, groups the annotations per image
(dropping empty shapes and unknown categories, with a warning), keeps the classes that can be
learned (labels 1..K in the order of the user's category ids) and splits train/val: the user's
split, else a stable hash of the file name."""

from __future__ import annotations

import hashlib
import os
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from pycocotools import mask as mask_utils

from polymask_common.text import plural
from trainer.dataset.decode import decode_segmentation, load_coco, oriented_size
from trainer.dataset.empty_objects import segmentation_area
from trainer.errors import DatasetError


@dataclass
class PreparedData:
    coco: dict
    source: str
    image_root: Path
    class_names: list[str]
    category_ids: list[int]  # user's category id for label i+1
    train_ids: list[int]
    val_ids: list[int]
    paths: dict[int, Path]
    sizes: dict[int, tuple[int, int]]  # oriented (w, h)
    anns_by_image: dict[int, list[dict]]
    images_by_id: dict[int, dict]
    warnings: list[str] = field(default_factory=list)

    @property
    def label_of(self) -> dict[int, int]:
        return {cid: i + 1 for i, cid in enumerate(self.category_ids)}

    def val_ground_truth(self) -> dict:
        """COCO dict of the val subset with the user's ids, for pycocotools COCOeval."""
        return self.ground_truth(self.val_ids)

    def ground_truth(self, image_ids: list[int]) -> dict:
        images: list[dict] = []
        anns: list[dict] = []
        cats = set(self.category_ids)
        for iid in image_ids:
            w, h = self.sizes[iid]
            images.append(
                {"id": iid, "file_name": self.images_by_id[iid].get("file_name", ""), "width": w, "height": h}
            )
            for a in self.anns_by_image.get(iid, []):
                if a["category_id"] not in cats:
                    continue
                a2 = {k: a[k] for k in ("category_id", "segmentation", "bbox", "iscrowd", "area") if k in a}
                a2["image_id"] = iid
                a2.setdefault("iscrowd", 0)
                if "segmentation" not in a2 or "bbox" not in a2 or "area" not in a2:
                    m = decode_segmentation(a.get("segmentation"), h, w)
                    rle = mask_utils.encode(np.asfortranarray(m))
                    a2.setdefault("area", float(mask_utils.area(rle)))
                    a2.setdefault("bbox", [float(x) for x in mask_utils.toBbox(rle)])
                    a2.setdefault("segmentation", {"size": [h, w], "counts": rle["counts"].decode("ascii")})
                # COCOeval treats a matched gt id of 0 as "unmatched": renumber from 1.
                a2["id"] = len(anns) + 1
                anns.append(a2)
        categories = [{"id": cid, "name": n} for cid, n in zip(self.category_ids, self.class_names)]
        return {"images": images, "annotations": anns, "categories": categories}


def stable_val_score(file_name: str) -> float:
    """A value in [0, 1) that depends only on the file name (same split on every machine)."""
    digest = hashlib.sha1(Path(file_name).as_posix().encode("utf-8")).hexdigest()
    return int(digest[:12], 16) / float(16**12)


def resolve_image_path(file_name: str, root: Path) -> Path:
    p = Path(file_name)
    if p.is_absolute():
        return p
    cand = root / p
    if cand.exists():
        return cand
    # Exports from other tools sometimes keep a folder prefix the user flattened away.
    flat = root / p.name
    return flat if flat.exists() else cand


def prepare(
    coco: str | dict,
    images: str | None,
    val_fraction: float = 0.2,
    split: dict[str, str] | None = None,
    check_images: bool = True,
    strict_classes: bool = True,
) -> PreparedData:
    """Read and check a COCO dataset. ``strict_classes=False`` (evaluation) tolerates classes with
    no annotations instead of refusing to train on them."""
    data, source = load_coco(coco)
    if images:
        root = Path(images)
    else:
        root = Path(coco).resolve().parent if isinstance(coco, (str, os.PathLike)) else Path.cwd()
    cats, anns = _structure(data, source, strict_classes)
    found = _read_images(data, root, source, check_images)
    grouped = _group_annotations(anns, found, {c["id"] for c in cats}, source)
    kept, class_warnings = _classes(cats, grouped, source, strict_classes)
    class_names = [str(c.get("name", c["id"])) for c in kept]
    category_ids = [c["id"] for c in kept]
    train_ids, val_ids = _split(found.images_by_id, val_fraction, split, source)
    warnings = found.warnings + grouped.warnings + class_warnings
    if strict_classes:
        warnings += _classes_missing_from_training(train_ids, grouped.by_image, class_names, category_ids)
    return PreparedData(
        coco=data,
        source=source,
        image_root=root,
        class_names=class_names,
        category_ids=category_ids,
        train_ids=train_ids,
        val_ids=val_ids,
        paths=found.paths,
        sizes=found.sizes,
        anns_by_image=dict(grouped.by_image),
        images_by_id=found.images_by_id,
        warnings=warnings,
    )


def _structure(data: dict, source: str, strict_classes: bool) -> tuple[list[dict], list[dict]]:
    """(categories sorted by id, annotations): refuses a dataset with nothing to train on."""
    if not data["images"]:
        raise DatasetError(f"{source} has no images: nothing to train on.")
    cats = [c for c in data["categories"] if isinstance(c, dict) and "id" in c]
    if not cats:
        raise DatasetError(f"{source} defines no categories (classes): add at least one class and label some objects.")
    anns = [a for a in data.get("annotations", []) if isinstance(a, dict)]
    if not anns and strict_classes:
        raise DatasetError(f"{source} has no annotations: label at least one object before training.")
    return sorted(cats, key=lambda c: c["id"]), anns


@dataclass
class _Images:
    images_by_id: dict[int, dict] = field(default_factory=dict)
    paths: dict[int, Path] = field(default_factory=dict)
    sizes: dict[int, tuple[int, int]] = field(default_factory=dict)  # as displayed (EXIF applied)
    warnings: list[str] = field(default_factory=list)


def _read_images(data: dict, root: Path, source: str, check_images: bool) -> _Images:
    """Resolve every image under ``root`` and read its size; missing and unreadable ones are skipped
    with a warning (objectless images are kept: they are negatives)."""
    found = _Images()
    missing, unreadable = [], []
    for im in data["images"]:
        if not isinstance(im, dict) or "id" not in im or not im.get("file_name"):
            continue
        iid = im["id"]
        path = resolve_image_path(str(im["file_name"]), root)
        if not check_images:
            found.sizes[iid] = (int(im.get("width") or 0), int(im.get("height") or 0))
        elif not path.is_file():
            missing.append(str(path))
            continue
        else:
            try:
                found.sizes[iid] = oriented_size(path)
            except Exception as e:  # noqa: BLE001 - PIL raises many types
                unreadable.append(f"{path} ({type(e).__name__}: {e})")
                continue
        found.images_by_id[iid] = im
        found.paths[iid] = path
    if missing:
        found.warnings.append(
            _list_message(
                f"Skipped {plural(len(missing), 'image')} listed in {source} that "
                f"{'is' if len(missing) == 1 else 'are'} not in {root}",
                missing,
            )
        )
    if unreadable:
        found.warnings.append(_list_message(f"Skipped {plural(len(unreadable), 'unreadable image')}", unreadable))
    if not found.images_by_id:
        raise DatasetError(
            f"None of the {len(data['images'])} images listed in {source} could be read from {root}: "
            "check the image folder (--images). " + " ".join(found.warnings)
        )
    if check_images:
        mismatched = [
            str(found.paths[i].name)
            for i, im in found.images_by_id.items()
            if im.get("width") and im.get("height") and (int(im["width"]), int(im["height"])) != found.sizes[i]
        ]
        if mismatched:
            found.warnings.append(
                _list_message(
                    f"{plural(len(mismatched), 'image')} {'differs' if len(mismatched) == 1 else 'differ'} in size "
                    f"from {source} (EXIF rotation?); "
                    "annotations are used in the orientation shown",
                    mismatched,
                )
            )
    return found


@dataclass
class _Annotations:
    by_image: dict[int, list[dict]] = field(default_factory=lambda: defaultdict(list))
    count: dict[int, int] = field(default_factory=lambda: defaultdict(int))  # per category id
    empty_count: dict[int, int] = field(default_factory=lambda: defaultdict(int))  # zero-area shapes per category
    warnings: list[str] = field(default_factory=list)


def _group_annotations(anns: list[dict], found: _Images, cat_ids: set[int], source: str) -> _Annotations:
    """Annotations per readable image; unknown categories and shapes that cover no pixel are left out
    with a warning (training would otherwise drop them without a word)."""
    out = _Annotations()
    orphans = 0
    empty: list[dict] = []
    for a in anns:
        if a.get("image_id") not in found.images_by_id:
            continue
        if a.get("category_id") not in cat_ids:
            orphans += 1
            continue
        w, h = found.sizes.get(a["image_id"], (0, 0))
        if w > 0 and h > 0 and not a.get("iscrowd") and segmentation_area(a.get("segmentation"), h, w) == 0:
            empty.append(a)
            out.empty_count[a["category_id"]] += 1
            continue
        out.by_image[a["image_id"]].append(a)
        out.count[a["category_id"]] += 1
    if orphans:
        out.warnings.append(
            f"Ignored {plural(orphans, 'annotation')} in {source} whose category_id is not in its categories."
        )
    if empty:
        out.warnings.append(
            _list_message(
                f"Ignored {plural(len(empty), 'object')} in {source} whose shape is empty or has zero area (no "
                "segmentation, fewer than three points, all points on a line, or outside the image); the model cannot "
                f"learn from {'it' if len(empty) == 1 else 'them'}",
                [f"{found.images_by_id[a['image_id']].get('file_name')} (annotation id {a.get('id')})" for a in empty],
            )
        )
    return out


def _classes(cats: list[dict], anns: _Annotations, source: str, strict_classes: bool) -> tuple[list[dict], list[str]]:
    """(the categories trained as classes, warnings). A class with no object refuses training
    (strict), except a Roboflow-style parent category, which is left out with a warning."""
    supercats = {c.get("supercategory") for c in cats}
    kept, warnings = [], []
    for c in cats:
        name = c.get("name", c["id"])
        if anns.count[c["id"]]:
            kept.append(c)
        elif c.get("name") in supercats:
            warnings.append(
                f"Category '{c.get('name')}' (id {c['id']}) has no annotations and is a parent "
                "category of others; it is not trained as a class."
            )
        elif not strict_classes:
            kept.append(c)
        elif anns.empty_count[c["id"]]:
            raise DatasetError(
                f"Class '{name}' (category id {c['id']}) in {source} has only empty "
                f"or zero-area shapes ({anns.empty_count[c['id']]}): draw polygons around its objects "
                "or remove the class."
            )
        else:
            raise DatasetError(
                f"Class '{name}' (category id {c['id']}) in {source} has no "
                "annotations: label at least one example of it or remove the class."
            )
    if strict_classes and not sum(anns.count.values()):
        raise DatasetError(f"{source}: no annotation belongs to a readable image; nothing to learn from.")
    return kept, warnings


def _split(
    images_by_id: dict[int, dict], val_fraction: float, split: dict[str, str] | None, source: str
) -> tuple[list[int], list[int]]:
    """(train ids, val ids): the user's split by file name (or base name), else a stable hash of it."""
    train_ids: list[int] = []
    val_ids: list[int] = []
    for iid, im in images_by_id.items():
        fn = str(im["file_name"])
        chosen = (split.get(fn) or split.get(Path(fn).name)) if split else None
        if chosen is None:
            chosen = "val" if stable_val_score(fn) < val_fraction else "train"
        (val_ids if chosen == "val" else train_ids).append(iid)
    if val_fraction > 0 and not val_ids and len(train_ids) >= 2 and not split:
        # Tiny datasets: make sure there is something to validate on.
        pick = min(train_ids, key=lambda i: stable_val_score(str(images_by_id[i]["file_name"])))
        train_ids.remove(pick)
        val_ids.append(pick)
    if not train_ids:
        raise DatasetError(f"{source}: no images are left for training after the train/val split.")
    return train_ids, val_ids


def _classes_missing_from_training(
    train_ids: list[int], by_image: dict[int, list[dict]], class_names: list[str], category_ids: list[int]
) -> list[str]:
    counts: dict[int, int] = defaultdict(int)
    for iid in train_ids:
        for a in by_image.get(iid, []):
            if not a.get("iscrowd"):
                counts[a["category_id"]] += 1
    lacking = [n for n, cid in zip(class_names, category_ids) if not counts[cid]]
    if not lacking:
        return []
    return [
        f"Class(es) {', '.join(map(repr, lacking))} have no examples in the training split "
        "(all are in validation); the model cannot learn them."
    ]


def _list_message(head: str, items: list[str], limit: int = 5) -> str:
    shown = ", ".join(items[:limit])
    more = f" and {len(items) - limit} more" if len(items) > limit else ""
    return f"{head}: {shown}{more}."
