"""Live training while labelling, simulated: a user labels the images in list order; before each
image the current live model pre-labels it (as in the window: the trainer child predicts between two
steps with the weights as they are; ``--prelabel checkpoint``: the newest checkpoint file, in this
process), and the pre-label is scored
against the hand labels (matched per-object IoU, annotator.app.prelabel_quality); then the user
"labels" for the pace's seconds (the trainer keeps training in the background) and marks the
image done, which feeds it to the running trainer. Same code as the window (LiveSession), no window.

    python tests/benchmarks/live_labelling_bench.py VIA_OR_COCO --images DIR [--budget-s S]
        [--pace-s S] [--weights none|coco|CHECKPOINT] [--labelled-before K] [--set KEY=VALUE]
        [--out RUN_DIR] [--plot PNG]

``--labelled-before K`` is the warm start of a second session: the first K images were labelled
before (and ``--weights`` is a run trained on them); they join the live set at once, unscored, and
the simulated user labels the rest.

Prints one JSON line: per-image IoU, mean IoU over the last 10 images, images until the mean of
10 first reaches 0.5 and 0.7, wall seconds, steps trained, checkpoints written."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from annotator.app.live_feed import PrelabelInstance, prelabel_annotations  # noqa: E402
from annotator.app.live_training import LiveSession  # noqa: E402
from annotator.app.prelabel_quality import images_until, rolling_mean  # noqa: E402
from annotator.app.uncertainty import FLOOR  # noqa: E402
from trainer.config import parse_value  # noqa: E402
from trainer.live.events import LivePrediction, LiveSettings  # noqa: E402
from trainer.live.predict import CheckpointPredictor  # noqa: E402


def load_coco(path: str, images: str) -> dict:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if isinstance(data, dict) and "images" in data and "categories" in data:
        return data
    from annotator.io import fill_image_sizes, read_file
    from annotator.io.coco import project_to_coco

    project = read_file(path, images=images).project
    fill_image_sizes(project)
    return project_to_coco(project)


class ChildPrelabels:
    """Pre-labels asked of the running trainer child (its ``predict`` control message), as the
    window asks; before the child runs, the session's checkpoint (a warm start's) stands in."""

    def __init__(self, session: LiveSession, fallback: CheckpointPredictor, threshold: float, timeout_s: float = 120):
        self.session, self.fallback, self.threshold, self.timeout_s = session, fallback, threshold, timeout_s
        self._answers: dict[str, LivePrediction] = {}
        self._arrived = threading.Condition()
        session.listeners.append(self._seen)

    def _seen(self, ev) -> None:
        if isinstance(ev, LivePrediction):
            with self._arrived:
                self._answers[ev.key] = ev
                self._arrived.notify_all()

    def __call__(self, key: str, path: str) -> tuple[list[dict] | None, str | None]:
        child = self.session.child
        if child is None or not self.session.running or not child.predict(key, path, FLOOR):
            predicted, ckpt = self.session.prelabel(path, self.fallback)
            return predicted, str(ckpt) if ckpt else None
        with self._arrived:
            self._arrived.wait_for(lambda: key in self._answers, self.timeout_s)
            ev = self._answers.pop(key, None)
        if ev is None or ev.error:
            return None, None
        instances = [PrelabelInstance.from_dict(d) for d in ev.instances]
        return prelabel_annotations(instances, self.session.categories, self.threshold), f"live step {ev.step}"


def plot(ious: list[float], seconds: list[float], path: Path) -> None:
    """IoU per image (dots), its mean over 10 (line), against images labelled."""
    from PIL import Image, ImageDraw

    w, h, m = 640, 360, 40
    im = Image.new("RGB", (w, h), "white")
    d = ImageDraw.Draw(im)
    n = max(1, len(ious))

    def xy(i: int, v: float) -> tuple[float, float]:
        return m + (w - 2 * m) * i / max(1, n - 1), h - m - (h - 2 * m) * v

    d.rectangle([m, m, w - m, h - m], outline="black")
    for v in (0.5, 0.7):
        d.line([xy(0, v), xy(n - 1, v)], fill=(200, 200, 200))
        d.text((4, xy(0, v)[1] - 6), f"{v}", fill="black")
    for i, v in enumerate(ious):
        x, y = xy(i, v)
        d.ellipse([x - 2, y - 2, x + 2, y + 2], fill=(90, 140, 220))
    mean = rolling_mean(ious)
    d.line([xy(i, v) for i, v in enumerate(mean)], fill=(220, 60, 40), width=2)
    d.text((m, 8), f"pre-label IoU per image (dots), mean of last 10 (line); {n} images", fill="black")
    d.text((m, h - m + 8), "images labelled ->", fill="black")
    im.save(path)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("annotations")
    ap.add_argument("--images", required=True)
    ap.add_argument("--budget-s", type=float, default=None, help="wall seconds for the whole labelling")
    ap.add_argument("--pace-s", type=float, default=30.0, help="seconds the user spends per image")
    ap.add_argument("--min-images", type=int, default=5)
    ap.add_argument("--weights", default="none")
    ap.add_argument("--model", default="fast")
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--labelled-before", type=int, default=0, help="the first K images are labelled already")
    ap.add_argument("--prelabel", choices=("child", "checkpoint"), default="child")
    ap.add_argument("--score", type=float, default=0.5, help="the pre-label's score threshold")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="a training setting (lr=0.001)")
    ap.add_argument("--out", default=None)
    ap.add_argument("--plot", default=None)
    args = ap.parse_args()

    coco = load_coco(args.annotations, args.images)
    before, images = coco["images"][: args.labelled_before], coco["images"][args.labelled_before : args.limit]
    anns: dict[int, list[dict]] = {}
    for a in coco.get("annotations", []):
        anns.setdefault(int(a["image_id"]), []).append(a)
    pace = args.budget_s / len(images) if args.budget_s else args.pace_s
    out = Path(args.out or tempfile.mkdtemp(prefix="live-bench-"))
    train = {"model": args.model, "weights": args.weights, "batch_size": 2}
    for item in args.set:
        key, _, value = item.partition("=")
        train[key.strip()] = parse_value(value)
    session = LiveSession(
        coco["categories"],
        out,
        train,
        LiveSettings(),
        min_images=args.min_images,
    )
    predict = CheckpointPredictor(score_threshold=args.score, threads=1)
    by_child = ChildPrelabels(session, predict, args.score) if args.prelabel == "child" else None
    for im in before:  # labelled in an earlier session: in the live set from the start
        session.done(im, anns.get(int(im["id"]), []), str((Path(args.images) / im["file_name"]).resolve()))
    t_start = time.monotonic()
    log = []
    try:
        for k, im in enumerate(images, args.labelled_before + 1):
            started = time.monotonic()
            path = str((Path(args.images) / im["file_name"]).resolve())
            if by_child is not None:
                predicted, ckpt = by_child(str(im["id"]), path)
            else:
                predicted, ckpt = session.prelabel(path, predict)
            kept = anns.get(int(im["id"]), [])
            time.sleep(max(0.0, pace - (time.monotonic() - started)))  # the user labels; the trainer trains
            q = session.finish(im, kept, predicted, started, path)
            step = session.step.global_step if session.step is not None else 0
            log.append({**q.to_dict(), "n": k, "step": step, "checkpoint": str(ckpt) if ckpt else None})
            print(json.dumps(log[-1]), file=sys.stderr, flush=True)
    finally:
        steps = session.step.global_step if session.step is not None else 0
        session.stop()
    ious = [q.iou for q in session.quality]
    result = {
        "bench": "live_labelling",
        "annotations": args.annotations,
        "images": len(ious),
        "pace_s": round(pace, 2),
        "weights": args.weights,
        "labelled_before": args.labelled_before,
        "prelabel": args.prelabel,
        "score": args.score,
        "set": args.set,
        "iou": [round(v, 3) for v in ious],
        "mean_iou_last10": round(sum(ious[-10:]) / max(1, len(ious[-10:])), 4),
        "images_until_mean_0.5": images_until(ious, 0.5),
        "images_until_mean_0.7": images_until(ious, 0.7),
        "seconds_per_image": [q.seconds for q in session.quality],
        "steps": steps,
        "checkpoints": session.checkpoints,
        "ended": session.status_text(),
        "wall_s": round(time.monotonic() - t_start, 1),
        "run_dir": str(out),
    }
    (out / "live_bench.json").write_text(json.dumps({**result, "log": log}), encoding="utf-8")
    plot(ious, [q.seconds or 0.0 for q in session.quality], Path(args.plot or out / "live_bench.png"))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
