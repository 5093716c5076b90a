"""Several COCO instance-segmentation files as one: categories matched by name, image and
annotation ids renumbered, file names made to resolve from wherever the result is used.

Conflicts are errors naming the files: a class name defined twice in one file, one image
listed by two files, a file that is not COCO."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from trainer.dataset.decode import load_coco
from trainer.dataset.prepared import resolve_image_path
from trainer.errors import DatasetError


def merge_coco(sources: list[tuple[str | dict, str | None]], relative_to: str | None = None) -> dict[str, Any]:
    """Merge ``(coco file or dict, its image folder or None)`` pairs. File names become paths
    relative to ``relative_to`` (a folder) when given, else absolute. Each merged image records
    which source it came from (0-based) under ``"source_index"``."""
    categories: list[dict] = []
    by_name: dict[str, int] = {}
    images: list[dict] = []
    annotations: list[dict] = []
    seen: dict[str, str] = {}  # resolved image path -> the source listing it
    for index, (coco, folder) in enumerate(sources):
        data, name = load_coco(coco)
        root = Path(folder) if folder else (Path(coco).resolve().parent if isinstance(coco, str) else Path.cwd())
        category_map = _categories(data, name, categories, by_name)
        image_map: dict[Any, int] = {}
        for im in data["images"]:
            if not isinstance(im, dict) or "id" not in im or not im.get("file_name"):
                raise DatasetError(f"{name}: every image needs an 'id' and a 'file_name' (found {im!r:.80}).")
            path = os.path.abspath(resolve_image_path(str(im["file_name"]), root))
            if path in seen:
                raise DatasetError(
                    f"The image {path} is listed by both {seen[path]} and {name}: "
                    "an image may be in one of the files only (merge its annotations by hand, or drop it from one)."
                )
            seen[path] = name
            image_map[im["id"]] = len(images) + 1
            shown = os.path.relpath(path, relative_to) if relative_to else path
            images.append(dict(im, id=len(images) + 1, file_name=Path(shown).as_posix(), source_index=index))
        for a in data.get("annotations", []):
            if not isinstance(a, dict) or a.get("image_id") not in image_map:
                continue
            if a.get("category_id") not in category_map:
                raise DatasetError(
                    f"{name}: annotation {a.get('id')} has category_id {a.get('category_id')!r}, "
                    "which is not in its categories."
                )
            annotations.append(
                dict(
                    a,
                    id=len(annotations) + 1,
                    image_id=image_map[a["image_id"]],
                    category_id=category_map[a["category_id"]],
                )
            )
    return {"images": images, "annotations": annotations, "categories": categories}


def _categories(data: dict, name: str, categories: list[dict], by_name: dict[str, int]) -> dict[Any, int]:
    """This file's category id -> the merged id, adding the classes not seen before."""
    mapping: dict[Any, int] = {}
    names_here: set[str] = set()
    for c in data["categories"]:
        if not isinstance(c, dict) or "id" not in c or not str(c.get("name", "")).strip():
            raise DatasetError(f"{name}: every category needs an 'id' and a 'name' (found {c!r:.80}).")
        cname = str(c["name"])
        if cname in names_here:
            raise DatasetError(f"{name} defines the class '{cname}' twice: give each category its own name.")
        names_here.add(cname)
        if cname not in by_name:
            by_name[cname] = len(categories) + 1
            categories.append(dict(c, id=by_name[cname]))
        mapping[c["id"]] = by_name[cname]
    return mapping
