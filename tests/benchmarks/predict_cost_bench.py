"""What `polymask evaluate` and `polymask predict` cost on real-sized photos (issue 12, item 6).

Writes 13 photos (2048x1536 and 4000x3000 JPEGs, half EXIF-rotated, 1-2 objects each) and
their COCO file, trains the fast model for one epoch from scratch on them (box_score_thresh 0,
so the untrained model keeps its full 100 detections per image: the worst case for memory),
then runs each command in a fresh process, as a user does:

* evaluate_peak_rss_mb: peak resident memory of `polymask evaluate` on the 13 photos;
* help_s: wall time of `polymask predict --help` (start-up, nothing predicted);
* predict_1_s: wall time of `polymask predict` on one 4000x3000 photo;
* predict_13_s and per_image_s: one `polymask predict` call on all 13, and
  (predict_13_s - predict_1_s) / 12, the cost of each further image.

Prints one JSON line. Usage: python tests/benchmarks/predict_cost_bench.py [--work DIR]
(a DIR from an earlier run reuses its photos and checkpoint).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

# The `polymask` entry point, reporting its own peak memory (ru_maxrss, KiB on Linux) at exit.
POLYMASK = [
    sys.executable,
    "-c",
    "import atexit, resource, sys\n"
    "atexit.register(lambda: print('PEAK_RSS_KB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr))\n"
    "from annotator.cli import main\n"
    "sys.exit(main())",
]


def timed(args: list[str]) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB) of `polymask ARGS` in a fresh process."""
    t0 = time.perf_counter()
    r = subprocess.run(POLYMASK + args, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if r.returncode != 0:
        raise SystemExit(f"polymask {' '.join(args)} failed ({r.returncode}):\n{r.stderr[-2000:]}")
    peak = [line.split()[1] for line in r.stderr.splitlines() if line.startswith("PEAK_RSS_KB")]
    return wall, int(peak[-1]) / 1024


def prepare(work: Path) -> tuple[Path, Path, Path]:
    from tests.real_photos import write_tutorial_layout
    from tests.trainer.photo_coco import photos_to_coco

    coco = work / "coco.json"
    checkpoint = work / "run" / "last.pth"
    if coco.is_file() and checkpoint.is_file():
        return coco, work / "photos" / "data", checkpoint
    photos = write_tutorial_layout(work / "photos", sizes=((2048, 1536), (4000, 3000)), orientations=(1, 6), n=13)
    coco.write_text(json.dumps(photos_to_coco(photos)))
    from trainer.config import TrainConfig
    from trainer.run.engine import fit

    cfg = TrainConfig(
        coco=str(coco),
        images=str(photos.image_dir),
        out=str(work / "run"),
        model="fast",
        weights="none",
        epochs=1,
        batch_size=2,
        workers=0,
        box_score_thresh=0.0,
        tensorboard=False,
        preview_images=0,
    )
    last = None
    for ev in fit(cfg):
        last = ev
    if last is None or last.kind != "finished":
        raise SystemExit(f"training the benchmark's checkpoint failed: {getattr(last, 'reason', last)}")
    return coco, photos.image_dir, checkpoint


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", help="folder for the photos and checkpoint (default: a temporary one)")
    args = parser.parse_args()
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="predict-cost-"))
    work.mkdir(parents=True, exist_ok=True)
    coco, images, checkpoint = prepare(work)
    photos = sorted(images.glob("*.jpg"))
    big = next(p for p in photos if p.stat().st_size == max(q.stat().st_size for q in photos))
    device = ["--device", "cpu"]
    _, eval_rss = timed(
        ["evaluate", "--checkpoint", str(checkpoint), "--coco", str(coco), "--images", str(images), *device]
    )
    help_s, _ = timed(["predict", "--help"])
    one_s, _ = timed(
        ["predict", "--checkpoint", str(checkpoint), str(big), "--out", str(work / "one.json"), "--score", "0", *device]
    )
    all_s, _ = timed(
        [
            "predict",
            "--checkpoint",
            str(checkpoint),
            str(images),
            "--out",
            str(work / "all.json"),
            "--score",
            "0",
            *device,
        ]
    )
    print(
        json.dumps(
            {
                "images": len(photos),
                "evaluate_peak_rss_mb": round(eval_rss),
                "help_s": round(help_s, 2),
                "predict_1_s": round(one_s, 2),
                "predict_13_s": round(all_s, 2),
                "per_image_s": round((all_s - one_s) / (len(photos) - 1), 2),
                "work": str(work),
            }
        )
    )


if __name__ == "__main__":
    main()
