"""Work a tool runs off the UI thread (an assist model's proposal, a slow geometry step),
its answer delivered back on the UI thread."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal


class Job:
    """A piece of work under way; `cancel()` drops its answer (the work itself runs out)."""

    def __init__(self, runner: Background, number: int):
        self._runner, self.number = runner, number

    def cancel(self) -> None:
        self._runner._callbacks.pop(self.number, None)

    def pending(self) -> bool:
        return self.number in self._runner._callbacks


class _Task(QRunnable):
    def __init__(self, runner: Background, number: int, work: Callable[[], Any]):
        super().__init__()
        self.runner, self.number, self.work = runner, number, work

    def run(self) -> None:
        try:
            result, error = self.work(), None
        except Exception as exc:  # noqa: BLE001 - handed to the UI thread, said to the user there
            result, error = None, exc
        self.runner.finished.emit(self.number, result, error)


class Background(QObject):
    finished = Signal(int, object, object)  # job number, result, exception (queued to the UI thread)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(2)
        self._numbers = itertools.count(1)
        self._callbacks: dict[int, tuple[Callable[[Any], None], Callable[[Exception], None] | None]] = {}
        self.finished.connect(self._deliver)

    def run(
        self, work: Callable[[], Any], done: Callable[[Any], None], failed: Callable[[Exception], None] | None = None
    ) -> Job:
        number = next(self._numbers)
        self._callbacks[number] = (done, failed)
        self._pool.start(_Task(self, number, work))
        return Job(self, number)

    def _deliver(self, number: int, result: Any, error: Exception | None) -> None:
        callbacks = self._callbacks.pop(number, None)
        if callbacks is None:
            return  # cancelled
        done, failed = callbacks
        if error is None:
            done(result)
        elif failed is not None:
            failed(error)
        else:
            raise error

    def wait(self) -> None:
        """Let every job finish (closing the canvas: no thread left running)."""
        self._callbacks.clear()
        self._pool.waitForDone()
