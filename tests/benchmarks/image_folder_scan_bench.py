"""Benchmark: one look at a project's image folders (the new-images bar's rescan, run on the UI
thread when a watched folder changes or the window comes back to the front), for a project of N
images in one folder plus a few new files. Generated data (empty files with image names).
Goal: a rescan of 10,000 images <= 50 ms, so switching back to the window never stalls it.
Prints one JSON line.

    python tests/benchmarks/image_folder_scan_bench.py [IMAGES [REPEATS]]
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from annotator.app.image_folders import scan
from annotator.model import ImageRecord, Project

GOAL_MS = 50.0


def main(n: int = 10_000, repeats: int = 7) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "data"
        root.mkdir()
        names = [f"img_{i:05d}.jpg" for i in range(n)]
        for name in names + ["new_1.jpg", "new_2.png", "notes.txt"]:
            (root / name).touch()
        project = Project(images=[ImageRecord(x, size=0) for x in names], path=root / "p.json", image_root=root)
        samples = []
        for _ in range(repeats):
            t = time.perf_counter()
            found = scan(project)
            samples.append((time.perf_counter() - t) * 1000)
        assert found.new == ["new_1.jpg", "new_2.png"] and not found.gone
    median = statistics.median(samples)
    return {
        "bench": "image_folder_scan",
        "images": n,
        "median_ms": round(median, 2),
        "max_ms": round(max(samples), 2),
        "goal_ms": GOAL_MS,
        "goal_met": median <= GOAL_MS,
    }


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    print(json.dumps(main(*args)))
