"""`polymask convert` and `polymask validate` on a COCO file with 100,000 categories.

10,000 annotations (over the first 10,000 categories) on 1,000 images (no image files on disk: sizes come from
the COCO file). Prints one JSON line: seconds for each command (best of --repeat).
Goal: linear in the number of classes, <= 5 s each at 100,000 (issue 23, item 12).

    python tests/benchmarks/many_classes_bench.py [--classes 100000] [--images 1000] [--annotations 10000]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import tempfile
import time
from pathlib import Path


def make_coco(n_classes: int, n_images: int, n_annotations: int) -> dict:
    images = [{"id": i + 1, "file_name": f"img_{i:05d}.jpg", "width": 640, "height": 480} for i in range(n_images)]
    annotations = []
    for c in range(n_annotations):
        x, y = 10 + c % 500, 10 + (c // 500) % 400
        annotations.append(
            {
                "id": c + 1,
                "image_id": c % n_images + 1,
                "category_id": c % n_classes + 1,
                "segmentation": [[x, y, x + 20, y, x + 20, y + 15]],
                "area": 150.0,
                "bbox": [x, y, 20, 15],
                "iscrowd": 0,
            }
        )
    categories = [{"id": c + 1, "name": f"class_{c:06d}", "supercategory": "thing"} for c in range(n_classes)]
    return {"info": {}, "images": images, "annotations": annotations, "categories": categories}


def timed(argv: list[str]) -> tuple[float, int]:
    from annotator.cli import main

    sink = io.StringIO()
    t = time.perf_counter()
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        code = main(argv)
    return time.perf_counter() - t, code


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--classes", type=int, default=100_000)
    parser.add_argument("--images", type=int, default=1_000)
    parser.add_argument("--annotations", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "many.json"
        src.write_text(json.dumps(make_coco(args.classes, args.images, args.annotations)), encoding="utf-8")
        results = {"classes": args.classes, "images": args.images, "annotations": args.annotations}
        via = Path(tmp) / "out.json"
        for name, argv in (
            ("convert_s", ["convert", str(src), str(via), "--to", "via-project"]),
            ("validate_s", ["validate", str(src)]),
            ("validate_via_s", ["validate", str(via)]),
        ):
            runs = [timed(argv) for _ in range(args.repeat)]
            results[name] = round(min(t for t, _ in runs), 2)
            results[name.replace("_s", "_exit")] = runs[-1][1]
    print(json.dumps(results))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
