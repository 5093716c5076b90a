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

COLOURS = [(220, 60, 40), (40, 110, 220), (40, 160, 80), (150, 80, 200)]


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
    from PIL import Image, ImageDraw

    w, h, m = 720, 400, 48
    im = Image.new("RGB", (w, h), "white")
    d = ImageDraw.Draw(im)
    xmax = max([30.0] + [p["minutes"] or p["wall_minutes"] for c in curves.values() for p in c])
    top = max((max(p.get("bbox_AP50", 0), p.get("segm_AP50", 0)) for c in curves.values() for p in c), default=0)
    ymax = max(10.0, top * 1.1)

    def xy(x: float, y: float) -> tuple[float, float]:
        return m + (w - 2 * m) * x / xmax, h - m - (h - 2 * m) * y / ymax

    d.rectangle([m, m, w - m, h - m], outline="black")
    for y in range(0, int(ymax) + 1, 10):
        d.line([xy(0, y), xy(xmax, y)], fill=(225, 225, 225))
        d.text((8, xy(0, y)[1] - 6), f"{y}%", fill="black")
    for x in range(0, int(xmax) + 1, 5):
        d.text((xy(x, 0)[0] - 6, h - m + 6), f"{x}", fill="black")
    d.line([xy(30, 0), xy(30, ymax)], fill=(160, 160, 160))  # the budget: 30 minutes
    d.text((xy(30, ymax)[0] + 4, m + 4), "30 min", fill=(120, 120, 120))
    for i, (name, points) in enumerate(curves.items()):
        colour = COLOURS[i % len(COLOURS)]
        seg = [xy(p["minutes"] or p["wall_minutes"], p["segm_AP50"]) for p in points]
        if len(seg) > 1:
            d.line(seg, fill=colour, width=2)
        for p in points:
            x, y = xy(p["minutes"] or p["wall_minutes"], p.get("bbox_AP50", 0))
            d.ellipse([x - 2, y - 2, x + 2, y + 2], fill=colour)
        d.text((m + 8, m + 8 + 14 * i), name, fill=colour)
    d.text((m, 14), "segm AP50 (line) and bbox AP50 (dots), % on the val photos, against minutes", fill="black")
    d.text((w - m - 60, h - 18), "minutes", fill="black")
    im.save(path)


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
