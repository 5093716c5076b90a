"""``fit_live(config, settings, control, stop) -> Iterator[Event]``: training that goes on while the
user labels. Not epochs but single steps, each on a batch drawn from a set that grows
(``trainer.live.data``): ``control`` (a queue) brings ``put`` / ``remove`` / ``checkpoint``
messages between steps. The step itself is the engine's (``one_epoch.train_one_epoch`` over one
batch), so loss, clipping and divergence checks are the same as a plain run's. Every
``checkpoint_every_s`` last.pth is written in the run folder (a run like any other). It pauses
when the validation loss has not improved for ``patience`` evaluations and resumes on the next
change to the set; it runs niced, on capped threads."""

from __future__ import annotations

import os
import queue
import random
import threading
import time
import traceback
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import torch
from torch.utils.data import DataLoader

from trainer.augment.transforms import build_transforms
from trainer.config import TrainConfig
from trainer.dataset.decode import load_coco, open_image
from trainer.dataset.instances import collate
from trainer.errors import TrainerError
from trainer.evaluation.evaluate import validation_losses
from trainer.events import CheckpointSaved, Event, Failed, Finished, Started, WarningEvent
from trainer.inference.polygons import DEFAULT_TOLERANCE
from trainer.live.data import LiveImages
from trainer.live.events import LivePrediction, LiveSettings, LiveStatus, default_threads
from trainer.model.checkpoint import save_checkpoint
from trainer.model.registry import build_model, resolve_arch, resolve_device, warm_start_arch
from trainer.model.weights import load_initial_weights
from trainer.run import distributed
from trainer.run import files as run_files
from trainer.run.log import write_summary
from trainer.run.one_epoch import Training, all_finite, clean_message, default_lr, train_one_epoch


def fit_live(
    config: TrainConfig, settings: LiveSettings, control: queue.Queue, stop: threading.Event | None = None
) -> Iterator[Event]:
    """Live training; yields events, ending with ``finished`` (on stop) or ``failed``."""
    stop = stop or threading.Event()
    try:
        yield from _LiveRun(config, settings, control, stop).events()
    except TrainerError as e:
        yield Failed(reason=clean_message(str(e)))
    except Exception as e:  # noqa: BLE001 - anything else still ends as an event
        yield Failed(f"Live training stopped on an unexpected error: {type(e).__name__}: {e}", traceback.format_exc())


# A warm start from one of our runs continues from weights its schedule had annealed: restarting
# SGD at the from-scratch rate shakes them loose. On balloon photos 31-61 warm-started from a run
# on photos 1-30, lr 0.001 gave pre-label IoU 0.22 on average against 0.17 at 0.005 (better on 16
# photos, worse on 9; the README's live-training section has the figures and run folders).
WARM_LR_FACTOR = 0.2


def live_lr(config: TrainConfig, model: str) -> float:
    """The live loop's learning rate: the setting if given; else the plain run's default, lowered
    by WARM_LR_FACTOR when the weights are a Polymask checkpoint of the same model."""
    if config.lr is not None:
        return config.lr
    base = default_lr(config, 1)
    warm = isinstance(config.weights, str) and warm_start_arch(config.weights, model) is not None
    return base * WARM_LR_FACTOR if warm else base


def be_polite(settings: LiveSettings) -> int:
    """Low priority and capped threads (the window keeps a core); returns the thread count."""
    threads = settings.threads or default_threads()
    torch.set_num_threads(threads)
    if settings.nice and hasattr(os, "nice"):
        try:
            os.nice(settings.nice)
        except OSError:
            pass
    return threads


