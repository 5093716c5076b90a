"""The AP-against-minutes curve of one or more kept runs (their ``metrics.jsonl``): for each
evaluated epoch, the iterations trained, the minutes they take at a given speed (``--s-per-iter``,
e.g. a quiet 2-core machine's, timed with ``real_photos_bench.seconds_per_iteration``) and the
wall minutes the run itself logged, with segm AP50 / AP75 and bbox AP50 in %. Prints one JSON
line; ``--plot`` draws segm AP50 (solid) and bbox AP50 (dots) against minutes.

    python tests/benchmarks/learning_curve.py RUN/polymask [RUN2/polymask ...] \\
        --s-per-iter 1.07 [--s-per-iter 1.17 ...] --plot curve.png"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.benchmarks.chart import Chart  # noqa: E402


def curve(run: Path, s_per_iter: float | None) -> list[dict]:
    """One row per evaluated epoch of `run` (a folder holding metrics.jsonl)."""
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text(encoding="utf-8").splitlines() if line]
    out, wall, step = [], 0.0, 0
    for r in rows:
        if r.get("kind") == "step":
            step = int(r.get("global_step", step))
        elif r.get("kind") == "epoch":
            wall += float(r.get("seconds") or 0.0)
            m = r.get("metrics") or {}
            if "segm_AP50" not in m:
                continue
            out.append(
                {
                    "epoch": r["epoch"],
                    "iterations": step,
                    "minutes": None if s_per_iter is None else round(step * s_per_iter / 60, 1),
                    "wall_minutes": round(wall / 60, 1),
                    **{k: round(100 * float(m[k]), 1) for k in ("segm_AP50", "segm_AP75", "bbox_AP50") if k in m},
                }
            )
    return out


def plot(curves: dict[str, list[dict]], path: Path) -> None:
    xmax = max([30.0] + [p["minutes"] or p["wall_minutes"] for c in curves.values() for p in c])
    top = max((max(p.get("bbox_AP50", 0), p.get("segm_AP50", 0)) for c in curves.values() for p in c), default=0)
    chart = Chart(0, xmax, 0, max(10.0, top * 1.1))
    chart.y_grid(range(0, int(chart.y1) + 1, 10), "{}%")
    chart.x_ticks(range(0, int(xmax) + 1, 5))
    chart.x_mark(30, "30 min")  # the budget
    for name, points in curves.items():
        minutes = [p["minutes"] or p["wall_minutes"] for p in points]
        chart.series(
            name,
            line=[(x, p["segm_AP50"]) for x, p in zip(minutes, points)],
            dots=[(x, p.get("bbox_AP50", 0)) for x, p in zip(minutes, points)],
        )
    chart.save(path, "segm AP50 (line) and bbox AP50 (dots), % on the val photos, against minutes", "minutes")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("runs", nargs="+", help="run folders holding metrics.jsonl")
    ap.add_argument("--s-per-iter", type=float, action="append", default=[], help="per run, in order (else wall)")
    ap.add_argument("--plot", help="a PNG to draw")
    args = ap.parse_args(argv)
    speeds = args.s_per_iter + [None] * (len(args.runs) - len(args.s_per_iter))
    curves = {str(Path(r).resolve()): curve(Path(r), s) for r, s in zip(args.runs, speeds)}
    if args.plot:
        plot({Path(k).parent.name or k: v for k, v in curves.items()}, Path(args.plot))
    print(json.dumps({"curves": curves, "s_per_iter": speeds}))


if __name__ == "__main__":
    sys.exit(main())
