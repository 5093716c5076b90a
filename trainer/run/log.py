"""The run folder's logs: metrics.jsonl (one event per line) and TensorBoard scalars."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from trainer.config import atomic_write_text
from trainer.events import EpochEnd, Event, Step, json_safe
from trainer.run import files as run_files


class RunLog:
    def __init__(self, run_dir: Path, tensorboard: bool = True):
        self._jsonl = open(run_dir / run_files.METRICS, "a", encoding="utf-8")
        self._tb = None
        self.warning: str | None = None
        if tensorboard:
            try:
                from torch.utils.tensorboard import SummaryWriter

                self._tb = SummaryWriter(log_dir=str(run_dir / run_files.TENSORBOARD))
            except Exception as e:  # noqa: BLE001 - tensorboard missing or broken: logs are optional
                self.warning = f"TensorBoard logging is off ({type(e).__name__}: {e})."

    def write(self, ev: Event) -> None:
        if isinstance(ev, (Step, EpochEnd)) or ev.kind in ("started", "finished", "failed", "checkpoint"):
            self._jsonl.write(json.dumps(ev.to_dict()) + "\n")
            self._jsonl.flush()
        if self._tb is None:
            return
        if isinstance(ev, Step):
            for k, v in ev.losses.items():
                self._tb.add_scalar(f"train/{k}", v, ev.global_step)
            self._tb.add_scalar("train/total", ev.total, ev.global_step)
            self._tb.add_scalar("train/lr", ev.lr, ev.global_step)
        elif isinstance(ev, EpochEnd):
            for k, v in ev.val_losses.items():
                self._tb.add_scalar(f"val/{k}", v, ev.epoch)
            for k, metric in ev.metrics.items():
                if metric is not None:
                    self._tb.add_scalar(f"metrics/{k}", metric, ev.epoch)
            self._tb.flush()

    def close(self) -> None:
        self._jsonl.close()
        if self._tb is not None:
            self._tb.close()


def write_summary(run_dir: Path, summary: dict[str, Any]) -> Path:
    """summary.json, atomically (the window reads it, e.g. for the suggested score threshold)."""
    path = run_dir / run_files.SUMMARY
    atomic_write_text(path, json.dumps(json_safe(summary), indent=1))
    return path
