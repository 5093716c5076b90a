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
from collections.abc import Iterator
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
from .runlog import RunLog, write_summary
from .score_threshold import best_f1_threshold, score_distribution
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

    # ------------------------------------------------------------------ setup
    def _emit(self, ev: Event) -> Event:
        if self.log is not None:
            self.log.write(ev)
        return ev

    def events(self) -> Iterator[Event]:
        cfg, info, device = self.cfg, self.info, self.device
        _seed(cfg.seed + info.rank)
        ckpt = self._resume_checkpoint()
        prepared = prepare_training(cfg)
        warnings = list(prepared.warnings)
        names = prepared.class_names
        if ckpt is not None and list(ckpt["class_names"]) != names:
            raise CheckpointError(
                f"Cannot resume from {self.resume_path}: it was trained on classes "
                f"{ckpt['class_names']} but the dataset now has {names}. Start a new run instead."
            )
        arch = ckpt["arch"] if ckpt is not None else resolve_arch(cfg)
        model = build_model(arch, len(names) + 1)
        if ckpt is None:
            warnings += load_initial_weights(model, arch, cfg.weights)
        else:
            model.load_state_dict({k.removeprefix("module."): v for k, v in ckpt["model"].items()})
        model.to(device)
        core = model
        if info.enabled:
            model = torch.nn.parallel.DistributedDataParallel(
                model, device_ids=[device.index] if device.type == "cuda" else None
            )

        # data
        train_ds = training_dataset(prepared, cfg.augment, arch)
        val_ds = CocoInstances(prepared, prepared.val_ids, build_transforms(None, False))
        sampler: DistributedSampler | EpochRandomSampler
        if info.enabled:
            sampler = DistributedSampler(
                train_ds, num_replicas=info.world_size, rank=info.rank, shuffle=True, seed=cfg.seed
            )
        else:
            sampler = EpochRandomSampler(len(train_ds), cfg.seed)
        groups = train_ds.aspect_groups() if cfg.aspect_ratio_grouping else [0] * len(train_ds)
        batches = GroupedBatchSampler(sampler, groups, cfg.batch_size)

        def loader_for(dataset, **how) -> DataLoader:
            return DataLoader(
                dataset,
                num_workers=cfg.workers,
                collate_fn=collate,
                pin_memory=device.type == "cuda",
                persistent_workers=cfg.workers > 0,
                **how,
            )

        loader = loader_for(train_ds, batch_sampler=batches)
        val_loader = loader_for(val_ds, batch_size=cfg.batch_size, shuffle=False) if len(val_ds) else None
        iters = len(batches)

        # optimisation
        params = [p for p in model.parameters() if p.requires_grad]
        lr = default_lr(cfg, info.world_size)
        opt: torch.optim.Optimizer
        if cfg.optimizer == "sgd":
            opt = torch.optim.SGD(params, lr=lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay)
        else:
            opt = torch.optim.AdamW(params, lr=lr, weight_decay=cfg.weight_decay)
        total = cfg.epochs * iters
        warmup = min(cfg.warmup_iters, iters)  # as the references: at most one epoch
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda it: lr_factor(it, warmup, total, cfg.schedule))
        amp = (device.type == "cuda") if cfg.amp is None else bool(cfg.amp and device.type == "cuda")
        scaler = torch.amp.GradScaler(device.type, enabled=amp)
        start_epoch, best = 1, None
        if ckpt is not None:
            try:
                opt.load_state_dict(ckpt["optimizer"])
                sched.load_state_dict(ckpt["scheduler"])
                if ckpt.get("scaler"):
                    scaler.load_state_dict(ckpt["scaler"])
            except (KeyError, ValueError) as e:
                raise CheckpointError(
                    f"Cannot resume from {self.resume_path}: its optimizer state does not fit this configuration ({e})."
                ) from None
            start_epoch, best = int(ckpt["epoch"]) + 1, ckpt.get("best_metric")
            self.history = list(ckpt.get("selection_history") or [])
            self.best_summary = dict(ckpt.get("best_summary") or {})
            self.saved_epoch = int(ckpt["epoch"])
            if start_epoch > cfg.epochs:
                raise ConfigError(
                    f"Nothing to resume: {self.resume_path} already finished epoch {ckpt['epoch']} "
                    f"of {cfg.epochs}; ask for more epochs to train longer."
                )

        if self.main:
            self.run_dir.mkdir(parents=True, exist_ok=True)
            removed = clean_stale_temps(self.run_dir)
            if removed:
                warnings.append(
                    f"Removed {len(removed)} unfinished checkpoint file(s) left in {self.run_dir} by "
                    f"a save that was interrupted: {', '.join(f.name for f in removed)}."
                )
            cfg.save(self.run_dir)
            self.log = RunLog(self.run_dir, cfg.tensorboard)
            if self.log.warning:
                warnings.append(self.log.warning)
        try:
            for w in warnings if self.main else []:
                yield self._emit(WarningEvent(w))
            yield self._emit(
                Started(
                    run_dir=str(self.run_dir.resolve()),
                    device=str(device),
                    model=arch["model"],
                    num_train_images=len(train_ds),
                    num_val_images=len(val_ds),
                    class_names=names,
                    iters_per_epoch=iters,
                    epochs=cfg.epochs,
                    start_epoch=start_epoch,
                    world_size=info.world_size,
                )
            )
            self.state = dict(
                core=core, arch=arch, names=names, prepared=prepared, opt=opt, sched=sched, scaler=scaler, best=best
            )
            gt = coco_from_dict(prepared.val_ground_truth()) if (self.main and len(val_ds)) else None
            step = (start_epoch - 1) * iters
            metrics: dict[str, Any] = dict(ckpt.get("metrics") or {}) if ckpt is not None else {}
            for epoch in range(start_epoch, cfg.epochs + 1):
                t0 = time.perf_counter()
                batches.set_epoch(epoch)
                stopped, done = yield from self._train_epoch(model, loader, opt, sched, scaler, amp, epoch, iters, step)
                step += done
                if stopped:
                    # A partial epoch is not counted: resuming repeats it with the updated weights.
                    yield from self._finish(epoch - 1, done, metrics, stopped=True)
                    return
                val_losses: dict[str, float] = {}
                evaluate = epoch % cfg.eval_interval == 0 or epoch == cfg.epochs
                if self.main and evaluate and len(val_ds):
                    try:
                        val_losses = validation_losses(model, val_loader, device, cfg.loss_weights, self.stop, amp)
                        results, previews = predict_dataset(
                            model, val_ds, device, prepared.category_ids, names, cfg.preview_images, self.stop, amp
                        )
                    except DatasetError as e:  # every validation image failed to decode
                        yield self._emit(WarningEvent(f"No validation this epoch: {_clean(str(e))}"))
                        yield self._emit(EpochEnd(epoch, {}, {}, time.perf_counter() - t0))
                    else:
                        for why in val_ds.unreadable.values():
                            yield from self._warn_unreadable(why, "left it out of validation")
                        if val_ds.unreadable:  # score only the images the model was shown
                            gt = coco_from_dict(
                                prepared.ground_truth([i for i in prepared.val_ids if i not in val_ds.unreadable])
                            )
                        if not self.stop.is_set():
                            metrics = coco_metrics(gt, results)
                            self._judge(epoch, gt, results, metrics, val_losses)
                            yield self._emit(EpochEnd(epoch, val_losses, dict(metrics), time.perf_counter() - t0))
                            if previews:
                                yield self._emit(Preview(epoch, previews))
                elif self.main:
                    yield self._emit(EpochEnd(epoch, {}, {}, time.perf_counter() - t0))
                stopped = distributed.broadcast_flag(self.stop.is_set(), info, device)
                if self.main:
                    yield from self._save(epoch, 0, metrics)
                if stopped:
                    yield from self._finish(epoch, 0, metrics, stopped=True, saved=True)
                    return
            yield from self._finish(cfg.epochs, 0, metrics, stopped=False, saved=True)
        finally:
            if self.log is not None:
                self.log.close()

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
    def _train_epoch(self, model, loader, opt, sched, scaler, amp, epoch, iters, step0):
        cfg, device, info = self.cfg, self.device, self.info
        weights = cfg.loss_weights or {}
        params = [p for g in opt.param_groups for p in g["params"]]
        model.train()
        done, ips = 0, None
        t_last = time.perf_counter()
        for it, (images, targets) in enumerate(loader, 1):
            if not info.enabled and self.stop.is_set():
                return True, done
            for t in targets:
                yield from self._warn_unreadable(t.pop("unreadable", None), "another image took its place in the batch")
            images = [i.to(device, non_blocking=True) for i in images]
            targets = [
                {k: (v.to(device, non_blocking=True) if torch.is_tensor(v) else v) for k, v in t.items()}
                for t in targets
            ]
            with torch.autocast(device.type, enabled=amp):
                loss_dict = model(images, targets)
            total = sum(weights.get(k, 1.0) * v for k, v in loss_dict.items())
            stats = torch.stack([loss_dict[k].detach().float() for k in LOSS_NAMES] + [total.detach().float()])
            if info.enabled:  # one collective: mean losses for logging + everyone's stop request
                flag = torch.tensor([1.0 if self.stop.is_set() else 0.0], device=stats.device)
                stats = torch.cat([stats, flag])
                torch.distributed.all_reduce(stats)
                if stats[-1].item() > 0:
                    return True, done
                stats = stats[:-1] / info.world_size
            values = stats.tolist()
            opt.zero_grad(set_to_none=True)
            if not all(math.isfinite(v) for v in values):
                self.nonfinite += 1
                bad = ", ".join(f"{k}={v}" for k, v in zip(LOSS_NAMES, values) if not math.isfinite(v))
                if self.nonfinite >= MAX_NONFINITE:
                    raise self._diverged(
                        f"at epoch {epoch}, iteration {it}",
                        f"the loss was not finite for {self.nonfinite} iterations in a row ({bad})",
                    )
                if self.main:
                    yield self._emit(
                        WarningEvent(f"Non-finite loss at epoch {epoch}, iteration {it} ({bad}); skipped that batch.")
                    )
                continue
            self.nonfinite = 0
            scaler.scale(total).backward()
            if cfg.grad_clip:
                scaler.unscale_(opt)
                torch.nn.utils.clip_grad_norm_(params, cfg.grad_clip)
            scaler.step(opt)
            scaler.update()
            if not _all_finite(params):  # one huge step: every later loss would be NaN
                raise self._diverged(f"at epoch {epoch}, iteration {it}", "this step made some weights NaN or infinite")
            lr = opt.param_groups[0]["lr"]
            sched.step()
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
        s = self.state
        if not _all_finite(s["core"].state_dict().values()):
            raise self._diverged(f"by the end of epoch {epoch}", "some weights are NaN or infinite")
        return {
            "model": s["core"].state_dict(),
            "optimizer": s["opt"].state_dict(),
            "scheduler": s["sched"].state_dict(),
            "scaler": s["scaler"].state_dict(),
            "epoch": epoch,
            "iteration": iteration,
            "config": self.cfg.portable_dict(self.run_dir),
            "arch": s["arch"],
            "class_names": s["names"],
            "category_ids": s["prepared"].category_ids,
            "metrics": metrics,
            "best_metric": s["best"],
            "selection_history": self.history,
            "best_summary": self.best_summary,
        }

    def _save(self, epoch: int, iteration: int, metrics: dict) -> Iterator[Event]:
        evaluated, self.evaluated = self.evaluated, None
        key = evaluated["selection"] if evaluated is not None else None
        improved = key is not None and is_better(key, self.state["best"])
        if improved:
            assert evaluated is not None
            self.state["best"] = key  # recorded in the checkpoint below
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
                "score_distribution": b.get("score_distribution"),
                "last_epoch": epoch,
                "last_metrics": dict(metrics),
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
