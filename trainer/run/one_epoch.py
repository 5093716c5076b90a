"""``train_one_epoch`` and ``evaluate``: one pass over the training batches and one over the
validation images, in the shape of torchvision's references/detection/engine.py. They yield
events (a ``step`` per iteration, warnings) instead of printing, and return what the epoch
loop in ``trainer.run.engine`` needs; the run they belong to is a ``RunContext``."""

from __future__ import annotations

import math
import os
import resource
import threading
import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

import torch
from torch.utils.data import DataLoader

from trainer.choices import LOSS_NAMES
from trainer.config import TrainConfig
from trainer.dataset.instances import CocoInstances, GroupedBatchSampler
from trainer.dataset.prepared import PreparedData
from trainer.errors import DatasetError, TrainerError
from trainer.evaluation.evaluate import coco_from_dict, predict_dataset, validation_losses
from trainer.events import Event, Step, WarningEvent
from trainer.run import distributed

MAX_NONFINITE = 5  # non-finite losses in a row (across epochs) before the run is declared diverged


@dataclass
class RunData:
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
class Training:
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
    nonfinite: int = 0  # losses in a row that were NaN/Inf; not reset by a new epoch

    @property
    def names(self) -> list[str]:
        return self.prepared.class_names


@dataclass
class Evaluation:
    val_losses: dict[str, float]
    results: list[dict]  # COCO detection results
    gt: Any  # pycocotools COCO of the images scored
    previews: list[dict[str, Any]]


class RunContext(Protocol):
    """What an epoch needs of its run."""

    cfg: TrainConfig
    device: torch.device
    info: distributed.DistInfo
    stop: threading.Event
    main: bool  # the process that reports (rank 0)

    def warn_unreadable(self, why: str | None, what_instead: str) -> Iterator[Event]: ...

    def diverged(self, where: str, what: str) -> TrainerError: ...


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


def all_finite(tensors) -> bool:
    floats = [t for t in tensors if t.is_floating_point()]
    return not floats or bool(torch.stack([torch.isfinite(t).all() for t in floats]).all())


def clean_message(msg: str) -> str:
    # Errors raised in DataLoader workers arrive wrapped with the worker's traceback.
    if "Original Traceback" in msg:
        last = [ln for ln in msg.strip().splitlines() if ln.strip()][-1]
        return last.split(": ", 1)[1] if ": " in last else last
    return msg


# --------------------------------------------------------------------------- training
def train_one_epoch(
    run: RunContext, t: Training, loader: DataLoader, epoch: int, iters: int, step0: int
) -> Generator[Event, None, tuple[bool, int]]:
    """One pass over the training batches; returns (stopped early, steps done)."""
    device, info = run.device, run.info
    t.model.train()
    done, ips = 0, None
    t_last = time.perf_counter()
    for it, (images, targets) in enumerate(loader, 1):
        if not info.enabled and run.stop.is_set():
            return True, done
        for target in targets:
            yield from run.warn_unreadable(target.pop("unreadable", None), "another image took its place in the batch")
        images = [i.to(device, non_blocking=True) for i in images]
        targets = [
            {k: (v.to(device, non_blocking=True) if torch.is_tensor(v) else v) for k, v in target.items()}
            for target in targets
        ]
        with torch.autocast(device.type, enabled=t.amp):
            loss_dict = t.model(images, targets)
        total, values = _losses(run, loss_dict)
        if values is None:  # another rank asked to stop
            return True, done
        t.opt.zero_grad(set_to_none=True)
        where = f"at epoch {epoch}, iteration {it}"
        if not all(math.isfinite(v) for v in values):
            yield from _skip_nonfinite(run, t, values, where)
            continue
        t.nonfinite = 0
        lr = _step(run, t, total, where)
        done += 1
        now = time.perf_counter()
        rate = len(images) * info.world_size / max(now - t_last, 1e-9)
        ips = rate if ips is None else 0.8 * ips + 0.2 * rate
        t_last = now
        yield Step(
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
    return run.stop.is_set() and not info.enabled and done < iters, done


def _losses(run: RunContext, loss_dict: dict[str, torch.Tensor]) -> tuple[torch.Tensor, list[float] | None]:
    """(the weighted total to step on, [each loss, total] to report: averaged over ranks under DDP).

    Under DDP the same collective carries everyone's stop request: None when any rank stops."""
    weights = run.cfg.loss_weights or {}
    total = sum(weights.get(k, 1.0) * v for k, v in loss_dict.items())
    assert isinstance(total, torch.Tensor)
    stats = torch.stack([loss_dict[k].detach().float() for k in LOSS_NAMES] + [total.detach().float()])
    if run.info.enabled:
        flag = torch.tensor([1.0 if run.stop.is_set() else 0.0], device=stats.device)
        stats = torch.cat([stats, flag])
        torch.distributed.all_reduce(stats)
        if stats[-1].item() > 0:
            return total, None
        stats = stats[:-1] / run.info.world_size
    return total, stats.tolist()


def _skip_nonfinite(run: RunContext, t: Training, values: list[float], where: str) -> Iterator[Event]:
    """A NaN/Inf loss skips its batch; MAX_NONFINITE in a row end the run as diverged."""
    t.nonfinite += 1
    bad = ", ".join(f"{k}={v}" for k, v in zip(LOSS_NAMES, values) if not math.isfinite(v))
    if t.nonfinite >= MAX_NONFINITE:
        raise run.diverged(where, f"the loss was not finite for {t.nonfinite} iterations in a row ({bad})")
    if run.main:
        yield WarningEvent(f"Non-finite loss {where} ({bad}); skipped that batch.")


def _step(run: RunContext, t: Training, total: torch.Tensor, where: str) -> float:
    """Backward, clip, optimiser and schedule step; returns the learning rate the step used."""
    params = [p for g in t.opt.param_groups for p in g["params"]]
    t.scaler.scale(total).backward()
    if run.cfg.grad_clip:
        t.scaler.unscale_(t.opt)
        torch.nn.utils.clip_grad_norm_(params, run.cfg.grad_clip)
    t.scaler.step(t.opt)
    t.scaler.update()
    if not all_finite(params):  # one huge step: every later loss would be NaN
        raise run.diverged(where, "this step made some weights NaN or infinite")
    lr = t.opt.param_groups[0]["lr"]
    t.sched.step()
    return lr


# --------------------------------------------------------------------------- validation
def evaluate(run: RunContext, t: Training, data: RunData) -> Generator[Event, None, Evaluation | None]:
    """Validation losses and predictions on the validation images, with their ground truth to
    score them against. None when every validation image failed to decode (said as a warning)."""
    assert data.val_loader is not None
    cfg = run.cfg
    try:
        val_losses = validation_losses(t.model, data.val_loader, run.device, cfg.loss_weights, run.stop, t.amp)
        results, previews = predict_dataset(
            t.model, data.val, run.device, t.prepared.category_ids, t.names, cfg.preview_images, run.stop, t.amp
        )
    except DatasetError as e:
        yield WarningEvent(f"No validation this epoch: {clean_message(str(e))}")
        return None
    for why in data.val.unreadable.values():
        yield from run.warn_unreadable(why, "left it out of validation")
    return Evaluation(val_losses, results, _ground_truth(t, data), previews)


def _ground_truth(t: Training, data: RunData) -> Any:
    """The validation images the model was shown (unreadable ones are not scored), as pycocotools COCO."""
    ids = [i for i in t.prepared.val_ids if i not in data.val.unreadable]
    if data.gt is None or ids != data.gt_ids:
        data.gt, data.gt_ids = coco_from_dict(t.prepared.ground_truth(ids)), ids
    return data.gt