class _LiveRun:
    """Also the ``RunContext`` the engine's step function asks of its run."""

    main = True

    def __init__(self, config: TrainConfig, settings: LiveSettings, control: queue.Queue, stop: threading.Event):
        self.cfg, self.live, self.control, self.stop = config, settings, control, stop
        self.info = distributed.DistInfo()
        self.device = resolve_device(config.device)
        self.run_dir = Path(config.out)
        self.rng = random.Random(config.seed)
        self.step = 0
        self.paused = False
        self.best_val: float | None = None
        self.bad_evals = 0
        self.val_loss: float | None = None
        self.warned: set[str] = set()
        self.sampled: deque[int] = deque(maxlen=2000)  # the image ids of the latest batches

    # RunContext
    def warn_unreadable(self, why: str | None, what_instead: str) -> Iterator[Event]:
        if why and why not in self.warned:
            self.warned.add(why)
            yield WarningEvent(f"Skipped an image that cannot be decoded ({what_instead}): {why}")

    def diverged(self, where: str, what: str) -> TrainerError:
        return TrainerError(f"Live training diverged {where}: {what}. Lower the learning rate and start it again.")

    # ------------------------------------------------------------------ setup
    def _setup(self) -> list[str]:
        cfg = self.cfg
        data, _ = load_coco(cfg.coco if cfg.coco is not None else {"images": [], "categories": []})
        root = Path(cfg.images) if cfg.images else Path(".")
        self.images = LiveImages(data["categories"], root, self.live.val_every, self.live.fresh_draws)
        anns: dict[int, list[dict]] = {}
        for a in data.get("annotations", []):
            anns.setdefault(int(a["image_id"]), []).append(a)
        for im in data["images"]:
            self.images.put(im, anns.get(int(im["id"]), []))
        self.images.fresh.clear()  # the starting images are not new
        self.arch = resolve_arch(cfg)
        names = self.images.p.class_names
        core = build_model(self.arch, len(names) + 1)
        warnings = load_initial_weights(core, self.arch, cfg.weights)
        core.to(self.device)
        params = [p for p in core.parameters() if p.requires_grad]
        lr = live_lr(cfg, self.arch["model"])
        opt = torch.optim.SGD(params, lr=lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay)
        warm = max(1, cfg.warmup_iters)
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda it: min(1.0, 0.001 + it / warm))
        self.t = Training(self.images.p, self.arch, core, core, opt, sched, torch.amp.GradScaler(enabled=False), False)
        self.train_tf = build_transforms(cfg.augment, True)
        self.val_tf = build_transforms(None, False)
        self.scale_for = (self.arch["min_size"], self.arch["max_size"])
        self.run_dir.mkdir(parents=True, exist_ok=True)
        cfg.save(self.run_dir)
        return warnings

    def events(self) -> Iterator[Event]:
        threads = be_polite(self.live)
        warnings = self._setup()
        for w in warnings:
            yield WarningEvent(w)
        yield Started(
            run_dir=str(self.run_dir.resolve()),
            device=f"{self.device} ({threads} threads, live)",
            model=self.arch["model"],
            num_train_images=len(self.images.train_ids),
            num_val_images=len(self.images.val_ids),
            class_names=self.images.p.class_names,
            iters_per_epoch=1,
            epochs=0,
        )
        yield from self._loop()

    # ------------------------------------------------------------------ the loop
    def _status(self, state: str, secs: float | None = None, message: str = "") -> LiveStatus:
        return LiveStatus(
            state, self.step, len(self.images.train_ids), len(self.images.val_ids), self.val_loss, secs, message
        )

    def _apply(self, msg: dict[str, Any]) -> Iterator[Event]:
        op = msg.get("op")
        try:
            if op == "put":
                self.images.put(msg["image"], msg.get("annotations") or [], msg.get("path"))
            elif op == "remove":
                self.images.remove(msg["image_id"])
            elif op == "checkpoint":
                yield from self._save()
            elif op == "predict":
                yield self._predict(str(msg["key"]), str(msg["path"]), msg)
            else:
                yield WarningEvent(f"Live training ignored an unknown control message {op!r}.")
        except (KeyError, TypeError, ValueError, TrainerError) as e:
            yield WarningEvent(f"Live training ignored a control message it could not use ({op}): {e}")

    def _drain(self, wait_s: float) -> Iterator[Event]:
        """Apply the waiting control messages (waiting up to `wait_s` for the first)."""
        version = self.images.version
        try:
            msg = self.control.get(timeout=wait_s) if wait_s > 0 else self.control.get_nowait()
            while True:
                yield from self._apply(msg)
                msg = self.control.get_nowait()
        except queue.Empty:
            pass
        if self.images.version != version and self.paused:
            self.paused, self.bad_evals = False, 0
            yield self._status("learning", message="resumed on a new label")

    def _loop(self) -> Iterator[Event]:
        live, last_save, state = self.live, time.monotonic(), ""
        secs: float | None = None
        while not self.stop.is_set():
            idle = self.paused or len(self.images.train_ids) < max(1, live.min_images)
            yield from self._drain(0.2 if idle else 0.0)
            if self.paused or len(self.images.train_ids) < max(1, live.min_images):
                if state != "idle":
                    state = "idle"
                    yield self._status("paused" if self.paused else "waiting")
                continue
            if state != "learning":
                state = "learning"
                yield self._status("learning")
            t0 = time.perf_counter()
            yield from self._one_step()
            dt = time.perf_counter() - t0
            secs = dt if secs is None else 0.8 * secs + 0.2 * dt
            if live.eval_every_steps and self.step % live.eval_every_steps == 0:
                yield from self._judge(secs)
            if time.monotonic() - last_save >= live.checkpoint_every_s:
                yield from self._save()
                last_save = time.monotonic()
        yield from self._save()
        write_summary(self.run_dir, {"live": True, "last_step": self.step, "val_loss": self.val_loss})
        last = self.run_dir / run_files.LAST
        yield Finished(str(self.run_dir.resolve()), None, str(last) if last.exists() else None, stopped=True)

    def _one_step(self) -> Iterator[Event]:
        ids = [self.images.draw(self.rng, self.live.share_fresh) for _ in range(self.cfg.batch_size)]
        self.sampled.extend(ids)
        ds = self.images.dataset(ids, self.train_tf, self.scale_for)
        batch = collate([ds[i] for i in range(len(ids))])
        one_batch = cast(DataLoader, [batch])  # the step only iterates its loader
        _, done = yield from train_one_epoch(self, self.t, one_batch, 1, 1, self.step)
        self.step += done

    def _judge(self, secs: float | None) -> Iterator[Event]:
        """Validation loss on the held-out images; pause after `patience` evaluations without progress."""
        val = self.images.val_ids
        if not val:
            return
        ds = self.images.dataset(val, self.val_tf, self.scale_for)
        batches = (collate([ds[i]]) for i in range(len(val)))
        self.val_loss = validation_losses(self.t.model, batches, self.device, self.cfg.loss_weights or {})["total"]
        if self.best_val is None or self.val_loss < self.best_val - 1e-4:
            self.best_val, self.bad_evals = self.val_loss, 0
        else:
            self.bad_evals += 1
        if self.bad_evals >= self.live.patience:
            self.paused = True
            yield self._status("paused", secs, "the validation loss stopped improving")
        else:
            yield self._status("learning", secs)

    def _predict(self, key: str, path: str, msg: dict[str, Any]) -> LivePrediction:
        """Pre-label one image with the weights as they are now (between two steps)."""
        from trainer.inference.predict import Predictor

        t = self.t
        try:
            image, _ = open_image(path)
            p = Predictor(t.core, t.names, t.prepared.category_ids, self.device)
            found = p.predict(
                image, float(msg.get("score", 0.05)), tolerance=float(msg.get("tolerance", DEFAULT_TOLERANCE))
            )
        except (OSError, ValueError, TrainerError) as e:
            return LivePrediction(key, self.step, [], f"Cannot pre-label {path}: {e}")
        finally:
            t.core.train()  # Predictor put it in eval mode; the next step trains
        return LivePrediction(key, self.step, [inst.to_dict() for inst in found])

    def _save(self) -> Iterator[Event]:
        t = self.t
        if self.step == 0 or not all_finite(t.core.state_dict().values()):
            return
        ckpt = {
            "model": t.core.state_dict(),
            "epoch": 0,
            "iteration": self.step,
            "config": self.cfg.portable_dict(self.run_dir),
            "arch": t.arch,
            "class_names": t.names,
            "category_ids": t.prepared.category_ids,
            "metrics": {"val_loss": self.val_loss} if self.val_loss is not None else {},
            "live": {"step": self.step, "images": list(self.images.arrived)},
        }
        path = save_checkpoint(ckpt, self.run_dir / run_files.LAST)
        yield CheckpointSaved(str(path), self.step, best=False)
