"""Does the window stay responsive while the Assist tool works? Opens the canvas on a photo,
switches the Assist tool on (the image is prepared on a worker), drags a box round each labelled
object and waits for its proposal, while a 5 ms timer on the UI thread records how late it runs.
Prints one JSON line: the UI thread's gaps while proposals are under way (p50 / p99 / max, ms),
the same for 5 s of doing nothing first (the machine's own share), and seconds per proposal.

    python tests/benchmarks/assist_ui_bench.py balloon/val/via_region_data.json --images balloon/val --limit 3

A gap also counts time the OS gave other processes: on a loaded machine p99 says more about the
machine than about Polymask, so the JSON gives the load average too."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("annotations", help="VIA or COCO file (copied: the window writes a project file)")
    ap.add_argument("--images", required=True)
    ap.add_argument("--limit", type=int, default=3, help="images")
    args = ap.parse_args(argv)

    from PySide6.QtCore import QElapsedTimer, QPointF, Qt, QTimer
    from PySide6.QtTest import QTest

    from annotator.ui.app import application, create_window

    work = Path(tempfile.mkdtemp(prefix="assist-ui-bench-"))
    shutil.copytree(args.images, work / "images")
    shutil.copy(args.annotations, work / "images" / Path(args.annotations).name)
    app = application()
    window = create_window(str(work / "images" / Path(args.annotations).name), app)
    window.resize(1280, 800)
    window.show()
    canvas = window.canvas
    gaps: list[float] = []  # while a proposal is under way
    idle: list[float] = []  # the same window doing nothing: what the machine's load alone costs
    into = [idle]
    clock = QElapsedTimer()
    clock.start()
    last = [clock.elapsed()]

    def tick():
        now = clock.elapsed()
        into[0].append(now - last[0])
        last[0] = now

    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(tick)

    def wait(cond, seconds=300.0):
        end = time.monotonic() + seconds
        while not cond() and time.monotonic() < end:
            app.processEvents()
            time.sleep(0.001)

    per_proposal = []
    timer.start()
    wait(lambda: False, 5.0)  # the idle baseline
    into[0] = []  # image switches and preparing are not counted: only proposals
    for n in range(args.limit):
        window.actions["select"].trigger()
        window.actions["assist"].trigger()
        tool = canvas.active_tool()
        wait(lambda t=tool: t.backend != "")
        record = canvas.record()
        vp = canvas.viewport()
        for region in record.regions:
            x, y, w, h = region.shape.bbox()
            a, b = canvas.mapFromScene(QPointF(x, y)), canvas.mapFromScene(QPointF(x + w, y + h))
            start = time.perf_counter()
            last[0] = clock.elapsed()
            into[0] = gaps
            QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, a)
            QTest.mouseMove(vp, b)
            QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, b)
            wait(lambda t=tool: t.job is None and t.proposal is not None)
            per_proposal.append(time.perf_counter() - start)
            into[0] = []
            QTest.keyClick(canvas, Qt.Key.Key_Escape)
        if n + 1 < args.limit:
            window.actions["next"].trigger()
            wait(lambda r=record: canvas.record() is not r, 10)
    timer.stop()
    canvas.background.wait()
    gaps.sort()
    idle.sort()
    out = {
        "idle_gap_ms_p99": idle[int(len(idle) * 0.99)] if idle else None,
        "proposals": len(per_proposal),
        "s_per_proposal": round(statistics.fmean(per_proposal), 3) if per_proposal else None,
        "ui_gap_ms_p50": gaps[len(gaps) // 2] if gaps else None,
        "ui_gap_ms_p99": gaps[int(len(gaps) * 0.99)] if gaps else None,
        "ui_gap_ms_max": gaps[-1] if gaps else None,
        "load_average": round(os.getloadavg()[0], 1),
        "cpus": os.cpu_count(),
    }
    window.close()
    shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
