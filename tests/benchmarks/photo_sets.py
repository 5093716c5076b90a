"""Train/val sets for the quality benchmarks: a public VIA set when given (balloon's train/val,
the VIA tutorial's weapons), else a generated stand-in of real-sized, EXIF-rotated photos."""

from __future__ import annotations

import json
from pathlib import Path

from tests.real_photos import write_tutorial_layout
from tests.trainer.photo_coco import photos_to_coco

STANDIN = {"train": (60, 1), "val": (13, 2)}  # balloon's official split: 61 train / 13 val
STANDIN_SIZES = ((2048, 1536), (1024, 768), (4000, 3000))


def standin(root: Path) -> dict[str, tuple[str, str]]:
    """{"train" | "val": (COCO file, image folder)} of generated photos (written once under ``root``)."""
    sets = {}
    for name, (n, seed) in STANDIN.items():
        coco, images = root / f"{name}.json", root / name / "train"
        if not coco.is_file():
            photos = write_tutorial_layout(
                root / name, layout="balloon", sizes=STANDIN_SIZES, orientations=(1, 6, 1, 8), n=n, seed=seed
            )
            coco.write_text(json.dumps(photos_to_coco(photos)), encoding="utf-8")
        sets[name] = (str(coco), str(images))
    return sets


def via_as_coco(via: str, images: str, out: Path) -> tuple[str, str]:
    """A VIA file (any version) and its image folder as (COCO file, image folder), through Polymask's reader."""
    from annotator.io import fill_image_sizes, read_file
    from annotator.io.coco import project_to_coco

    project = read_file(via, images=images).project
    fill_image_sizes(project)
    out.write_text(json.dumps(project_to_coco(project)), encoding="utf-8")
    return str(out), images
