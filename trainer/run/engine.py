"""``fit(config, stop) -> Iterator[Event]``: the training loop as a generator of events.

Shape follows torchvision's detection references: the epoch loop (``_Run._epochs``) calls
``one_epoch.train_one_epoch`` and ``one_epoch.evaluate``, then saves a checkpoint dict; linear
warm-up. Control flow does not: problems become ``failed`` events, never prints or
``sys.exit``. Stop is a ``threading.Event`` checked between iterations."""

from __future__ import annotations

import random
import threading
import time
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader, DistributedSampler

from polymask_common.text import plural
from trainer.augment.transforms import build_transforms, training_dataset
from trainer.config import TrainConfig
from trainer.dataset.instances import CocoInstances, EpochRandomSampler, GroupedBatchSampler, collate
from trainer.dataset.prepared import PreparedData
from trainer.dataset.training_set import prepare_training
from trainer.errors import CheckpointError, ConfigError, TrainerError
from trainer.evaluation.evaluate import coco_metrics
from trainer.evaluation.score_threshold import best_f1_threshold, score_distribution
from trainer.evaluation.suggested_threshold import poor_fit_note
from trainer.events import CheckpointSaved, EpochEnd, Event, Failed, Finished, Preview, Started, WarningEvent
from trainer.model.checkpoint import clean_stale_temps, copy_checkpoint, load_checkpoint, save_checkpoint
from trainer.model.registry import build_model, resolve_arch, resolve_device
from trainer.model.selection import BEST_BY, epoch_record, is_better, selection_key
from trainer.model.weights import load_initial_weights
from trainer.run import distributed
from trainer.run import files as run_files
from trainer.run.log import RunLog, write_summary
from trainer.run.one_epoch import (
    RunData,
    Training,
    all_finite,
    clean_message,
    default_lr,
    evaluate,
    lr_factor,
    train_one_epoch,
)
from trainer.run.recipe import describe, planned_schedule

__all__ = ["fit", "default_lr", "lr_factor"]


