"""``fit(config, stop) -> Iterator[Event]``: the training loop as a generator of events.

Shape follows torchvision's detection references (train_one_epoch / evaluate, linear warm-up,
a checkpoint dict); control flow does not: problems become ``failed`` events, never prints or
``sys.exit``. Stop is a ``threading.Event`` checked between iterations."""

from __future__ import annotations

import math
import os
import random
import resource
import threading
import time
import traceback
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader, DistributedSampler

from . import distributed
from .checkpoint import clean_stale_temps, copy_checkpoint, load_checkpoint, save_checkpoint
from .config import LOSS_NAMES, TrainConfig
from .data import CocoInstances, EpochRandomSampler, GroupedBatchSampler, collate
from .errors import CheckpointError, ConfigError, DatasetError, TrainerError
from .evaluate import coco_from_dict, coco_metrics, predict_dataset, validation_losses
from .events import CheckpointSaved, EpochEnd, Event, Failed, Finished, Preview, Started, Step, WarningEvent
from .model_selection import BEST_BY, epoch_record, is_better, selection_key
from .models import build_model, resolve_arch, resolve_device
from .prepared import PreparedData
from .recipe import describe
from .runlog import RunLog, write_summary
from .score_threshold import best_f1_threshold, score_distribution
from .suggested_threshold import poor_fit_note
from .training_set import prepare_training
from .transforms import build_transforms, training_dataset
from .weights import load_initial_weights

MAX_NONFINITE = 5  # non-finite losses in a row (across epochs) before the run is declared diverged


def fit(config: TrainConfig, stop: threading.Event | None = None) -> Iterator[Event]:
    """Train; yield events. Never raises for user-facing problems: yields ``failed`` and returns."""
    stop = stop or threading.Event()
    try:
        yield from _fit(config, stop)
    except TrainerError as e:
        yield Failed(reason=_clean(str(e)))
    except torch.cuda.OutOfMemoryError:
        yield Failed(
            reason="The GPU ran out of memory: lower the batch size or the input size (min_size/max_size).",
            detail=traceback.format_exc(),
        )
    except MemoryError:
        yield Failed(
            reason="The computer ran out of memory: lower the batch size, the input size or the workers.",
            detail=traceback.format_exc(),
        )
    except Exception as e:  # noqa: BLE001 - anything else still ends as an event
        yield Failed(
            reason=f"Training stopped on an unexpected error: {type(e).__name__}: {_clean(str(e))}",
            detail=traceback.format_exc(),
        )


def _clean(msg: str) -> str:
    # Errors raised in DataLoader workers arrive wrapped with the worker's traceback.
    if "Original Traceback" in msg:
        last = [ln for ln in msg.strip().splitlines() if ln.strip()][-1]
        return last.split(": ", 1)[1] if ": " in last else last
    return msg


def default_lr(config: TrainConfig, world_size: int) -> float:
    if config.lr is not None:
        return config.lr
    images = config.batch_size * world_size
    # torchvision's fine-tuning tutorial: SGD 0.005 for 2 images, scaled linearly (capped).
    return min(0.02, 0.0025 * images) if config.optimizer == "sgd" else 1e-4 * max(1.0, images / 8)


def lr_factor(it: int, warmup: int, total: int, schedule: str) -> float:
    f = 1.0
    if it < warmup:
        f = 0.001 + (1 - 0.001) * it / warmup
    progress = min(1.0, it / max(1, total))
    if schedule == "cosine":
        f *= 0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi * progress))
    elif schedule == "step":
        f *= 0.1 ** sum(progress >= m for m in (2 / 3, 8 / 9))
    return f


def memory_mb(device: torch.device) -> float:
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20
    if device.type == "mps":
        return torch.mps.current_allocated_memory() / 2**20
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _all_finite(tensors) -> bool:
    floats = [t for t in tensors if t.is_floating_point()]
    return not floats or bool(torch.stack([torch.isfinite(t).all() for t in floats]).all())


