"""Read and write a generated 10,000-image / 100,000-polygon project as VIA and as COCO.

Prints one JSON line: seconds (best of --repeat) and peak traced memory (MB)
for each of read/write x VIA/COCO. Goal on a 2-core machine: <= 2 s each.

    python tests/benchmarks/io_bench.py [--images 10000] [--polygons 100000]
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

from annotator.io import export, read_file
from annotator.model import AttributeDef, ImageRecord, Polygon, Project, Region


def make_project(n_images: int, n_polygons: int, vertices: int = 12, seed: int = 0) -> Project:
    rng = np.random.default_rng(seed)
    project = Project()
    project.region_attributes["class"] = AttributeDef("class", "dropdown", options={"a": "", "b": "", "c": ""})
    project.class_attribute = "class"
    per_image = n_polygons // n_images
    angles = np.linspace(0, 2 * math.pi, vertices, endpoint=False)
    for i in range(n_images):
        im = ImageRecord(f"img_{i:05d}.jpg", 100_000 + i, 1920, 1080)
        centres = rng.uniform(100, 900, size=(per_image, 2))
        radii = rng.uniform(20, 80, size=(per_image, vertices))
        for (cx, cy), r in zip(centres, radii):
            xs = np.round(cx + r * np.cos(angles), 1)
            ys = np.round(cy + r * np.sin(angles), 1)
            im.regions.append(Region(Polygon(tuple(xs.tolist()), tuple(ys.tolist())), {"class": "abc"[int(cx) % 3]}))
        project.images.append(im)
    return project


def timed(fn, repeat: int) -> float:
    best = math.inf
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def peak_mb(fn) -> float:
    gc.collect()
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--images", type=int, default=10_000)
    ap.add_argument("--polygons", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    project = make_project(args.images, args.polygons)
    figures: dict[str, object] = {"images": args.images, "polygons": args.polygons}
    with tempfile.TemporaryDirectory() as tmp:
        for fmt, name in (("via", "via.json"), ("coco", "coco.json")):
            path = Path(tmp) / name
            figures[f"write_{fmt}_s"] = round(
                timed(lambda path=path, fmt=fmt: export(project, path, fmt), args.repeat), 3
            )
            figures[f"write_{fmt}_peak_mb"] = round(peak_mb(lambda path=path, fmt=fmt: export(project, path, fmt)), 1)
            figures[f"{fmt}_file_mb"] = round(path.stat().st_size / 2**20, 1)
            figures[f"read_{fmt}_s"] = round(timed(lambda path=path: read_file(path), args.repeat), 3)
            figures[f"read_{fmt}_peak_mb"] = round(peak_mb(lambda path=path: read_file(path)), 1)
            n = sum(len(im.regions) for im in read_file(path).project.images)
            assert n == args.polygons, (fmt, n)
    figures["goal_s"] = 2.0
    figures["python"] = sys.version.split()[0]
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
