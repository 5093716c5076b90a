"""Training in the window: does the UI thread stay responsive, and is training as fast
as headless?

For each worker design ("thread": trainer.fit in a QThread of the app's process;
"process": a QThread supervising `python -m trainer run-json`), a MainWindow with the
training controller trains a small generated project on the CPU while a 10 ms QTimer
ticks on the UI thread; the stall is how late each tick comes (gap − 10 ms). Images/s
is the mean of the trainer's own per-step figure (first step excluded), compared with
the same configuration run headless (`python -m trainer run-json`, no window).

Prints one JSON line. Usage: QT_QPA_PLATFORM=offscreen python tests/benchmarks/ui_train_bench.py
[--images 12] [--size 128] [--epochs 1]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QElapsedTimer, QSettings, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from tests.tiny_training import TINY  # noqa: E402
from tests.ui.training_fixtures import make_project  # noqa: E402


def pct(values, q):
    if not values:
        return None
    v = sorted(values)
    return round(v[min(len(v) - 1, int(round(q / 100 * (len(v) - 1))))], 2)


def settings(args) -> dict:
    return dict(
        TINY,
        min_size=args.size,
        max_size=args.size,
        epochs=args.epochs,
        preview_images=2,
        rpn_pre_nms_top_n_train=300,
        rpn_post_nms_top_n_train=100,
        box_batch_size_per_image=64,
        val_fraction=0.2,
    )


def in_window(design: str, folder: Path, args) -> dict:
    from annotator.ui.main_window import MainWindow
    from annotator.ui.recent import RecentProjects

    app = QApplication.instance() or QApplication([])
    store = QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)
    w = MainWindow(recent=RecentProjects(store), autosave_delay_ms=500, training_design=design)
    ctl = w.training
    w.resize(1280, 860)
    w.show()
    w.set_project(make_project(folder / "proj", n=args.images, unlabelled=0, size=args.size))
    gaps, step_gaps, ips = [], [], []
    state = {"steps": 0, "done": False}
    clock = QElapsedTimer()
    tick = QTimer(interval=10)

    def on_tick():
        ms = clock.restart()
        gaps.append(max(0, ms - 10))
        if state["steps"] >= 1:
            step_gaps.append(max(0, ms - 10))

    def on_event(ev):
        if ev.kind == "step":
            state["steps"] += 1
            if state["steps"] > 1:
                ips.append(ev.images_per_s)

    tick.timeout.connect(on_tick)
    ctl.event_received.connect(on_event)
    ctl.run_ended.connect(lambda ev: state.update(done=True, ev=ev))
    t0 = time.perf_counter()
    clock.start()
    tick.start()
    assert ctl.train(settings(args)), "training did not start"
    while not state["done"]:
        app.processEvents()
        time.sleep(0.001)
    tick.stop()
    wall = time.perf_counter() - t0
    ev = state.get("ev")
    ctl.shutdown()
    w.shutdown()
    w.close()
    if ev is None or ev.kind != "finished":
        raise SystemExit(f"{design}: the run failed: {getattr(ev, 'reason', ev)}")
    return {
        "stall_p99_ms": pct(gaps, 99),
        "stall_p50_ms": pct(gaps, 50),
        "stall_max_ms": max(gaps) if gaps else None,
        "stall_p99_during_steps_ms": pct(step_gaps, 99),
        "ticks": len(gaps),
        "images_per_s": round(statistics.mean(ips), 3) if ips else None,
        "steps": state["steps"],
        "wall_s": round(wall, 1),
        "run_dir": ctl.run.get("dir") if ctl.run else None,
    }


def headless(folder: Path, args) -> dict:
    """The same configuration through the CLI, no window."""
    from annotator.io import fill_image_sizes
    from annotator.io.coco import project_to_coco
    from trainer.config import TrainConfig

    project = make_project(folder / "proj", n=args.images, unlabelled=0, size=args.size)
    fill_image_sizes(project)
    cfg = TrainConfig(
        coco=project_to_coco(project), images=str(folder / "proj"), out=str(folder / "run"), **settings(args)
    )
    path = cfg.save(folder / "run")
    t0 = time.perf_counter()
    # stdin stays open: run-json stops when it closes
    with open(folder / "stderr.log", "w+") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "trainer", "run-json", str(path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
            cwd=str(ROOT),
        )
        stdout = proc.stdout.read()
        proc.stdin.close()
        proc.wait()
        err.seek(0)
        stderr = err.read()
    wall = time.perf_counter() - t0
    events = [json.loads(ln) for ln in stdout.splitlines() if ln.startswith("{")]
    steps = [e for e in events if e["kind"] == "step"]
    if not events or events[-1]["kind"] != "finished":
        raise SystemExit(f"headless run failed: {stderr[-2000:]}")
    ips = [e["images_per_s"] for e in steps[1:]]
    return {
        "images_per_s": round(statistics.mean(ips), 3) if ips else None,
        "steps": len(steps),
        "wall_s": round(wall, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", type=int, default=12)
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--designs", default="process,thread")
    args = ap.parse_args()
    out = {
        "bench": "ui_train",
        "cpu_count": os.cpu_count(),
        "images": args.images,
        "size": args.size,
        "epochs": args.epochs,
        "goal_stall_p99_ms": 50,
        "goal_images_per_s_vs_headless": "within 10 %",
    }
    with tempfile.TemporaryDirectory(prefix="polymask-ui-train-bench-") as tmp:
        tmp = Path(tmp)
        out["headless"] = headless(tmp / "headless", args)
        for design in args.designs.split(","):  # the process design first: torch not yet imported here
            r = in_window(design, tmp / design, args)
            h = out["headless"]["images_per_s"]
            r["images_per_s_vs_headless"] = round(r["images_per_s"] / h, 3) if h and r["images_per_s"] else None
            out[design] = r
    print(json.dumps(out))


if __name__ == "__main__":
    main()
