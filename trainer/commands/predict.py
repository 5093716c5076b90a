"""Subcommands ``predict`` and ``evaluate``: argparse builders and runners returning exit codes.

Only the standard library is imported here: ``--help`` and bad arguments answer at once, and
torch loads once per call, however many images the call takes."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from polymask_common.text import plural
from trainer.commands.train import EXIT_FAILED, EXIT_OK, _fmt_time, _pct
from trainer.errors import TrainerError
from trainer.evaluation.suggested_threshold import run_note, suggested_threshold
from trainer.events import METRIC_KEYS
from trainer.inference.polygons import DEFAULT_TOLERANCE

FALLBACK_SCORE = 0.5  # when the run suggested no threshold (no validation, or nothing found)


def add_predict_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "predict",
        help="predict instances on images with a trained checkpoint",
        description="Run a checkpoint on images (files or folders, all in one call: the model loads once); "
        "write COCO results JSON and overlays. One line per image on stdout; a progress bar on stderr "
        "when it is a terminal.",
    )
    p.add_argument("--checkpoint", required=True, metavar="C")
    p.add_argument("images", nargs="+", metavar="IMAGES", help="image files or folders")
    p.add_argument("--out", default="results.json", metavar="FILE", help="COCO results JSON (default results.json)")
    p.add_argument(
        "--score",
        type=float,
        help="minimum score (default: the threshold the run suggested on its validation images, "
        f"from summary.json beside the checkpoint; {FALLBACK_SCORE:g} when it suggested none)",
    )
    p.add_argument(
        "--tolerance",
        type=float,
        default=DEFAULT_TOLERANCE,
        metavar="PX",
        help=f"polygon simplification: largest distance from the mask's edge in pixels (default {DEFAULT_TOLERANCE:g})",
    )
    p.add_argument("--overlay", metavar="DIR", help="also write PNG overlays (masks, outlines, labels) here")
    p.add_argument("--coco", metavar="FILE", help="take image ids from this COCO file (matched by file name)")
    p.add_argument("--device", default="auto")
    return p


def add_evaluate_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "evaluate",
        help="COCO box and mask AP of a checkpoint on a dataset",
        description="Evaluate a checkpoint with pycocotools (classes matched by name), one image at a time.",
    )
    p.add_argument("--checkpoint", required=True, metavar="C")
    p.add_argument("--coco", required=True, metavar="FILE")
    p.add_argument("--images", metavar="DIR")
    p.add_argument("--device", default="auto")
    p.add_argument("--out", metavar="FILE", help="also write the metrics as JSON")
    return p


class ProgressLine:
    """``[#####.......] 5/13 name  1.2 s/image  ETA 0:00:10`` rewritten in place on a terminal's
    stderr; silent otherwise (a log has predict's per-image lines on stdout)."""

    def __init__(self, total: int, stream: TextIO | None = None):
        self.total, self.stream = total, stream or sys.stderr
        self.on = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.t0 = time.perf_counter()
        self.shown = False

    def show(self, done: int, label: str = "") -> None:
        if not self.on:
            return
        per = (time.perf_counter() - self.t0) / max(1, done)
        width = 24
        filled = int(width * done / max(1, self.total))
        line = (
            f"[{'#' * filled}{'.' * (width - filled)}] {done}/{self.total} {label}  "
            f"{per:.1f} s/image  ETA {_fmt_time(per * (self.total - done))}"
        )
        print("\r" + line[:120].ljust(120), end="", file=self.stream, flush=True)
        self.shown = True

    def clear(self) -> None:
        """Blank the bar before another line is printed on the same terminal."""
        if self.shown:
            print("\r" + " " * 120 + "\r", end="", file=self.stream, flush=True)
            self.shown = False


def _missing_inputs(paths: list[str]) -> list[str]:
    return [p for p in paths if not Path(p).exists()]


def run_predict(args: argparse.Namespace) -> int:
    missing = _missing_inputs([args.checkpoint, *args.images])  # before torch loads: bad input answers at once
    if missing:
        print(f"error: {', '.join(missing)}: no such file or folder.", file=sys.stderr)
        return EXIT_FAILED
    if args.tolerance < 0:
        print(f"error: --tolerance must be 0 or more pixels, got {args.tolerance}.", file=sys.stderr)
        return EXIT_FAILED
    if args.score is None:
        args.score = _run_threshold(args.checkpoint)
    from trainer.dataset.instances import list_images
    from trainer.inference.predict import Predictor, draw_overlay, instances_to_coco, to_rgb_array, write_results

    try:
        predictor = Predictor.from_checkpoint(args.checkpoint, getattr(args, "device", "auto"))
        paths = list_images(args.images)
        if not paths:
            raise TrainerError("No images found in " + ", ".join(map(str, args.images)) + ".")
        ids = {}
        if getattr(args, "coco", None):
            from trainer.dataset.decode import load_coco

            data, _ = load_coco(args.coco)
            ids = {Path(im["file_name"]).name: im["id"] for im in data["images"]}
        overlay_dir = Path(args.overlay) if getattr(args, "overlay", None) else None
        if overlay_dir:
            overlay_dir.mkdir(parents=True, exist_ok=True)
        results: list[dict] = []  # COCO entries with RLE masks: an image's masks are dropped once encoded
        n_inst, skipped = 0, []
        bar = ProgressLine(len(paths))
        for i, path in enumerate(paths, 1):
            bar.show(i - 1, path.name)
            try:  # one unreadable or oversized image must not cost the results of all the others
                image = to_rgb_array(path)
                instances = predictor.predict(image, score_threshold=args.score, tolerance=args.tolerance)
            except (TrainerError, MemoryError) as e:
                why = str(e) if isinstance(e, TrainerError) else f"not enough memory to predict on {path}"
                skipped.append(str(path))
                bar.clear()
                print(f"[{i}/{len(paths)}] skipped: {why}", file=sys.stderr)
                continue
            results += instances_to_coco(ids.get(path.name, i), instances, predictor.category_ids, str(path))
            n_inst += len(instances)
            summary = ", ".join(f"{x.class_name} {x.score:.2f}" for x in instances) or "nothing"
            bar.clear()
            print(f"[{i}/{len(paths)}] {path}: {summary}", flush=True)
            if overlay_dir:
                _write_overlay(path, image, instances, overlay_dir, draw_overlay)
        bar.clear()
        write_results(args.out, results)
    except TrainerError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_FAILED
    done = len(paths) - len(skipped)
    print(f"{n_inst} instances in {done} images → {args.out}" + (f", overlays in {overlay_dir}" if overlay_dir else ""))
    if skipped:
        print(
            f"error: skipped {len(skipped)} of {plural(len(paths), 'image')} that could not be read: "
            + ", ".join(skipped[:5])
            + (f" and {len(skipped) - 5} more" if len(skipped) > 5 else "")
            + f"; the results of the other {done} are in {args.out}.",
            file=sys.stderr,
        )
        return EXIT_FAILED
    return EXIT_OK


def _run_threshold(checkpoint: str) -> float:
    """The run's suggested score threshold (said on stderr, with a warning when the run learned little)."""
    suggested = suggested_threshold(checkpoint)
    if suggested is None:
        print(f"score threshold {FALLBACK_SCORE:g} (the run suggested none; --score sets one)", file=sys.stderr)
    else:
        print(
            f"score threshold {suggested:.3g}, suggested by the run's validation (--score overrides)", file=sys.stderr
        )
    note = run_note(checkpoint)
    if note:
        print(f"warning: {note}.", file=sys.stderr)
    return FALLBACK_SCORE if suggested is None else suggested


def _write_overlay(path: Path, image, instances, overlay_dir: Path, draw_overlay) -> None:
    from PIL import Image

    out = overlay_dir / f"{path.stem}.png"
    try:
        Image.fromarray(draw_overlay(image, instances)).save(out)
    except (OSError, TrainerError) as e:
        raise TrainerError(f"Cannot write the overlay {out}: {e}") from None


def evaluate_checkpoint(checkpoint: str, coco: Any, images: str | None, device: str = "auto") -> dict[str, Any]:
    """COCO metrics of ``checkpoint`` on every image of ``coco`` (classes matched by name)."""
    from trainer.augment.transforms import build_transforms
    from trainer.dataset.instances import CocoInstances
    from trainer.dataset.prepared import prepare
    from trainer.evaluation.evaluate import coco_from_dict, coco_metrics, match_categories, predict_dataset
    from trainer.inference.predict import Predictor

    predictor = Predictor.from_checkpoint(checkpoint, device)
    prepared = prepare(coco, images, val_fraction=0.0, strict_classes=False)
    cat_ids = match_categories(predictor.class_names, prepared.coco["categories"])
    if not any(c is not None for c in cat_ids):
        raise TrainerError(
            f"None of the checkpoint's classes ({', '.join(predictor.class_names)}) appear in "
            f"{prepared.source}: classes are matched by name."
        )
    ids = prepared.train_ids + prepared.val_ids
    ds = CocoInstances(prepared, ids, build_transforms(None, False))
    bar = ProgressLine(len(ds))
    results, _ = predict_dataset(
        predictor.model,
        ds,
        predictor.device,
        [c if c is not None else -1 for c in cat_ids],
        predictor.class_names,
        progress=lambda done, total: bar.show(done, "images evaluated"),
    )
    bar.clear()
    results = [r for r in results if r["category_id"] != -1]
    for why in ds.unreadable.values():
        print(f"warning: left out of the evaluation: {why}", file=sys.stderr)
    scored = [i for i in ids if i not in ds.unreadable]  # an image that failed to decode has no predictions
    return coco_metrics(coco_from_dict(prepared.ground_truth(scored)), results)


def run_evaluate(args: argparse.Namespace) -> int:
    missing = _missing_inputs([args.checkpoint, args.coco])
    if missing:
        print(f"error: {', '.join(missing)}: no such file.", file=sys.stderr)
        return EXIT_FAILED
    try:
        metrics = evaluate_checkpoint(
            args.checkpoint, args.coco, getattr(args, "images", None), getattr(args, "device", "auto")
        )
    except TrainerError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_FAILED
    print("  ".join(f"{k:>9}" for k in METRIC_KEYS))
    print("  ".join(f"{_pct(metrics.get(k)):>9}" for k in METRIC_KEYS))
    if getattr(args, "out", None):
        Path(args.out).write_text(json.dumps(metrics, indent=2), encoding="utf-8")
    return EXIT_OK
