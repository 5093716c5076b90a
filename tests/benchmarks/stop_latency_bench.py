"""Stop and close latency of a run started from the window, on real-sized photos.

A MainWindow opens a generated tutorial layout (2048x1536 JPEGs, some EXIF-rotated, in data/
beside via_region_data.json) and trains with the train panel's defaults (process runner,
2 DataLoader workers, fast model) except weights none and 1 epoch. After the step given by
--stop-after, Stop is pressed: stop_s is Stop -> run ended (the run's processes reaped).
Then a second run is started and the window closed at the same point: close_s is close() ->
returned, with every child process gone (children_left counts them, from /proc).

Prints one JSON line. Usage: QT_QPA_PLATFORM=offscreen python tests/benchmarks/stop_latency_bench.py
[--images 12] [--stop-after 1] [--repeats 1]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QCoreApplication, QEventLoop, QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from tests.process_tree import descendants  # noqa: E402
from tests.real_photos import write_tutorial_layout  # noqa: E402


def wait_for(cond, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while not cond():
        if time.monotonic() > deadline:
            return False
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
    return True


def one(folder: Path, args) -> dict:
    from annotator.ui.main_window import MainWindow
    from annotator.ui.recent import RecentProjects

    photos = write_tutorial_layout(folder / "weapons", sizes=((2048, 1536),), orientations=(1, 6, 8), n=args.images)
    store = QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)
    w = MainWindow(recent=RecentProjects(store), autosave_delay_ms=500)
    ctl = w.training
    w.show()
    assert w.open_path(photos.json_path)
    ctl.panel.set_values(weights="none", epochs=1)
    steps = []
    ctl.event_received.connect(lambda ev: ev.kind == "step" and steps.append(ev))

    def run_to_step() -> float:
        steps.clear()
        t0 = time.monotonic()
        ctl.panel.train_button.click()
        assert wait_for(lambda: len(steps) >= args.stop_after or not ctl.is_running(), 600), ctl.errors
        return time.monotonic() - t0

    first_step_s = run_to_step()
    iters = steps[-1].iters_per_epoch
    t0 = time.monotonic()
    ctl.stop()
    assert wait_for(lambda: not ctl.is_running(), 60)
    stop_s = time.monotonic() - t0
    stopped = bool(ctl.terminal is not None and getattr(ctl.terminal, "stopped", False))
    run_to_step()
    t0 = time.monotonic()
    w.close()
    close_s = time.monotonic() - t0
    gone = wait_for(lambda: not descendants(), 10)
    w.shutdown()
    return dict(
        first_step_s=first_step_s,
        stop_s=stop_s,
        close_s=close_s,
        stopped_mid_epoch=stopped,
        iters_per_epoch=iters,
        images_per_s=steps[-1].images_per_s if steps else None,
        children_left=0 if gone else len(descendants()),
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", type=int, default=12)
    ap.add_argument("--stop-after", type=int, default=1, help="press Stop after this many steps")
    ap.add_argument("--repeats", type=int, default=1)
    args = ap.parse_args()
    QApplication.instance() or QApplication([])
    runs = []
    for i in range(args.repeats):
        with tempfile.TemporaryDirectory() as tmp:
            runs.append(one(Path(tmp) / f"r{i}", args))
    out = {
        "bench": "stop_latency",
        "photos": "2048x1536",
        "images": args.images,
        "workers": 2,
        "stop_after_steps": args.stop_after,
        "repeats": args.repeats,
        "stop_s_median": round(statistics.median(r["stop_s"] for r in runs), 2),
        "stop_s_max": round(max(r["stop_s"] for r in runs), 2),
        "close_s_median": round(statistics.median(r["close_s"] for r in runs), 2),
        "close_s_max": round(max(r["close_s"] for r in runs), 2),
        "first_step_s_median": round(statistics.median(r["first_step_s"] for r in runs), 2),
        "images_per_s": round(statistics.median(r["images_per_s"] or 0 for r in runs), 2),
        "all_stopped_mid_epoch": all(r["stopped_mid_epoch"] for r in runs),
        "children_left": max(r["children_left"] for r in runs),
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