def _seed(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def _fit(config: TrainConfig, stop: threading.Event) -> Iterator[Event]:
    config.validate()
    device = resolve_device(config.device)
    info = distributed.setup(device.type)
    if info.enabled and device.type == "cuda":
        device = torch.device("cuda", info.local_rank)
    try:
        yield from _Run(config, stop, device, info).events()
    finally:
        distributed.teardown(info)


@dataclass
class _Data:
    """The run's datasets and loaders."""

    train: CocoInstances
    val: CocoInstances
    batches: GroupedBatchSampler
    loader: DataLoader
    val_loader: DataLoader | None
    gt: Any = None  # pycocotools COCO of the validation images scored (built on first use)
    gt_ids: list[int] = field(default_factory=list)

    @property
    def iters(self) -> int:
        return len(self.batches)


@dataclass
class _Training:
    """What the run trains, and what a checkpoint saves of it."""

    prepared: PreparedData
    arch: dict[str, Any]
    core: torch.nn.Module  # the model itself: what is saved
    model: torch.nn.Module  # core, or DistributedDataParallel around it: what is trained
    opt: torch.optim.Optimizer
    sched: torch.optim.lr_scheduler.LambdaLR
    scaler: torch.amp.GradScaler
    amp: bool
    best: Any = None  # the selection key best.pth holds
    start_epoch: int = 1
    metrics: dict[str, Any] = field(default_factory=dict)  # the last evaluation's figures

    @property
    def names(self) -> list[str]:
        return self.prepared.class_names


class _Run:
    def __init__(self, config: TrainConfig, stop: threading.Event, device: torch.device, info: distributed.DistInfo):
        self.cfg, self.stop, self.device, self.info = config, stop, device, info
        self.run_dir = Path(config.out)
        self.main = info.is_main
        self.log: RunLog | None = None
        self.nonfinite = 0  # losses in a row that were NaN/Inf; not reset by a new epoch
        self.unreadable_reported: set[str] = set()
        self.saved_epoch: int | None = None  # the epoch last.pth holds
        self.history: list[dict[str, Any]] = []  # per evaluated epoch: what best.pth is chosen by
        self.evaluated: dict[str, Any] | None = None  # this epoch's evaluation, until it is saved
        self.best_summary: dict[str, Any] = {}  # the best epoch's figures, for summary.json

    def _emit(self, ev: Event) -> Event:
        if self.log is not None:
            self.log.write(ev)
        return ev

    def events(self) -> Iterator[Event]:
        _seed(self.cfg.seed + self.info.rank)
        ckpt = self._resume_checkpoint()
        prepared = prepare_training(self.cfg)
        warnings = list(prepared.warnings)
        arch = self._arch(prepared, ckpt)
        data = self._data(prepared, arch)
        self.t = t = self._training(prepared, arch, ckpt, data.iters, warnings)
        self.recipe = describe(self.cfg, arch, default_lr(self.cfg, self.info.world_size), data.iters)  # log, summary
        if self.main:
            warnings += self._open_run_dir()
        try:
            for w in warnings if self.main else []:
                yield self._emit(WarningEvent(w))
            yield self._emit(
                Started(
                    run_dir=str(self.run_dir.resolve()),
                    device=str(self.device),
                    model=arch["model"],
                    num_train_images=len(data.train),
                    num_val_images=len(data.val),
                    class_names=t.names,
                    iters_per_epoch=data.iters,
                    epochs=self.cfg.epochs,
                    start_epoch=t.start_epoch,
                    world_size=self.info.world_size,
                    recipe=self.recipe,
                )
            )
            yield from self._epochs(t, data)
        finally:
            if self.log is not None:
                self.log.close()

    # ------------------------------------------------------------------ setup
    def _arch(self, prepared: PreparedData, ckpt: dict | None) -> dict[str, Any]:
        if ckpt is None:
            return resolve_arch(self.cfg)
        if list(ckpt["class_names"]) != prepared.class_names:
            raise CheckpointError(
                f"Cannot resume from {self.resume_path}: it was trained on classes "
                f"{ckpt['class_names']} but the dataset now has {prepared.class_names}. Start a new run instead."
            )
        return ckpt["arch"]

    def _data(self, prepared: PreparedData, arch: dict[str, Any]) -> _Data:
        cfg, info = self.cfg, self.info
        train = training_dataset(prepared, cfg.augment, arch)
        val = CocoInstances(prepared, prepared.val_ids, build_transforms(None, False))
        sampler: DistributedSampler | EpochRandomSampler
        if info.enabled:
            sampler = DistributedSampler(
                train, num_replicas=info.world_size, rank=info.rank, shuffle=True, seed=cfg.seed
            )
        else:
            sampler = EpochRandomSampler(len(train), cfg.seed)
        groups = train.aspect_groups() if cfg.aspect_ratio_grouping else [0] * len(train)
        batches = GroupedBatchSampler(sampler, groups, cfg.batch_size)
        val_loader = self._loader(val, batch_size=cfg.batch_size, shuffle=False) if len(val) else None
        return _Data(train, val, batches, self._loader(train, batch_sampler=batches), val_loader)

    def _loader(self, dataset: CocoInstances, **how: Any) -> DataLoader:
        return DataLoader(
            dataset,
            num_workers=self.cfg.workers,
            collate_fn=collate,
            pin_memory=self.device.type == "cuda",
            persistent_workers=self.cfg.workers > 0,
            **how,
        )

    def _training(
        self, prepared: PreparedData, arch: dict[str, Any], ckpt: dict | None, iters: int, warnings: list[str]
    ) -> _Training:
        """The model (initial weights or the checkpoint's), its optimiser and schedule."""
        cfg, device = self.cfg, self.device
        core = build_model(arch, len(prepared.class_names) + 1)
        if ckpt is None:
            warnings += load_initial_weights(core, arch, cfg.weights)
        else:
            core.load_state_dict({k.removeprefix("module."): v for k, v in ckpt["model"].items()})
        core.to(device)
        model: torch.nn.Module = core
        if self.info.enabled:
            ids = [device.index] if device.type == "cuda" else None
            model = torch.nn.parallel.DistributedDataParallel(core, device_ids=ids)
        params = [p for p in model.parameters() if p.requires_grad]
        lr = default_lr(cfg, self.info.world_size)
        opt: torch.optim.Optimizer
        if cfg.optimizer == "sgd":
            opt = torch.optim.SGD(params, lr=lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay)
        else:
            opt = torch.optim.AdamW(params, lr=lr, weight_decay=cfg.weight_decay)
        total, warmup = cfg.epochs * iters, min(cfg.warmup_iters, iters)  # as the references: ≤ one epoch
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda it: lr_factor(it, warmup, total, cfg.schedule))
        amp = (device.type == "cuda") if cfg.amp is None else bool(cfg.amp and device.type == "cuda")
        t = _Training(prepared, arch, core, model, opt, sched, torch.amp.GradScaler(device.type, enabled=amp), amp)
        if ckpt is not None:
            self._restore(t, ckpt)
        return t

    def _restore(self, t: _Training, ckpt: dict) -> None:
        """Continue where the checkpoint stopped: optimiser, schedule, the epoch and best.pth's record."""
        try:
            t.opt.load_state_dict(ckpt["optimizer"])
            t.sched.load_state_dict(ckpt["scheduler"])
            if ckpt.get("scaler"):
                t.scaler.load_state_dict(ckpt["scaler"])
        except (KeyError, ValueError) as e:
            raise CheckpointError(
                f"Cannot resume from {self.resume_path}: its optimizer state does not fit this configuration ({e})."
            ) from None
        t.start_epoch, t.best = int(ckpt["epoch"]) + 1, ckpt.get("best_metric")
        t.metrics = dict(ckpt.get("metrics") or {})
        self.history = list(ckpt.get("selection_history") or [])
        self.best_summary = dict(ckpt.get("best_summary") or {})
        self.saved_epoch = int(ckpt["epoch"])
        if t.start_epoch > self.cfg.epochs:
            raise ConfigError(
                f"Nothing to resume: {self.resume_path} already finished epoch {ckpt['epoch']} "
                f"of {self.cfg.epochs}; ask for more epochs to train longer."
            )

    def _open_run_dir(self) -> list[str]:
        """Create the run folder, save config.json, open the logs; returns warnings."""
        warnings = []
        self.run_dir.mkdir(parents=True, exist_ok=True)
        removed = clean_stale_temps(self.run_dir)
        if removed:
            warnings.append(
                f"Removed {len(removed)} unfinished checkpoint file(s) left in {self.run_dir} by "
                f"a save that was interrupted: {', '.join(f.name for f in removed)}."
            )
        self.cfg.save(self.run_dir)
        self.log = RunLog(self.run_dir, self.cfg.tensorboard)
        if self.log.warning:
            warnings.append(self.log.warning)
        return warnings

    # ------------------------------------------------------------------ epochs
    def _epochs(self, t: _Training, data: _Data) -> Iterator[Event]:
        step = (t.start_epoch - 1) * data.iters
        for epoch in range(t.start_epoch, self.cfg.epochs + 1):
            t0 = time.perf_counter()
            data.batches.set_epoch(epoch)
            stopped, done = yield from self._train_epoch(t, data.loader, epoch, data.iters, step)
            step += done
            if stopped:
                # A partial epoch is not counted: resuming repeats it with the updated weights.
                yield from self._finish(epoch - 1, done, t.metrics, stopped=True)
                return
            if self.main:
                yield from self._end_epoch(t, data, epoch, t0)
            stopped = distributed.broadcast_flag(self.stop.is_set(), self.info, self.device)
            if self.main:
                yield from self._save(epoch, 0, t.metrics)
            if stopped:
                yield from self._finish(epoch, 0, t.metrics, stopped=True, saved=True)
                return
        yield from self._finish(self.cfg.epochs, 0, t.metrics, stopped=False, saved=True)

    def _end_epoch(self, t: _Training, data: _Data, epoch: int, t0: float) -> Iterator[Event]:
        """Evaluate on the validation images when due (main process); always an EpochEnd unless stopped."""
        cfg = self.cfg
        due = epoch % cfg.eval_interval == 0 or epoch == cfg.epochs
        if not (due and data.val_loader is not None):
            yield self._emit(EpochEnd(epoch, {}, {}, time.perf_counter() - t0))
            return
        try:
            val_losses = validation_losses(t.model, data.val_loader, self.device, cfg.loss_weights, self.stop, t.amp)
            results, previews = predict_dataset(
                t.model, data.val, self.device, t.prepared.category_ids, t.names, cfg.preview_images, self.stop, t.amp
            )
        except DatasetError as e:  # every validation image failed to decode
            yield self._emit(WarningEvent(f"No validation this epoch: {_clean(str(e))}"))
            yield self._emit(EpochEnd(epoch, {}, {}, time.perf_counter() - t0))
            return
        for why in data.val.unreadable.values():
            yield from self._warn_unreadable(why, "left it out of validation")
        if self.stop.is_set():
            return
        gt = self._ground_truth(t, data)
        t.metrics = coco_metrics(gt, results)
        self._judge(epoch, gt, results, t.metrics, val_losses)
        yield self._emit(EpochEnd(epoch, val_losses, dict(t.metrics), time.perf_counter() - t0))
        if previews:
            yield self._emit(Preview(epoch, previews))

    @staticmethod
    def _ground_truth(t: _Training, data: _Data) -> Any:
        """The validation images the model was shown (unreadable ones are not scored), as pycocotools COCO."""
        ids = [i for i in t.prepared.val_ids if i not in data.val.unreadable]
        if data.gt is None or ids != data.gt_ids:
            data.gt, data.gt_ids = coco_from_dict(t.prepared.ground_truth(ids)), ids
        return data.gt

    def _resume_checkpoint(self) -> dict | None:
        cfg = self.cfg
        if not (cfg.resume or cfg.weights == "last"):
            return None
        self.resume_path = Path(cfg.resume) if isinstance(cfg.resume, str) else self.run_dir / "last.pth"
        if not self.resume_path.is_file():
            raise CheckpointError(
                f"Cannot resume: {self.resume_path} does not exist (train once without resume first, "
                "or point --resume at a checkpoint)."
            )
        return load_checkpoint(self.resume_path)

    # ---------------------------------------------------------------- one epoch
    def _train_epoch(
        self, t: _Training, loader: DataLoader, epoch: int, iters: int, step0: int
    ) -> Generator[Event, None, tuple[bool, int]]:
        """One pass over the training batches; returns (stopped early, steps done)."""
        device, info = self.device, self.info
        t.model.train()
        done, ips = 0, None
        t_last = time.perf_counter()
        for it, (images, targets) in enumerate(loader, 1):
            if not info.enabled and self.stop.is_set():
                return True, done
            for target in targets:
                why = target.pop("unreadable", None)
                yield from self._warn_unreadable(why, "another image took its place in the batch")
            images = [i.to(device, non_blocking=True) for i in images]
            targets = [
                {k: (v.to(device, non_blocking=True) if torch.is_tensor(v) else v) for k, v in target.items()}
                for target in targets
            ]
            with torch.autocast(device.type, enabled=t.amp):
                loss_dict = t.model(images, targets)
            total, values = self._losses(loss_dict)
            if values is None:  # another rank asked to stop
                return True, done
            t.opt.zero_grad(set_to_none=True)
            if not all(math.isfinite(v) for v in values):
                yield from self._skip_nonfinite(values, f"at epoch {epoch}, iteration {it}")
                continue
            self.nonfinite = 0
            lr = self._step(t, total, f"at epoch {epoch}, iteration {it}")
            done += 1
            now = time.perf_counter()
            rate = len(images) * info.world_size / max(now - t_last, 1e-9)
            ips = rate if ips is None else 0.8 * ips + 0.2 * rate
            t_last = now
            yield self._emit(
                Step(
                    epoch=epoch,
                    iteration=it,
                    global_step=step0 + done,
                    iters_per_epoch=iters,
                    losses=dict(zip(LOSS_NAMES, values[:5])),
                    total=values[5],
                    lr=lr,
                    images_per_s=ips,
                    memory_mb=memory_mb(device),
                )
            )
        return self.stop.is_set() and not info.enabled and done < iters, done

    def _losses(self, loss_dict: dict[str, torch.Tensor]) -> tuple[torch.Tensor, list[float] | None]:
        """(the weighted total to step on, [each loss, total] to report: averaged over ranks under DDP).

        Under DDP the same collective carries everyone's stop request: None when any rank stops."""
        weights = self.cfg.loss_weights or {}
        total = sum(weights.get(k, 1.0) * v for k, v in loss_dict.items())
        assert isinstance(total, torch.Tensor)
        stats = torch.stack([loss_dict[k].detach().float() for k in LOSS_NAMES] + [total.detach().float()])
        if self.info.enabled:
            flag = torch.tensor([1.0 if self.stop.is_set() else 0.0], device=stats.device)
            stats = torch.cat([stats, flag])
            torch.distributed.all_reduce(stats)
            if stats[-1].item() > 0:
                return total, None
            stats = stats[:-1] / self.info.world_size
        return total, stats.tolist()

    def _skip_nonfinite(self, values: list[float], where: str) -> Iterator[Event]:
        """A NaN/Inf loss skips its batch; MAX_NONFINITE in a row end the run as diverged."""
        self.nonfinite += 1
        bad = ", ".join(f"{k}={v}" for k, v in zip(LOSS_NAMES, values) if not math.isfinite(v))
        if self.nonfinite >= MAX_NONFINITE:
            raise self._diverged(where, f"the loss was not finite for {self.nonfinite} iterations in a row ({bad})")
        if self.main:
            yield self._emit(WarningEvent(f"Non-finite loss {where} ({bad}); skipped that batch."))

    def _step(self, t: _Training, total: torch.Tensor, where: str) -> float:
        """Backward, clip, optimiser and schedule step; returns the learning rate the step used."""
        params = [p for g in t.opt.param_groups for p in g["params"]]
        t.scaler.scale(total).backward()
        if self.cfg.grad_clip:
            t.scaler.unscale_(t.opt)
            torch.nn.utils.clip_grad_norm_(params, self.cfg.grad_clip)
        t.scaler.step(t.opt)
        t.scaler.update()
        if not _all_finite(params):  # one huge step: every later loss would be NaN
            raise self._diverged(where, "this step made some weights NaN or infinite")
        lr = t.opt.param_groups[0]["lr"]
        t.sched.step()
        return lr

    def _warn_unreadable(self, why: str | None, what_instead: str) -> Iterator[Event]:
        """Once per file: an image that failed to decode (the dataset marks it, in whichever process loaded it)."""
        if why and self.main and why not in self.unreadable_reported:
            self.unreadable_reported.add(why)
            yield self._emit(WarningEvent(f"Skipped an image that cannot be decoded ({what_instead}): {why}"))

    def _diverged(self, where: str, what: str) -> TrainerError:
        cfg, ws = self.cfg, self.info.world_size
        lr, usual = default_lr(cfg, ws), default_lr(cfg.replace(lr=None), ws)
        lower = f"--lr {usual:g}, the default here" if lr > usual else f"--lr {lr / 10:g}"
        last = self.run_dir / "last.pth"
        kept = (
            f"{last} from epoch {self.saved_epoch} is intact"
            if self.saved_epoch is not None and last.exists()
            else "no checkpoint was written"
        )
        return TrainerError(
            f"Training diverged {where}: {what}. The learning rate {lr:g} is the likely cause: lower "
            f"it (e.g. {lower}) and train again, or check the annotations. Non-finite weights are "
            f"never saved; {kept}."
        )

    def _judge(self, epoch: int, gt, results: list[dict], metrics: dict, val_losses: dict) -> None:
        """Suggest a score threshold (into ``metrics``) and keep what best.pth is chosen by."""
        choice = best_f1_threshold(gt, results)
        metrics["score_threshold"] = choice.pop("score_threshold")
        record = epoch_record(epoch, metrics, val_losses)
        if record is not None:
            self.history.append(record)
        self.evaluated = {
            "epoch": epoch,
            "metrics": dict(metrics),
            "score_threshold": metrics["score_threshold"],
            "threshold_at": dict(choice, how="best F1 on the validation set, a mask matching at IoU ≥ 0.5"),
            "score_distribution": score_distribution(results, len(gt.getImgIds())),
            "selection": selection_key(self.history) if record is not None else None,
        }

    # ---------------------------------------------------------------- saving
    def _checkpoint(self, epoch: int, iteration: int, metrics: dict) -> dict[str, Any]:
        t = self.t
        if not _all_finite(t.core.state_dict().values()):
            raise self._diverged(f"by the end of epoch {epoch}", "some weights are NaN or infinite")
        return {
            "model": t.core.state_dict(),
            "optimizer": t.opt.state_dict(),
            "scheduler": t.sched.state_dict(),
            "scaler": t.scaler.state_dict(),
            "epoch": epoch,
            "iteration": iteration,
            "config": self.cfg.portable_dict(self.run_dir),
            "arch": t.arch,
            "class_names": t.names,
            "category_ids": t.prepared.category_ids,
            "metrics": metrics,
            "best_metric": t.best,
            "selection_history": self.history,
            "best_summary": self.best_summary,
        }

    def _save(self, epoch: int, iteration: int, metrics: dict) -> Iterator[Event]:
        evaluated, self.evaluated = self.evaluated, None
        key = evaluated["selection"] if evaluated is not None else None
        improved = key is not None and is_better(key, self.t.best)
        if improved:
            assert evaluated is not None
            self.t.best = key  # recorded in the checkpoint below
            self.best_summary = {k: v for k, v in evaluated.items() if k != "selection"}
        last = self._write(self._checkpoint(epoch, iteration, metrics), epoch)
        yield self._emit(CheckpointSaved(str(last), epoch, best=False))
        if improved:
            try:
                best = copy_checkpoint(last, self.run_dir / "best.pth")
            except CheckpointError as e:
                raise CheckpointError(
                    f"{e} {last} (epoch {epoch}) was saved; resume the run once there is space."
                ) from None
            yield self._emit(CheckpointSaved(str(best), epoch, best=True))

    def _finish(self, epoch: int, iteration: int, metrics: dict, stopped: bool, saved: bool = False) -> Iterator[Event]:
        if self.main and not saved:
            yield from self._save_last_only(epoch, iteration, metrics)
        best = self.run_dir / "best.pth"
        last = self.run_dir / "last.pth"
        if self.main:
            self._write_summary(epoch, metrics, best.exists())
        yield self._emit(
            Finished(
                run_dir=str(self.run_dir.resolve()),
                best_checkpoint=str(best if best.exists() else last) if last.exists() else None,
                last_checkpoint=str(last) if last.exists() else None,
                stopped=stopped,
                metrics=dict(metrics),
            )
        )

    def _write_summary(self, epoch: int, metrics: dict, has_best: bool) -> None:
        """summary.json: which epoch best.pth holds and why, and the score threshold to predict with."""
        b = self.best_summary if has_best else {}
        write_summary(
            self.run_dir,
            {
                "best_by": BEST_BY if has_best else "no validation figures: best.pth was not written",
                "best_epoch": b.get("epoch"),
                "best_metrics": b.get("metrics", {}),
                "score_threshold": b.get("score_threshold"),
                "score_threshold_choice": b.get("threshold_at"),
                "advice": poor_fit_note(b.get("threshold_at")) if has_best else None,
                "score_distribution": b.get("score_distribution"),
                "last_epoch": epoch,
                "last_metrics": dict(metrics),
                "recipe": self.recipe,
            },
        )

    def _save_last_only(self, epoch: int, iteration: int, metrics: dict) -> Iterator[Event]:
        last = self._write(self._checkpoint(epoch, iteration, metrics), epoch)
        yield self._emit(CheckpointSaved(str(last), epoch, best=False))

    def _write(self, checkpoint: dict[str, Any], epoch: int) -> Path:
        try:
            path = save_checkpoint(checkpoint, self.run_dir / "last.pth")
        except CheckpointError as e:
            then = (
                f"last.pth still holds epoch {self.saved_epoch}: resume the run"
                if self.saved_epoch is not None
                else "train again"
            )
            raise CheckpointError(
                f"{e} Epoch {epoch} was not saved; {then} once that is fixed (e.g. disk space freed)."
            ) from None
        self.saved_epoch = epoch
        return path
