"""Training subcommands: argparse builders and runners returning exit codes (``predict`` and
``evaluate`` are in ``trainer.commands.predict``).

The app's ``polymask`` CLI mounts these; ``python -m trainer`` mounts them without the app."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from polymask_common.text import plural
from trainer.choices import NORMS
from trainer.config import TrainConfig, parse_value
from trainer.errors import TrainerError
from trainer.events import (
    METRIC_KEYS,
    CheckpointSaved,
    EpochEnd,
    Event,
    Failed,
    Finished,
    Preview,
    Started,
    Step,
    WarningEvent,
    as_trainer_event,
    unhandled,
)
from trainer.launch.ssh.cli_args import add_remote_arguments, remote_fitter, target_from_args
from trainer.launch.ssh.transport import RemoteTarget
from trainer.run import files as run_files
from trainer.run.recipe import recipe_line

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_STOPPED = 0, 1, 2, 130


# --------------------------------------------------------------------------- parsers
def add_train_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "train",
        help="fine-tune Mask R-CNN on a COCO dataset",
        description="Fine-tune a torchvision Mask R-CNN on COCO instance segmentation. Writes checkpoints "
        f"({run_files.BEST}, {run_files.LAST}), {run_files.CONFIG}, {run_files.METRICS} and TensorBoard logs to the run folder.",
    )
    p.add_argument(
        "--coco", metavar="FILE", help="COCO instance-segmentation JSON (CVAT, Label Studio, Roboflow, Polymask)"
    )
    p.add_argument("--images", metavar="DIR", help="image folder the COCO file_names are relative to")
    p.add_argument(
        "--val",
        metavar="COCO",
        dest="val_coco",
        help="validate on this COCO file's images (instead of a random share of the training images)",
    )
    p.add_argument("--val-images", metavar="DIR", dest="val_images", help="image folder of --val (default: beside it)")
    p.add_argument("--config", metavar="FILE", help="settings from a JSON or YAML file; flags override it")
    p.add_argument(
        "--model",
        help="fast (MobileNetV3, default), accurate (= maskrcnn_resnet50_fpn_v2), "
        "maskrcnn_resnet50_fpn, maskrcnn_mobilenet_v3_large_fpn",
    )
    p.add_argument(
        "--norm",
        choices=NORMS,
        help="the backbone's normalisation: auto (default: frozen BatchNorm over pretrained weights; "
        "from scratch, group, measured best on real photos), batch, local (BatchNorm with each batch's own statistics, also when "
        "predicting: no running averages), group (GroupNorm) or frozen",
    )
    p.add_argument("--epochs", type=int, help="default: as many as make about 1,300 steps (planned from the images)")
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
    add_remote_arguments(p)
    return p


# --------------------------------------------------------------------------- train
# the flags that set a TrainConfig field of the same name
_FLAGS = (
    "coco",
    "images",
    "val_coco",
    "val_images",
    "model",
    "norm",
    "epochs",
    "batch_size",
    "lr",
    "device",
    "weights",
    "workers",
)


def settings_from_args(args: argparse.Namespace) -> dict[str, Any]:
    """The TrainConfig fields the command line gives: --config's file, then --set, then the
    flags (later wins). ``out`` only when given: --out, the file's own, or --resume
    CHECKPOINT's folder. Raises TrainerError (a bad --set, a bad file, --resume without a folder)."""
    settings: dict[str, Any] = {}
    if getattr(args, "config", None):
        default = TrainConfig().to_dict()
        settings = {k: v for k, v in TrainConfig.from_file(args.config).to_dict().items() if v != default[k]}
    for item in getattr(args, "set", None) or []:
        if "=" not in item:
            raise TrainerError(f"--set expects KEY=VALUE, got '{item}'.")
        k, v = item.split("=", 1)
        settings[k.strip()] = parse_value(v)
    settings.update({name: v for name in _FLAGS if (v := getattr(args, name, None)) is not None})
    resume = getattr(args, "resume", None)
    if resume is not None:
        settings["resume"] = resume
    if getattr(args, "out", None):
        settings["out"] = args.out
    elif isinstance(resume, str):
        settings["out"] = str(Path(resume).parent)
    elif resume is True:
        raise TrainerError("--resume needs the run folder: add --out RUN_DIR (or give the checkpoint path).")
    return settings


def build_config(args: argparse.Namespace) -> TrainConfig:
    """The run the command line asks for; without a run folder, a new one under runs/."""
    settings = settings_from_args(args)
    settings.setdefault("out", time.strftime("runs/train-%Y%m%d-%H%M%S"))
    return TrainConfig.from_dict(settings)


def _rank() -> int:
    return int(os.environ.get("RANK", "0") or 0)


def run_train(args: argparse.Namespace) -> int:
    """Train as the arguments say, printing progress. Returns the exit code."""
    try:
        cfg = build_config(args)
    except TrainerError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_USAGE
    if getattr(args, "preview_data", None):
        return preview_data(cfg, args.preview_data, getattr(args, "preview_count", 8))
    quiet, verbose = getattr(args, "quiet", False), getattr(args, "verbose", False)
    return run_config(cfg, quiet=quiet, verbose=verbose, remote=target_from_args(args))


def run_config(
    cfg: TrainConfig,
    *,
    quiet: bool = False,
    verbose: bool = False,
    on_event: Callable[[Event], None] | None = None,
    remote: RemoteTarget | None = None,
) -> int:
    """Train `cfg` in this process (or on `remote`, over SSH), printing progress (Ctrl-C stops
    after the iteration); `on_event` sees every event too (the app records the run with it)."""
    if remote is not None:
        fit = remote_fitter(remote)  # the same events, from a run on another machine
    else:
        from trainer.run.engine import fit  # late: a usage error answers without loading torch

    stop = threading.Event()
    restore = _install_sigint(stop)
    printer = ProgressPrinter(quiet=quiet or _rank() != 0, verbose=verbose)
    try:
        code = EXIT_FAILED
        for ev in fit(cfg, stop):
            code = printer.handle(ev, code)
            if on_event is not None:
                on_event(ev)
        return code
    finally:
        restore()


def preview_data(cfg: TrainConfig, out_dir: str, count: int) -> int:
    """``--preview-data``: write the first augmented training samples instead of training."""
    from trainer.augment.preview import write_preview

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
    them = "it" if len(samples) == 1 else "them"
    print(
        f"{plural(len(samples), 'training sample')} as the model sees {them} → {out_dir} (samples.json + overlay PNGs)"
    )
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

    def handle(self, event: Event, code: int) -> int:
        ev = as_trainer_event(event)
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
            case _ if self.quiet:
                pass
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
            case CheckpointSaved() | Preview():
                pass
            case _:
                unhandled(ev)
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
        if ev.recipe:
            print("  " + recipe_line(ev.recipe), file=self.out, flush=True)

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
