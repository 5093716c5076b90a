"""The window's main-thread stall while "Learn as I label" runs (issue 22 item 5: <= 50 ms p99).

A generated project (images with one square or disc; labelled ones first, then unlabelled ones)
is opened in the real window; a simulated user turns Learn as I label on, marks 5 images done with
Done & next, and then, every `--pace-s`, accepts the pre-label of the image shown (when it came)
and presses Done & next again, while the live trainer child trains and pre-labels each image
that opens. A 10 ms QTimer on the main thread measures how late each tick is: the
stall the user feels, which on a machine loaded by other work includes waiting for a core; and
the CPU time the main thread itself spent between two ticks (time.thread_time): the window's own
work. Figures are taken from the trainer's first step on, for `--seconds`.

    python tests/benchmarks/live_stall_bench.py [--seconds 90] [--pace-s 3] [--size 512] [--out DIR]

Prints one JSON line: stall p50 / p99 / max (ms), the main thread's own busy p99 / max (ms), ticks,
images done, pre-labels shown, trainer steps, the load average."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from annotator.ui.main_window import MainWindow  # noqa: E402
from annotator.ui.recent import RecentProjects  # noqa: E402
from tests.ui.training_fixtures import make_project  # noqa: E402
from trainer.live.events import LiveSettings  # noqa: E402

TICK_MS = 10


def percentile(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))] if s else 0.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=90.0, help="measured time, from the trainer's first step")
    ap.add_argument("--pace-s", type=float, default=3.0, help="seconds the user spends per image")
    ap.add_argument("--size", type=int, default=512, help="image side in pixels")
    ap.add_argument("--images", type=int, default=40)
    ap.add_argument("--out", default=None, help="folder for the generated project (and its live run)")
    ap.add_argument("--baseline", action="store_true", help="the same user, Learn as I label off")
    ap.add_argument("--trace", action="store_true", help="each stall over 50 ms on stderr, with what ran")
    args = ap.parse_args()

    folder = Path(args.out or tempfile.mkdtemp(prefix="live-stall-")) / "project"
    project = make_project(folder, n=6, unlabelled=args.images - 6, size=args.size)
    app = QApplication.instance() or QApplication(sys.argv)
    store = QSettings(str(folder.parent / "settings.ini"), QSettings.Format.IniFormat)
    w = MainWindow(recent=RecentProjects(store), autosave_delay_ms=1200)
    w.resize(1280, 800)
    w.show()
    w.set_project(project)
    live = w.live
    w.training.overrides = {"model": "fast", "weights": "none", "batch_size": 2, "min_size": 320, "max_size": 512}
    live.settings = LiveSettings(checkpoint_every_s=10.0)

    gaps: list[float] = []  # ms each tick came late: what the user feels (the machine's load included)
    busy: list[float] = []  # ms of CPU the main thread itself used between two ticks: the window's own work
    state = {
        "last": time.perf_counter(),
        "cpu": time.thread_time(),
        "measuring": False,
        "t0": 0.0,
        "done": 0,
        "shown": 0,
    }

    log: list[tuple[float, str]] = []  # (time, what the user or the session did)

    def note(what: str) -> None:
        if args.trace:
            log.append((time.perf_counter(), what))

    def tick() -> None:
        now, cpu = time.perf_counter(), time.thread_time()
        if state["measuring"]:
            gaps.append((now - state["last"]) * 1000 - TICK_MS)
            busy.append((cpu - state["cpu"]) * 1000)
            if args.trace and gaps[-1] > 50:
                recent = [f"{w} {1000 * (now - t):.0f} ms ago" for t, w in log if now - t < 2.0]
                print(f"stall {gaps[-1]:.0f} ms at {now - state['t0']:.1f} s; {recent}", file=sys.stderr)
            if now - state["t0"] >= args.seconds:
                app.quit()
        state["last"], state["cpu"] = now, cpu

    def user() -> None:
        if live.session is None and not args.baseline:
            return
        started = args.baseline and state["done"] >= 5 or live.session is not None and live.session.step is not None
        if not state["measuring"] and started:
            state["measuring"], state["t0"] = True, time.perf_counter()
        key = w.current_key
        if key is not None and key in live.prelabelled_with and not w.project.image(key).regions:
            if w.training.accept():
                state["shown"] += 1
                note("accept")
        if state["done"] < 5 or state["measuring"]:
            live.done_and_next()
            state["done"] += 1
            note("done & next")

    if args.trace:  # who runs while the main thread is late: every other thread's innermost frame
        import threading
        import traceback

        def watch() -> None:
            while True:
                time.sleep(0.02)
                late = time.perf_counter() - state["last"]
                if state["measuring"] and late > 0.1:
                    names = {t.ident: t.name for t in threading.enumerate()}
                    for ident, frame in sys._current_frames().items():
                        if names.get(ident) not in ("MainThread", "stall-watch"):
                            where = traceback.extract_stack(frame)[-3:]
                            text = " < ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(where))
                            print(f"  late {late * 1000:.0f} ms; {names.get(ident)}: {text}", file=sys.stderr)

        threading.Thread(target=watch, daemon=True, name="stall-watch").start()

    timer = QTimer(interval=TICK_MS)
    timer.timeout.connect(tick)
    timer.start()
    pace = QTimer(interval=int(args.pace_s * 1000))
    pace.timeout.connect(user)
    pace.start()
    w.training.predictions.changed.connect(lambda: note("predictions changed"))
    if not args.baseline:
        live.toggle.trigger()
    QTimer.singleShot(int((args.seconds + 900) * 1000), app.quit)  # a trainer that never steps
    app.exec()
    session = live.sessions[-1] if live.sessions else None
    steps = session.step.global_step if session is not None and session.step is not None else 0
    print(f"state at the end: {live.state_text()}", file=sys.stderr)
    w.shutdown()
    stalls = [max(0.0, g) for g in gaps]
    print(
        json.dumps(
            {
                "bench": "live_stall",
                "learning": not args.baseline,
                "measured_s": args.seconds,
                "ticks": len(gaps),
                "tick_ms": TICK_MS,
                "stall_ms_p50": round(statistics.median(stalls), 2) if stalls else None,
                "stall_ms_p99": round(percentile(stalls, 0.99), 2),
                "stall_ms_max": round(max(stalls, default=0.0), 2),
                "ticks_over_50ms": sum(s > 50 for s in stalls),
                "main_thread_busy_ms_p99": round(percentile(busy, 0.99), 2),
                "main_thread_busy_ms_max": round(max(busy, default=0.0), 2),
                "images_done": state["done"],
                "prelabels_accepted": state["shown"],
                "prelabels": len(live.prelabelled_with),
                "steps": steps,
                "image_px": args.size,
                "cpus": os.cpu_count(),
                "load_avg_1min": round(os.getloadavg()[0], 2),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