def fit(config: TrainConfig, stop: threading.Event | None = None) -> Iterator[Event]:
    """Train; yield events. Never raises for user-facing problems: yields ``failed`` and returns."""
    stop = stop or threading.Event()
    try:
        yield from _fit(config, stop)
    except TrainerError as e:
        yield Failed(reason=clean_message(str(e)))
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
            reason=f"Training stopped on an unexpected error: {type(e).__name__}: {clean_message(str(e))}",
            detail=traceback.format_exc(),
        )


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
        self.unreadable_reported: set[str] = set()
        self.saved_epoch: int | None = None  # the epoch last.pth holds
        self.history: list[dict[str, Any]] = []  # per evaluated epoch: what best.pth is chosen by
        self.evaluated: dict[str, Any] | None = None  # this epoch's evaluation, until it is saved
        self.best_summary: dict[str, Any] = {}  # the best epoch's figures, for summary.json

    # The schedule lives in the config alone (config.json keeps the plan): planned once the epoch's
    # length is known (planned_schedule); 1 until then.
    @property
    def epochs(self) -> int:
        return self.cfg.epochs or 1

    @property
    def eval_interval(self) -> int:
        return self.cfg.eval_interval or 1

    def events(self) -> Iterator[Event]:
        """The run's events; each is also written to the run folder's log."""
        try:
            for ev in self._events():
                if self.log is not None:
                    self.log.write(ev)
                yield ev
        finally:
            if self.log is not None:
                self.log.close()

    def _events(self) -> Iterator[Event]:
        _seed(self.cfg.seed + self.info.rank)
        ckpt = self._resume_checkpoint()
        prepared = prepare_training(self.cfg)
        warnings = list(prepared.warnings)
        arch = self._arch(prepared, ckpt)
        data = self._data(prepared, arch)
        epochs, interval = planned_schedule(self.cfg.epochs, self.cfg.eval_interval, data.iters)
        self.cfg = self.cfg.replace(epochs=epochs, eval_interval=interval)
        self.t = t = self._training(prepared, arch, ckpt, data.iters, warnings)
        self.recipe = describe(self.cfg, arch, default_lr(self.cfg, self.info.world_size), data.iters)  # log, summary
        if self.main:
            warnings += self._open_run_dir()
        for w in warnings if self.main else []:
            yield WarningEvent(w)
        yield Started(
            run_dir=str(self.run_dir.resolve()),
            device=str(self.device),
            model=arch["model"],
            num_train_images=len(data.train),
            num_val_images=len(data.val),
            class_names=t.names,
            iters_per_epoch=data.iters,
            epochs=self.epochs,
            start_epoch=t.start_epoch,
            world_size=self.info.world_size,
            recipe=self.recipe,
        )
        yield from self._epochs(t, data)

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

    def _data(self, prepared: PreparedData, arch: dict[str, Any]) -> RunData:
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
        return RunData(train, val, batches, self._loader(train, batch_sampler=batches), val_loader)

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
    ) -> Training:
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
        total, warmup = self.epochs * iters, min(cfg.warmup_iters, iters)  # as the references: ≤ one epoch
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda it: lr_factor(it, warmup, total, cfg.schedule))
        amp = (device.type == "cuda") if cfg.amp is None else bool(cfg.amp and device.type == "cuda")
        t = Training(prepared, arch, core, model, opt, sched, torch.amp.GradScaler(device.type, enabled=amp), amp)
        if ckpt is not None:
            self._restore(t, ckpt)
        return t

    def _restore(self, t: Training, ckpt: dict) -> None:
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
        if t.start_epoch > self.epochs:
            raise ConfigError(
                f"Nothing to resume: {self.resume_path} already finished epoch {ckpt['epoch']} "
                f"of {self.epochs}; ask for more epochs to train longer."
            )

    def _open_run_dir(self) -> list[str]:
        """Create the run folder, save config.json, open the logs; returns warnings."""
        warnings = []
        self.run_dir.mkdir(parents=True, exist_ok=True)
        removed = clean_stale_temps(self.run_dir)
        if removed:
            warnings.append(
                f"Removed {plural(len(removed), 'unfinished checkpoint file')} left in {self.run_dir} by "
                f"a save that was interrupted: {', '.join(f.name for f in removed)}."
            )
        self.cfg.save(self.run_dir)
        self.log = RunLog(self.run_dir, self.cfg.tensorboard)
        if self.log.warning:
            warnings.append(self.log.warning)
        return warnings

    # ------------------------------------------------------------------ epochs
    def _epochs(self, t: Training, data: RunData) -> Iterator[Event]:
        """The epoch loop: train, evaluate (when due), save; a stop ends it with a checkpoint."""
        step = (t.start_epoch - 1) * data.iters
        for epoch in range(t.start_epoch, self.epochs + 1):
            t0 = time.perf_counter()
            data.batches.set_epoch(epoch)
            stopped, done = yield from train_one_epoch(self, t, data.loader, epoch, data.iters, step)
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
        yield from self._finish(self.epochs, 0, t.metrics, stopped=False, saved=True)

    def _end_epoch(self, t: Training, data: RunData, epoch: int, t0: float) -> Iterator[Event]:
        """Evaluate on the validation images when due (main process); always an EpochEnd unless stopped."""
        due = epoch % self.eval_interval == 0 or epoch == self.epochs
        result = (yield from evaluate(self, t, data)) if due and data.val_loader is not None else None
        if result is None:  # not due, or no validation image could be read
            yield EpochEnd(epoch, {}, {}, time.perf_counter() - t0)
            return
        if self.stop.is_set():
            return
        t.metrics = coco_metrics(result.gt, result.results)
        self._judge(epoch, result.gt, result.results, t.metrics, result.val_losses)
        yield EpochEnd(epoch, result.val_losses, dict(t.metrics), time.perf_counter() - t0)
        if result.previews:
            yield Preview(epoch, result.previews)

    def _resume_checkpoint(self) -> dict | None:
        cfg = self.cfg
        if not (cfg.resume or cfg.weights == "last"):
            return None
        self.resume_path = Path(cfg.resume) if isinstance(cfg.resume, str) else self.run_dir / run_files.LAST
        if not self.resume_path.is_file():
            raise CheckpointError(
                f"Cannot resume: {self.resume_path} does not exist (train once without resume first, "
                "or point --resume at a checkpoint)."
            )
        return load_checkpoint(self.resume_path)

    def warn_unreadable(self, why: str | None, what_instead: str) -> Iterator[Event]:
        """Once per file: an image that failed to decode (the dataset marks it, in whichever process loaded it)."""
        if why and self.main and why not in self.unreadable_reported:
            self.unreadable_reported.add(why)
            yield WarningEvent(f"Skipped an image that cannot be decoded ({what_instead}): {why}")

    def diverged(self, where: str, what: str) -> TrainerError:
        cfg, ws = self.cfg, self.info.world_size
        lr, usual = default_lr(cfg, ws), default_lr(cfg.replace(lr=None), ws)
        lower = f"--lr {usual:g}, the default here" if lr > usual else f"--lr {lr / 10:g}"
        last = self.run_dir / run_files.LAST
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
        if not all_finite(t.core.state_dict().values()):
            raise self.diverged(f"by the end of epoch {epoch}", "some weights are NaN or infinite")
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
        yield CheckpointSaved(str(last), epoch, best=False)
        if improved:
            try:
                best = copy_checkpoint(last, self.run_dir / run_files.BEST)
            except CheckpointError as e:
                raise CheckpointError(
                    f"{e} {last} (epoch {epoch}) was saved; resume the run once there is space."
                ) from None
            yield CheckpointSaved(str(best), epoch, best=True)

    def _finish(self, epoch: int, iteration: int, metrics: dict, stopped: bool, saved: bool = False) -> Iterator[Event]:
        if self.main and not saved:
            yield from self._save_last_only(epoch, iteration, metrics)
        best = self.run_dir / run_files.BEST
        last = self.run_dir / run_files.LAST
        if self.main:
            self._write_summary(epoch, metrics, best.exists())
        yield Finished(
            run_dir=str(self.run_dir.resolve()),
            best_checkpoint=str(best if best.exists() else last) if last.exists() else None,
            last_checkpoint=str(last) if last.exists() else None,
            stopped=stopped,
            metrics=dict(metrics),
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
        yield CheckpointSaved(str(last), epoch, best=False)

    def _write(self, checkpoint: dict[str, Any], epoch: int) -> Path:
        try:
            path = save_checkpoint(checkpoint, self.run_dir / run_files.LAST)
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
