"""Does labelme see what Polymask means? Each VIA set is converted by `polymask convert` to
labelme files and to COCO; the instance masks labelme derives from the labelme files (its own
reader and ``shape_to_mask``, grouped as its labelme2coco.py does) are compared with the COCO
export's masks (pycocotools), object by object: each COCO object against the labelme instance
of its image and class with the highest IoU. Also checks that every file has its image size.

Prints one JSON line: per set, objects on each side, mean / min IoU, objects under 0.95,
files without sizes, and which labelme drew the masks ("labelme X.Y.Z" or "encoded rules"
of tests/io/labelme_rules.py when the package is absent). labelme draws polygons with PIL
(pixel centres, outline included), pycocotools by pixel area, so thin objects differ by a
pixel rim whoever wrote them: the "rasteriser floor" is the IoU of each COCO polygon drawn
both ways, what labelme's own labelme2coco.py gets between its segmentation and its mask;
`objects_below_floor` counts objects whose labelme mask agrees less than that, and
`same_rasteriser_min_iou` compares labelme's masks with the COCO polygons drawn by labelme's rule.

    python tests/benchmarks/labelme_agreement_bench.py --out DIR \\
        [--set gunsword /work/data/gunsword/via_region_data.json /work/data/gunsword/data] \\
        [--set balloon /work/data/balloon/train/via_region_data.json /work/data/balloon/train] \\
        [--labelme-python /path/to/venv-with-labelme/bin/python]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from annotator.cli import main as polymask  # noqa: E402

DEFAULT_SETS = [
    ("gunsword", "/work/data/gunsword/via_region_data.json", "/work/data/gunsword/data"),
    ("balloon-train", "/work/data/balloon/train/via_region_data.json", "/work/data/balloon/train"),
    ("balloon-val", "/work/data/balloon/val/via_region_data.json", "/work/data/balloon/val"),
]


def labelme_masks(folder: Path, out: Path, python: str | None) -> str:
    """Dump labelme's instance masks of every file below `folder` into `out`; returns who drew them."""
    out.mkdir(parents=True, exist_ok=True)
    rules = str(ROOT / "tests" / "io" / "labelme_rules.py")
    if python:
        version = subprocess.run(
            [python, "-c", "import importlib.metadata as m; print(m.version('labelme'))"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        subprocess.run([python, rules, str(folder), str(out), "--labelme"], check=True)
        return f"labelme {version}"
    from tests.io.labelme_rules import dump

    try:
        import labelme  # noqa: F401

        dump(str(folder), str(out), use_labelme=True)
        import importlib.metadata

        return f"labelme {importlib.metadata.version('labelme')}"
    except ImportError:
        dump(str(folder), str(out), use_labelme=False)
        return "encoded rules (tests/io/labelme_rules.py)"


def compare(name: str, via: str, images: str, out: Path, python: str | None) -> dict:  # noqa: PLR0914
    from pycocotools.coco import COCO

    lm_dir, coco_file, masks_dir = out / name / "labelme", out / name / "coco.json", out / name / "masks"
    codes = {
        "labelme": polymask(["convert", via, str(lm_dir), "--to", "labelme", "--images", images]),
        "coco": polymask(["convert", via, str(coco_file), "--to", "coco", "--images", images]),
    }
    drawn_by = labelme_masks(lm_dir, masks_dir, python)
    index = json.loads((masks_dir / "index.json").read_text(encoding="utf-8"))
    coco = COCO(str(coco_file))
    by_name = {im["file_name"]: im["id"] for im in coco.dataset["images"]}
    cat_name = {c["id"]: c["name"] for c in coco.dataset["categories"]}
    from tests.io.labelme_rules import shape_to_mask

    ious, floors, same_drawer, labelme_objects, unsized, below_floor = [], [], [], 0, 0, 0
    for entry in index:
        loaded = np.load(masks_dir / entry["npz"])
        h, w = entry["height"], entry["width"]
        lm = [
            (label, np.unpackbits(loaded[f"arr_{i}"])[: h * w].reshape(h, w).astype(bool))
            for i, label in enumerate(entry["labels"])
        ]
        labelme_objects += len(lm)
        unsized += None in entry["declared"]
        image_path = (lm_dir / entry["file"]).parent / entry["imagePath"]
        file_name = Path(image_path).resolve().relative_to(Path(images).resolve()).as_posix()
        for ann in coco.loadAnns(coco.getAnnIds(imgIds=[by_name[file_name]])):
            ours = coco.annToMask(ann).astype(bool)
            same = [m for label, m in lm if label == cat_name[ann["category_id"]]]
            best = max((float((ours & m).sum()) / max(1, float((ours | m).sum())) for m in same), default=0.0)
            ious.append(best)
            # The same COCO polygons drawn by labelme's rule (PIL, outline included, pixel centres):
            # what labelme2coco itself gets between its segmentation and its own mask.
            if isinstance(ann["segmentation"], list):
                drawn = np.any(
                    [shape_to_mask((h, w), list(zip(p[0::2], p[1::2]))) for p in ann["segmentation"]], axis=0
                )
                floors.append(float((ours & drawn).sum()) / max(1, float((ours | drawn).sum())))
                below_floor += best < floors[-1] - 0.005
                same_drawer.append(
                    max((float((drawn & m).sum()) / max(1, float((drawn | m).sum())) for m in same), default=0.0)
                )
    return {
        "files": len(index),
        "exit_codes": codes,
        "coco_objects": len(ious),
        "labelme_objects": labelme_objects,
        "mean_iou": round(float(np.mean(ious)), 4) if ious else None,
        "min_iou": round(float(np.min(ious)), 4) if ious else None,
        "under_0.95": int(sum(i < 0.95 for i in ious)),
        "rasteriser_floor_mean_iou": round(float(np.mean(floors)), 4) if floors else None,
        "rasteriser_floor_min_iou": round(float(np.min(floors)), 4) if floors else None,
        "floor_under_0.95": int(sum(f < 0.95 for f in floors)),
        "objects_below_floor": below_floor,
        "same_rasteriser_min_iou": round(float(np.min(same_drawer)), 4) if same_drawer else None,
        "files_without_size": unsized,
        "drawn_by": drawn_by,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, help="a new folder for the exports and masks")
    parser.add_argument("--set", nargs=3, action="append", metavar=("NAME", "VIA", "IMAGES"))
    parser.add_argument("--labelme-python", help="a Python with the labelme package (default: this one, else rules)")
    args = parser.parse_args()
    out = Path(args.out)
    started = time.perf_counter()
    results: dict = defaultdict(dict)
    for name, via, images in args.set or DEFAULT_SETS:
        results[name] = compare(name, via, images, out, args.labelme_python)
    print(json.dumps({"sets": results, "seconds": round(time.perf_counter() - started, 1)}))


if __name__ == "__main__":
    main()
