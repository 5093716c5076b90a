"""Subcommands ``train``, ``predict``, ``evaluate``: argparse builders and runners returning exit codes.

The app's ``polymask`` CLI mounts these; ``python -m trainer`` mounts them without the app."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any, TextIO

from .config import TrainConfig, parse_value
from .errors import TrainerError
from .events import (
    METRIC_KEYS,
    CheckpointSaved,
    EpochEnd,
    Event,
    Failed,
    Finished,
    Started,
    Step,
    WarningEvent,
)

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_STOPPED = 0, 1, 2, 130


# --------------------------------------------------------------------------- parsers
def add_train_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "train",
        help="fine-tune Mask R-CNN on a COCO dataset",
        description="Fine-tune a torchvision Mask R-CNN on COCO instance segmentation. Writes checkpoints "
        "(best.pth, last.pth), config.json, metrics.jsonl and TensorBoard logs to the run folder.",
    )
    p.add_argument(
        "--coco", metavar="FILE", help="COCO instance-segmentation JSON (CVAT, Label Studio, Roboflow, Polymask)"
    )
    p.add_argument("--images", metavar="DIR", help="image folder the COCO file_names are relative to")
    p.add_argument("--project", metavar="FILE", help="a Polymask/VIA project file (converted to COCO by the app)")
    p.add_argument("--config", metavar="FILE", help="settings from a JSON or YAML file; flags override it")
    p.add_argument(
        "--model",
        help="fast (MobileNetV3, default), accurate (= maskrcnn_resnet50_fpn_v2), "
        "maskrcnn_resnet50_fpn, maskrcnn_mobilenet_v3_large_fpn",
    )
    p.add_argument("--epochs", type=int)
    p.add_argument("--batch-size", type=int, dest="batch_size")
    p.add_argument("--lr", type=float, help="learning rate (default: by optimizer and batch size)")
    p.add_argument("--device", help="auto (default), cpu, cuda, cuda:N, mps")
    p.add_argument("--weights", help="coco (default), imagenet, none, last, or a .pth file")
    p.add_argument("--out", metavar="DIR", help="run folder (default: runs/train-<date>-<time>)")
    p.add_argument(
        "--resume",
        nargs="?",
        const=True,
        default=None,
        metavar="CHECKPOINT",
        help="continue the run in --out (from its last.pth) or from CHECKPOINT",
    )
    p.add_argument("--workers", type=int, help="DataLoader worker processes")
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="any other setting, e.g. --set min_size=512 --set anchor_sizes=[16,32,64,128,256]",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--verbose", action="store_true", help="show tracebacks of failures")
    p.add_argument(
        "--preview-data",
        metavar="DIR",
        dest="preview_data",
        help="do not train: write the first augmented training samples, as the model sees them, "
        "to DIR (overlay PNGs + samples.json) and exit",
    )
    p.add_argument(
        "--preview-count",
        type=int,
        default=8,
        metavar="N",
        dest="preview_count",
        help="how many samples --preview-data writes (default 8)",
    )
    return p


def add_predict_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "predict",
        help="predict instances on images with a trained checkpoint",
        description="Run a checkpoint on images; write COCO results JSON and overlays.",
    )
    p.add_argument("--checkpoint", required=True, metavar="C")
    p.add_argument("images", nargs="+", metavar="IMAGES", help="image files or folders")
    p.add_argument("--out", default="results.json", metavar="FILE", help="COCO results JSON (default results.json)")
    p.add_argument("--score", type=float, default=0.5, help="minimum score (default 0.5)")
    p.add_argument("--overlay", metavar="DIR", help="also write PNG overlays (masks, outlines, labels) here")
    p.add_argument("--coco", metavar="FILE", help="take image ids from this COCO file (matched by file name)")
    p.add_argument("--device", default="auto")
    return p


def add_evaluate_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "evaluate",
        help="COCO box and mask AP of a checkpoint on a dataset",
        description="Evaluate a checkpoint with pycocotools (classes matched by name).",
    )
    p.add_argument("--checkpoint", required=True, metavar="C")
    p.add_argument("--coco", required=True, metavar="FILE")
    p.add_argument("--images", metavar="DIR")
    p.add_argument("--device", default="auto")
    p.add_argument("--out", metavar="FILE", help="also write the metrics as JSON")
    return p


# --------------------------------------------------------------------------- train
def build_config(args: argparse.Namespace, coco: Any = None, images: str | None = None) -> TrainConfig:
    cfg = TrainConfig.from_file(args.config) if getattr(args, "config", None) else TrainConfig()
    extra: dict[str, Any] = {}
    for item in getattr(args, "set", None) or []:
        if "=" not in item:
            raise TrainerError(f"--set expects KEY=VALUE, got '{item}'.")
        k, v = item.split("=", 1)
        extra[k.strip()] = parse_value(v)
    if extra:
        d = cfg.to_dict()
        d.update(extra)
        cfg = TrainConfig.from_dict(d)
    for name in ("coco", "images", "model", "epochs", "batch_size", "lr", "device", "weights", "workers"):
        v = getattr(args, name, None)
        if v is not None:
            setattr(cfg, name, v)
    if coco is not None:
        cfg.coco = coco
    if images is not None:
        cfg.images = images
    resume = getattr(args, "resume", None)
    if resume is not None:
        cfg.resume = resume
    if getattr(args, "out", None):
        cfg.out = args.out
    elif isinstance(resume, str):
        cfg.out = str(Path(resume).parent)
    elif resume is True:
        raise TrainerError("--resume needs the run folder: add --out RUN_DIR (or give the checkpoint path).")
    elif not getattr(args, "config", None) or cfg.out == TrainConfig().out:
        cfg.out = time.strftime("runs/train-%Y%m%d-%H%M%S")
    return cfg


def _rank() -> int:
    return int(os.environ.get("RANK", "0") or 0)


def run_train(args: argparse.Namespace, coco: Any = None, images: str | None = None) -> int:
    from .engine import fit

    if getattr(args, "project", None) and coco is None and not getattr(args, "coco", None):
        print(
            "error: --project needs the Polymask app to read the project (run `polymask train --project FILE`); "
            "`python -m trainer train` takes --coco FILE --images DIR.",
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        cfg = build_config(args, coco, images)
    except TrainerError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_USAGE
    if getattr(args, "preview_data", None):
        return _preview_data(cfg, args.preview_data, getattr(args, "preview_count", 8))
    stop = threading.Event()
    restore = _install_sigint(stop)
    quiet = getattr(args, "quiet", False) or _rank() != 0
    printer = ProgressPrinter(quiet=quiet, verbose=getattr(args, "verbose", False))
    try:
        code = EXIT_FAILED
        for ev in fit(cfg, stop):
            code = printer.handle(ev, code)
        return code
    finally:
        restore()


def _preview_data(cfg: TrainConfig, out_dir: str, count: int) -> int:
    from .preview_data import write_preview

    if count < 1:
        print(f"error: --preview-count must be at least 1, got {count}.", file=sys.stderr)
        return EXIT_USAGE
    try:
        samples = write_preview(cfg, out_dir, count)
    except TrainerError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_FAILED
    except OSError as e:
        print(f"error: cannot write the preview to {out_dir}: {e.strerror or e}", file=sys.stderr)
        return EXIT_FAILED
    print(f"{len(samples)} training sample(s) as the model sees them → {out_dir} (samples.json + overlay PNGs)")
    return EXIT_OK


def _install_sigint(stop: threading.Event):
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous = signal.getsignal(signal.SIGINT)

    def handler(signum, frame):
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        print("\nstopping after this iteration; press Ctrl-C again to abort", file=sys.stderr)

    signal.signal(signal.SIGINT, handler)
    return lambda: signal.signal(signal.SIGINT, previous)


def _fmt_time(s: float) -> str:
    s = int(max(0, s))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _pct(v: Any) -> str:
    return f"{v * 100:6.1f}" if isinstance(v, (int, float)) else "     –"


class ProgressPrinter:
    """Turns events into a progress bar (stderr) and a per-epoch metrics table (stdout)."""

    def __init__(
        self, out: TextIO | None = None, err: TextIO | None = None, quiet: bool = False, verbose: bool = False
    ):
        self.out, self.err = out or sys.stdout, err or sys.stderr
        self.quiet, self.verbose = quiet, verbose
        self.tty = hasattr(self.err, "isatty") and self.err.isatty()
        self.t0 = time.perf_counter()
        self.steps_here = 0
        self.total_steps = 0
        self.done_before = 0
        self.epochs = 0
        self.header = False
        self.last_line = 0.0
        self.train_loss: list[float] = []

    def handle(self, ev: Event, code: int) -> int:
        match ev:
            case Failed():
                self._newline()
                print(f"error: {ev.reason}", file=self.err)
                if self.verbose and ev.detail:
                    print(ev.detail, file=self.err)
                return EXIT_FAILED
            case Finished():
                self._newline()
                if not self.quiet:
                    print(f"{'stopped' if ev.stopped else 'finished'}: run folder {ev.run_dir}", file=self.out)
                    if ev.best_checkpoint:
                        print(f"  best checkpoint: {ev.best_checkpoint}", file=self.out)
                    if ev.last_checkpoint:
                        print(f"  last checkpoint: {ev.last_checkpoint}", file=self.out)
                return EXIT_STOPPED if ev.stopped else EXIT_OK
        if self.quiet:
            return code
        match ev:
            case WarningEvent():
                self._newline()
                print(f"warning: {ev.message}", file=self.err)
            case Started():
                self._started(ev)
            case Step():
                self.steps_here += 1
                self.train_loss.append(ev.total)
                self._bar(ev)
            case EpochEnd():
                self._epoch_row(ev)
            case CheckpointSaved(best=True):
                self._newline()
                print(f"  new best checkpoint (epoch {ev.epoch}) → {ev.path}", file=self.err)
        return code

    def _started(self, ev: Started) -> None:
        self.epochs = ev.epochs
        self.total_steps = ev.iters_per_epoch * (ev.epochs - ev.start_epoch + 1)
        self.t0 = time.perf_counter()
        print(
            f"training {ev.model} on {ev.device}"
            + (f" ×{ev.world_size} processes" if ev.world_size > 1 else "")
            + f": {ev.num_train_images} train / {ev.num_val_images} val images, "
            f"{len(ev.class_names)} classes ({', '.join(ev.class_names)}), epochs {ev.start_epoch}..{ev.epochs}, "
            f"{ev.iters_per_epoch} iterations each → {ev.run_dir}",
            file=self.out,
            flush=True,
        )

    def _epoch_row(self, ev: EpochEnd) -> None:
        self._newline()
        if not self.header:
            print(
                "epoch  train loss  val loss  " + "  ".join(f"{k:>9}" for k in METRIC_KEYS) + "   time", file=self.out
            )
            self.header = True
        tl = sum(self.train_loss) / len(self.train_loss) if self.train_loss else float("nan")
        self.train_loss = []
        vl = ev.val_losses.get("total")
        print(
            f"{ev.epoch:5d}  {tl:10.4f}  {vl if vl is not None else float('nan'):8.4f}  "
            + "  ".join(f"{_pct(ev.metrics.get(k)):>9}" for k in METRIC_KEYS)
            + f"  {_fmt_time(ev.seconds)}",
            file=self.out,
            flush=True,
        )

    def _bar(self, ev: Step) -> None:
        now = time.perf_counter()
        per_step = (now - self.t0) / max(1, self.steps_here)
        eta = per_step * max(0, self.total_steps - self.steps_here)
        frac = ev.iteration / max(1, ev.iters_per_epoch)
        width = 24
        bar = "#" * int(frac * width) + "." * (width - int(frac * width))
        line = (
            f"epoch {ev.epoch}/{self.epochs} [{bar}] {ev.iteration}/{ev.iters_per_epoch} "
            f"loss {ev.total:.4f} lr {ev.lr:.2g} {ev.images_per_s:.1f} img/s ETA {_fmt_time(eta)}"
        )
        if self.tty:
            print("\r" + line.ljust(110), end="", file=self.err, flush=True)
        elif now - self.last_line > 10 or ev.iteration == ev.iters_per_epoch:
            print(line, file=self.err, flush=True)
            self.last_line = now

    def _newline(self) -> None:
        if self.tty and self.steps_here:
            print(file=self.err)


# --------------------------------------------------------------------------- predict / evaluate
def run_predict(args: argparse.Namespace) -> int:
    from .data import list_images
    from .predict import Predictor, draw_overlay, write_coco_results

    try:
        predictor = Predictor.from_checkpoint(args.checkpoint, getattr(args, "device", "auto"))
        paths = list_images(args.images)
        if not paths:
            raise TrainerError("No images found in " + ", ".join(map(str, args.images)) + ".")
        ids = {}
        if getattr(args, "coco", None):
            from .data import load_coco

            data, _ = load_coco(args.coco)
            ids = {Path(im["file_name"]).name: im["id"] for im in data["images"]}
        overlay_dir = Path(args.overlay) if getattr(args, "overlay", None) else None
        if overlay_dir:
            overlay_dir.mkdir(parents=True, exist_ok=True)
        items, names, n_inst, skipped = [], {}, 0, []
        for i, path in enumerate(paths, 1):
            try:  # one unreadable or oversized image must not cost the results of all the others
                instances = predictor.predict(path, score_threshold=args.score)
            except (TrainerError, MemoryError) as e:
                why = str(e) if isinstance(e, TrainerError) else f"not enough memory to predict on {path}"
                skipped.append(str(path))
                print(f"[{i}/{len(paths)}] skipped: {why}", file=sys.stderr)
                continue
            image_id = ids.get(path.name, i)
            items.append((image_id, instances))
            names[image_id] = str(path)
            n_inst += len(instances)
            summary = ", ".join(f"{x.class_name} {x.score:.2f}" for x in instances) or "nothing"
            print(f"[{i}/{len(paths)}] {path}: {summary}")
            if overlay_dir:
                _write_overlay(path, instances, overlay_dir, draw_overlay)
        write_coco_results(args.out, items, predictor.category_ids, names)
    except TrainerError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_FAILED
    done = len(paths) - len(skipped)
    print(f"{n_inst} instances in {done} images → {args.out}" + (f", overlays in {overlay_dir}" if overlay_dir else ""))
    if skipped:
        print(
            f"error: skipped {len(skipped)} of {len(paths)} image(s) that could not be read: "
            + ", ".join(skipped[:5])
            + (f" and {len(skipped) - 5} more" if len(skipped) > 5 else "")
            + f"; the results of the other {done} are in {args.out}.",
            file=sys.stderr,
        )
        return EXIT_FAILED
    return EXIT_OK


def _write_overlay(path: Path, instances, overlay_dir: Path, draw_overlay) -> None:
    from PIL import Image

    out = overlay_dir / f"{path.stem}.png"
    try:
        Image.fromarray(draw_overlay(path, instances)).save(out)
    except (OSError, TrainerError) as e:
        raise TrainerError(f"Cannot write the overlay {out}: {e}") from None


def evaluate_checkpoint(checkpoint: str, coco: Any, images: str | None, device: str = "auto") -> dict[str, Any]:
    """COCO metrics of ``checkpoint`` on every image of ``coco`` (classes matched by name)."""
    from .data import CocoInstances, prepare
    from .evaluate import coco_from_dict, coco_metrics, match_categories, predict_dataset
    from .predict import Predictor
    from .transforms import build_transforms

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
    results, _ = predict_dataset(
        predictor.model, ds, predictor.device, [c if c is not None else -1 for c in cat_ids], predictor.class_names
    )
    results = [r for r in results if r["category_id"] != -1]
    for why in ds.unreadable.values():
        print(f"warning: left out of the evaluation: {why}", file=sys.stderr)
    scored = [i for i in ids if i not in ds.unreadable]  # an image that failed to decode has no predictions
    return coco_metrics(coco_from_dict(prepared.ground_truth(scored)), results)


def run_evaluate(args: argparse.Namespace) -> int:
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
