"""Several live-labelling sessions on one plot: each session's ``live_bench.json`` (written by
``live_labelling_bench.py --out``) gives the pre-label IoU per image; drawn against the image's
number in the list (a warm-started session, ``--labelled-before K``, starts at image K + 1), as
dots per image and a line for the mean of the last 10. Prints one JSON line per session's figures.

    python tests/benchmarks/live_curves.py RUN_DIR [RUN_DIR ...] --label NAME [--label NAME ...] --plot PNG"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from annotator.app.prelabel_quality import rolling_mean  # noqa: E402
from tests.benchmarks.chart import Chart  # noqa: E402


def session(run_dir: Path) -> dict:
    d = json.loads((run_dir / "live_bench.json").read_text(encoding="utf-8"))
    first = int(d.get("labelled_before") or 0) + 1
    ious = [float(v) for v in d["iou"]]
    return {
        "first_image": first,
        "images": len(ious),
        "iou": ious,
        "mean_iou": round(sum(ious) / max(1, len(ious)), 3),
        "mean_iou_last10": d.get("mean_iou_last10"),
        "steps": d.get("steps"),
        "weights": d.get("weights"),
        "set": d.get("set", []),
    }


def plot(sessions: dict[str, dict], path: Path) -> None:
    last = max([10] + [s["first_image"] + s["images"] - 1 for s in sessions.values()])
    chart = Chart(1, last, 0, 1)
    chart.y_grid((0.25, 0.5, 0.7, 1.0))
    chart.x_ticks(range(10, last + 1, 10))
    for name, s in sessions.items():
        numbers = range(s["first_image"], s["first_image"] + s["images"])
        chart.series(name, line=list(zip(numbers, rolling_mean(s["iou"]))), dots=list(zip(numbers, s["iou"])))
    chart.save(path, "pre-label IoU per image (dots) and its mean over the last 10 (line)", "image in the list")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("runs", nargs="+", help="live bench run folders (holding live_bench.json)")
    ap.add_argument("--label", action="append", default=[], help="a name per run, in order")
    ap.add_argument("--plot", help="a PNG to draw")
    args = ap.parse_args(argv)
    names = args.label + [Path(r).name for r in args.runs[len(args.label) :]]
    sessions = {name: session(Path(r)) for name, r in zip(names, args.runs)}
    if args.plot:
        plot(sessions, Path(args.plot))
    print(json.dumps({"sessions": {k: {kk: vv for kk, vv in v.items() if kk != "iou"} for k, v in sessions.items()}}))


if __name__ == "__main__":
    main()
