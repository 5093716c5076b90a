"""What a run folder says about its run, read back from its files (trainer.run.files): the
curves in metrics.jsonl (each loss term per step, the validation figures per epoch), how the
run ended (its last finished / failed line), its settings (config.json) and its summary
(summary.json). The Runs list uses it for runs the project recorded and for folders it does not
know (``polymask train --out``); the curves dock draws a past run from it.

A line that is not JSON (a run killed mid-write) is skipped; a missing or unreadable file reads
as empty: a damaged folder is listed with what could be read, never an error."""

from __future__ import annotations

import datetime as _dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from polymask_common.atomic import atomic_write_text
from trainer.run import files as run_files  # torch-free

from .prelabel_quality import ImageQuality, read_quality

FINISHED, STOPPED, FAILED, RUNNING = "finished", "stopped", "failed", "running"
INTERRUPTED = "interrupted"  # its log has no end: killed, or the window closed hard
_STAMP = re.compile(r"^(\d{8})-(\d{6})")  # new_run_folder's `<date>-<time>-<model>`


@dataclass
class Series:
    x: list[float] = field(default_factory=list)
    y: list[float] = field(default_factory=list)

    def add(self, x: float, y: Any) -> None:
        if isinstance(y, (int, float)) and y == y and abs(y) != float("inf"):
            self.x.append(float(x))
            self.y.append(float(y))


@dataclass
class RunCurves:
    """A run's curves as its metrics.jsonl holds them."""

    losses: dict[str, Series] = field(default_factory=dict)  # "total" and each loss term, per global step
    val_loss: Series = field(default_factory=Series)  # validation total per epoch (x: epoch)
    metrics: dict[str, Series] = field(default_factory=dict)  # segm_AP, bbox_AP, ... per epoch
    iters_per_epoch: int = 1
    live: bool = False  # a live run: it logs no steps (trainer.live), its figure is the pre-label IoU
    quality: list[ImageQuality] = field(default_factory=list)  # a live run's, per finished image

    def is_empty(self) -> bool:
        return not any(s.x for s in self.losses.values()) and not any(s.x for s in self.metrics.values())


@dataclass
class FolderRun:
    """One run folder, as its files describe it."""

    folder: Path
    state: str = INTERRUPTED  # finished | stopped | failed | interrupted
    error: str | None = None
    model: str | None = None
    weights: str | None = None
    epochs: int | None = None
    epochs_done: int | None = None
    best: dict[str, float] = field(default_factory=dict)  # best value of each epoch figure (segm_AP, bbox_AP...)
    started: str | None = None  # ISO time
    summary: dict[str, Any] = field(default_factory=dict)
    has_checkpoint: bool = False
    quality: list[ImageQuality] = field(default_factory=list)  # a live run's pre-label IoU per finished image

    @property
    def live_steps(self) -> int | None:
        """The steps of a live run (Learn as I label: no epochs, no AP); None for any other run."""
        return int(self.summary.get("last_step") or 0) if self.summary.get("live") else None


def _lines(path: Path) -> list[dict[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    out = []
    for line in text.splitlines():
        try:
            d = json.loads(line)
        except ValueError:
            continue
        if isinstance(d, dict):
            out.append(d)
    return out


def _json(path: Path) -> dict[str, Any]:
    try:
        d = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return d if isinstance(d, dict) else {}


def read_run_curves(folder: Path | None) -> RunCurves:
    curves = RunCurves()
    if folder is None:
        return curves
    curves.live = bool(_json(folder / run_files.SUMMARY).get("live"))
    curves.quality = read_quality(folder)
    for d in _lines(folder / run_files.METRICS):
        kind = d.get("kind")
        if kind == "started":
            curves.iters_per_epoch = max(1, int(d.get("iters_per_epoch") or 1))
        elif kind == "step" and isinstance(d.get("global_step"), (int, float)):
            x = d["global_step"]
            curves.losses.setdefault("total", Series()).add(x, d.get("total"))
            for name, value in (d.get("losses") or {}).items():
                curves.losses.setdefault(name, Series()).add(x, value)
        elif kind == "epoch" and isinstance(d.get("epoch"), (int, float)):
            curves.val_loss.add(d["epoch"], (d.get("val_losses") or {}).get("total"))
            for name, value in (d.get("metrics") or {}).items():
                if isinstance(value, (int, float)) and value >= 0:  # pycocotools' -1: nothing to measure
                    curves.metrics.setdefault(name, Series()).add(d["epoch"], value)
    return curves


def stamp_time(name: str) -> str | None:
    """The ISO time in a run folder's name (``20261204-141003-fast``), if it has one."""
    m = _STAMP.match(name)
    if not m:
        return None
    try:
        return _dt.datetime.strptime(m.group(1) + m.group(2), "%Y%m%d%H%M%S").isoformat(timespec="seconds")
    except ValueError:
        return None


def read_folder(folder: Path) -> FolderRun:
    """What `folder`'s files say about its run (all fields empty for a folder without them)."""
    run = FolderRun(folder)
    config = _json(folder / run_files.CONFIG)
    run.model = config.get("model") if isinstance(config.get("model"), str) else None
    weights = config.get("weights")
    run.weights = str(weights) if weights is not None else None
    run.epochs = config.get("epochs") if isinstance(config.get("epochs"), int) else None
    run.summary = _json(folder / run_files.SUMMARY)
    for d in _lines(folder / run_files.METRICS):
        kind = d.get("kind")
        if kind == "started":
            run.state, run.error = INTERRUPTED, None  # a continued run starts a new segment
            if isinstance(d.get("epochs"), int):
                run.epochs = d["epochs"]
        elif kind == "epoch" and isinstance(d.get("epoch"), int):
            run.epochs_done = max(run.epochs_done or 0, d["epoch"])
            for name, value in (d.get("metrics") or {}).items():
                if isinstance(value, (int, float)) and value >= 0 and value > run.best.get(name, -1.0):
                    run.best[name] = float(value)
        elif kind == "finished":
            run.state = STOPPED if d.get("stopped") else FINISHED
        elif kind == "failed":
            run.state, run.error = FAILED, str(d.get("reason") or "failed")
    run.has_checkpoint = (folder / run_files.LAST).is_file() or (folder / run_files.BEST).is_file()
    run.quality = read_quality(folder)
    run.started = stamp_time(folder.name)
    if run.started is None:
        try:
            when = (folder / run_files.CONFIG).stat().st_mtime
        except OSError:
            when = None
        if when is not None:
            run.started = _dt.datetime.fromtimestamp(when).isoformat(timespec="seconds")
    return run


def is_run_folder(path: Path) -> bool:
    """A folder a run wrote (a config or a log in it), not a hidden one (the trash)."""
    return (
        path.is_dir()
        and not path.name.startswith(".")
        and ((path / run_files.CONFIG).is_file() or (path / run_files.METRICS).is_file())
    )


def save_previews(folder: Path, preview: dict[str, Any]) -> bool:
    """Keep a run's latest preview event (its ``to_dict()``) in its folder, so its Previews come
    back with it. False when the folder is not there (a run on another machine)."""
    if not folder.is_dir():
        return False
    try:
        atomic_write_text(folder / run_files.PREVIEWS, json.dumps(preview))
    except OSError:
        return False  # previews are a convenience: a full disk must not stop the run
    return True


def read_previews(folder: Path | None) -> dict[str, Any] | None:
    """The preview event kept in a run folder (None when there is none)."""
    if folder is None:
        return None
    d = _json(folder / run_files.PREVIEWS)
    return d if d.get("kind") == "preview" and isinstance(d.get("items"), list) else None
