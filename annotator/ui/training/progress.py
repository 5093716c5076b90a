"""Run progress: epoch, iteration, images/s and the time left."""

from __future__ import annotations

import time

from PySide6.QtWidgets import QLabel, QProgressBar, QVBoxLayout, QWidget


def fmt_duration(seconds: float) -> str:
    s = int(max(0, round(seconds)))
    h, m = s // 3600, s % 3600 // 60
    return f"{h}:{m:02d}:{s % 60:02d}" if h else f"{m}:{s % 60:02d}"


class ProgressPanel(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        self.bar.setFormat("idle")
        self.bar.setTextVisible(True)
        self.detail = QLabel("No training run yet.")
        self.detail.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.bar)
        lay.addWidget(self.detail)
        self.reset()

    def reset(self) -> None:
        self.epochs = self.iters = self.start_epoch = 1
        self.total_steps = self.steps_done = 0
        self.t0 = time.perf_counter()
        self.eta: float | None = None
        self.images_per_s = 0.0
        self.epoch = 0

    def started(self, ev) -> None:
        self.reset()
        self.epochs, self.iters, self.start_epoch = ev.epochs, max(1, ev.iters_per_epoch), ev.start_epoch
        self.total_steps = self.iters * (ev.epochs - ev.start_epoch + 1)
        self.bar.setRange(0, max(1, self.total_steps))
        self.bar.setValue(0)
        self.bar.setFormat(f"epoch {ev.start_epoch}/{ev.epochs}  starting…")
        self.detail.setText(
            f"{ev.model} on {ev.device}: {ev.num_train_images} training / {ev.num_val_images} "
            f"validation images, {len(ev.class_names)} classes ({', '.join(ev.class_names)})."
        )

    def step(self, ev) -> None:
        self.steps_done += 1
        self.epoch = ev.epoch
        self.images_per_s = ev.images_per_s
        elapsed = time.perf_counter() - self.t0
        self.eta = eta = elapsed / self.steps_done * max(0, self.total_steps - self.steps_done)
        self.bar.setValue(min(self.total_steps, self.steps_done))
        self.bar.setFormat(
            f"epoch {ev.epoch}/{self.epochs}  iteration {ev.iteration}/{ev.iters_per_epoch}  "
            f"{ev.images_per_s:.1f} img/s  ETA {fmt_duration(eta)}"
        )

    def epoch_end(self, ev) -> None:
        ap = ev.metrics.get("segm_AP") if ev.metrics else None
        vl = ev.val_losses.get("total") if ev.val_losses else None
        parts = [f"Epoch {ev.epoch} took {fmt_duration(ev.seconds)}"]
        if vl is not None:
            parts.append(f"validation loss {vl:.3f}")
        if ap is not None and ap >= 0:
            parts.append(f"mask mAP {ap * 100:.1f}")
        self.detail.setText(", ".join(parts) + ".")

    def finished(self, ev) -> None:
        self.bar.setValue(self.bar.maximum() if not ev.stopped else self.bar.value())
        state = "stopped" if ev.stopped else "finished"
        self.bar.setFormat(f"{state} after {fmt_duration(time.perf_counter() - self.t0)}")
        ap = ev.metrics.get("segm_AP") if ev.metrics else None
        best = f" Best mask mAP {ap * 100:.1f}." if isinstance(ap, (int, float)) and ap >= 0 else ""
        self.detail.setText(f"Training {state}.{best} Checkpoints in {ev.run_dir}.")

    def failed(self, ev) -> None:
        self.bar.setFormat("failed")
        self.detail.setText(ev.reason)
