"""Run progress: epoch, iteration, and the time left from *measured* step times.

The first step of a run carries its warm-up (model build, first batch, workers starting), so
the estimate waits for ``MEASURE_STEPS`` steps after it, then uses the median of the recent step
times (a slow step does not swing it) plus, once an epoch has ended, the measured validation time
per epoch. It is updated with every step and said with the clock time the run should end."""

from __future__ import annotations

import datetime as _dt
import statistics
import time

from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QSizePolicy, QWidget

MEASURE_STEPS = 3  # step times measured before an estimate is shown
RECENT = 20  # the estimate follows the last this many step times


def fmt_duration(seconds: float) -> str:
    s = int(max(0, round(seconds)))
    h, m = s // 3600, s % 3600 // 60
    return f"{h}:{m:02d}:{s % 60:02d}" if h else f"{m}:{s % 60:02d}"


class StepClock:
    """Step and validation times as the run's events arrive, and the time left from them."""

    def __init__(self, total_steps: int = 0, epochs_left: int = 0):
        self.total_steps, self.epochs_left = total_steps, epochs_left
        self.steps_done = 0
        self.step_times: list[float] = []
        self.val_times: list[float] = []
        self._last: float | None = None
        self._epoch_last_step: float | None = None

    def step(self, now: float, first_of_epoch: bool) -> None:
        self.steps_done += 1
        if self._last is not None and not first_of_epoch:  # the gap across validation is not a step
            self.step_times.append(now - self._last)
        self._last = self._epoch_last_step = now

    def epoch_end(self, now: float) -> None:
        if self._epoch_last_step is not None:
            self.val_times.append(now - self._epoch_last_step)
        self.epochs_left = max(0, self.epochs_left - 1)
        self._last = now

    def step_seconds(self) -> float | None:
        if len(self.step_times) < MEASURE_STEPS:
            return None
        return statistics.median(self.step_times[-RECENT:])

    def seconds_left(self) -> float | None:
        per_step = self.step_seconds()
        if per_step is None:
            return None
        left = max(0, self.total_steps - self.steps_done) * per_step
        if self.val_times:
            left += self.epochs_left * statistics.median(self.val_times)
        return left


class _OneLine(QLabel):
    """One line of text, cut at the panel's width (the plots keep their height); all of it in the tooltip."""

    def __init__(self, text: str = ""):
        super().__init__(text)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's name
        super().setText(text)
        self.setToolTip(text)


class ProgressPanel(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        self.bar.setFormat("idle")
        self.bar.setTextVisible(True)
        self.detail = _OneLine("No training run yet.")
        lay = QHBoxLayout(self)  # one row: every other pixel of the dock goes to the plots
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(6)
        lay.addWidget(self.bar, 2)
        lay.addWidget(self.detail, 3)
        self.reset()

    def reset(self) -> None:
        """A new run: nothing of the last one stays (its error, its figures)."""
        self.epochs = self.iters = self.start_epoch = 1
        self.total_steps = self.steps_done = 0
        self.t0 = time.perf_counter()
        self.clock = StepClock()
        self.eta: float | None = None  # seconds left, once measured
        self.images_per_s = 0.0
        self.epoch = 0

    def new_run(self) -> None:
        self.reset()
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        self.bar.setFormat("preparing…")
        self.detail.setText("Preparing the run…")

    def show_text(self, text: str, title: str = "idle") -> None:
        """What the curves show when no run is live (a past run's summary)."""
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        self.bar.setFormat(title)
        self.detail.setText(text)

    def started(self, ev) -> None:
        self.reset()
        self.epochs, self.iters, self.start_epoch = ev.epochs, max(1, ev.iters_per_epoch), ev.start_epoch
        self.total_steps = self.iters * (ev.epochs - ev.start_epoch + 1)
        self.clock = StepClock(self.total_steps, ev.epochs - ev.start_epoch + 1)
        self.bar.setRange(0, max(1, self.total_steps))
        self.bar.setValue(0)
        self.bar.setFormat(f"epoch {ev.start_epoch}/{ev.epochs}  starting…")
        self.detail.setText(
            f"{ev.model} on {ev.device}: {ev.num_train_images} training / {ev.num_val_images} "
            f"validation images, {len(ev.class_names)} classes ({', '.join(ev.class_names)})."
        )

    def step(self, ev, now: float | None = None) -> None:
        now = time.perf_counter() if now is None else now
        self.clock.step(now, ev.iteration == 1)
        self.steps_done = self.clock.steps_done
        self.epoch = ev.epoch
        self.images_per_s = ev.images_per_s
        self.eta = self.clock.seconds_left()
        self.bar.setValue(min(self.total_steps, self.steps_done))
        head = f"epoch {ev.epoch}/{self.epochs}  iteration {ev.iteration}/{ev.iters_per_epoch}"
        per_step = self.clock.step_seconds()
        if per_step is None or self.eta is None:
            self.bar.setFormat(f"{head}  measuring speed…")
            return
        end = _dt.datetime.now() + _dt.timedelta(seconds=self.eta)
        val = "" if self.clock.val_times or self.clock.epochs_left == 0 else " + validation"
        self.bar.setFormat(f"{head}  {per_step:.2f} s/step  {fmt_duration(self.eta)} left{val}  (ends ≈{end:%H:%M})")

    def epoch_end(self, ev, now: float | None = None) -> None:
        self.clock.epoch_end(time.perf_counter() if now is None else now)
        ap = ev.metrics.get("segm_AP") if ev.metrics else None
        vl = ev.val_losses.get("total") if ev.val_losses else None
        parts = [f"Epoch {ev.epoch} took {fmt_duration(ev.seconds)}"]
        if vl is not None:
            parts.append(f"validation loss {vl:.3f}")
        if ap is not None and ap >= 0:
            parts.append(f"mask AP {ap * 100:.1f} %")
        self.detail.setText(", ".join(parts) + ".")

    def finished(self, ev) -> None:
        self.bar.setValue(self.bar.maximum() if not ev.stopped else self.bar.value())
        state = "stopped" if ev.stopped else "finished"
        self.bar.setFormat(f"{state} after {fmt_duration(time.perf_counter() - self.t0)}")
        ap = ev.metrics.get("segm_AP") if ev.metrics else None
        best = f" Mask AP {ap * 100:.1f} %." if isinstance(ap, (int, float)) and ap >= 0 else ""
        self.detail.setText(f"Training {state}.{best} Checkpoints in {ev.run_dir}.")

    def failed(self, ev) -> None:
        self.bar.setFormat("failed")
        self.detail.setText(ev.reason)
