"""Window benchmarks; prints one JSON line.

    QT_QPA_PLATFORM=offscreen python tests/benchmarks/ui_bench.py

Figures (goals on a 2-core laptop):
- open_10k_first_paint_s: open a folder of 10,000 images until the window has painted (<= 1 s),
  open_10k_rss_mb: the process's peak memory then (<= 300 MB) — measured in a fresh process;
- next_12mp_p50_ms: "next image" to the 12-megapixel JPEG painted, with prefetch (<= 100 ms),
  next_12mp_cold_ms: the same for an image that was not prefetched (for reference);
- autosave_ui_ms: UI-thread cost of an autosave of a 10,000-image project after an edit (<= 200 ms),
  autosave_ui_all_ms: the same when every image changed (after a class edit), autosave_write_ms: the
  background write;
- preview_ui_ms: UI-thread cost of showing an epoch's previews of four 12 MP photos (the photos decode
  in the background), preview_decoded_ms: until they are all drawn.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def _app():
    from annotator.ui.app import application
    from annotator.ui.theme import Theme

    app = application()
    Theme(dark=False).apply(app)
    return app


def _window(**kw):
    from PySide6.QtCore import QSettings

    from annotator.ui.main_window import MainWindow
    from annotator.ui.recent import RecentProjects

    store = QSettings(os.path.join(tempfile.mkdtemp(), "s.ini"), QSettings.Format.IniFormat)
    return MainWindow(recent=RecentProjects(store), **kw)


class _PaintSpy:
    def __init__(self, widget):
        from PySide6.QtCore import QEvent, QObject

        class F(QObject):
            def eventFilter(s, obj, ev):
                if ev.type() == QEvent.Type.Paint:
                    self.count += 1
                return False

        self.count = 0
        self.filter = F()
        widget.installEventFilter(self.filter)


def open_10k(folder: str) -> dict:
    """Run in a fresh process: open the folder and wait for the first paint."""
    t_start = time.perf_counter()
    _keep_alive = _app()  # the QApplication must outlive the window
    from PySide6.QtCore import QCoreApplication

    t_imported = time.perf_counter()
    w = _window()
    w.resize(1400, 900)
    spy_list = _PaintSpy(w.image_list.view.viewport())
    spy_canvas = _PaintSpy(w.canvas.viewport())
    t0 = time.perf_counter()
    w.show()
    w.open_path(folder)
    while not (spy_list.count and spy_canvas.count):
        QCoreApplication.processEvents()
    t1 = time.perf_counter()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    n = len(w.project.images)
    w.shutdown()
    return {
        "images": n,
        "first_paint_s": t1 - t0,
        "with_startup_s": t1 - t_start,
        "qt_import_s": t_imported - t_start,
        "rss_mb": rss,
    }


def _make_10k(root: Path) -> Path:
    from PIL import Image

    folder = root / "10k"
    folder.mkdir()
    src = root / "one.png"
    Image.new("RGB", (64, 48), (120, 80, 40)).save(src)
    for i in range(10_000):
        shutil.copyfile(src, folder / f"img_{i:05d}.png")
    return folder


def _make_12mp(root: Path, n: int = 7) -> Path:
    import numpy as np
    from PIL import Image

    folder = root / "12mp"
    folder.mkdir()
    yy, xx = np.mgrid[0:3000, 0:4000]
    for i in range(n):
        arr = np.stack([(xx // 7 + i * 30) % 256, (yy // 5) % 256, ((xx + yy) // 11 + i * 50) % 256], -1)
        Image.fromarray(arr.astype(np.uint8)).save(folder / f"photo_{i}.jpg", quality=88)
    return folder


def next_12mp(folder: Path) -> dict:
    from PySide6.QtCore import QCoreApplication

    _app()
    w = _window()
    w.resize(1400, 900)
    w.show()
    w.open_path(folder)

    def wait(pred, timeout=10.0):
        end = time.perf_counter() + timeout
        while not pred() and time.perf_counter() < end:
            QCoreApplication.processEvents()
            time.sleep(0.001)

    def shown():
        return w.image_cache.get(w.current_key) is not None

    wait(shown)
    warm = []
    cold = None
    keys = [im.key for im in w.project.images]
    for i in range(1, len(keys)):
        nxt = keys[i]
        if i == len(keys) - 1:  # the last one: jump without prefetch, for reference
            w.image_cache.clear()
        else:
            wait(lambda nxt=nxt: w.image_cache.get(nxt) is not None)  # a person looks at the image meanwhile
        t0 = time.perf_counter()
        w.actions["next"].trigger()
        wait(shown)
        w.canvas.viewport().repaint()  # synchronous paint of what is on screen
        dt = (time.perf_counter() - t0) * 1000
        if i == len(keys) - 1:
            cold = dt
        else:
            warm.append(dt)
    w.shutdown()
    return {
        "next_12mp_p50_ms": statistics.median(warm),
        "next_12mp_max_ms": max(warm),
        "next_12mp_cold_ms": cold,
        "next_12mp_samples": len(warm),
    }


def autosave_10k(root: Path) -> dict:
    from PySide6.QtCore import QCoreApplication

    from annotator.model import AttributeDef, ImageRecord, Polygon, Project, Region
    from annotator.ui.autosave import Autosaver

    _app()
    project = Project(path=root / "big" / "polymask.json", image_root=root / "big")
    (root / "big").mkdir()
    project.region_attributes["class"] = AttributeDef("class", "dropdown", options={"a": "", "b": ""})
    project.class_attribute = "class"
    xs = tuple(float(10 + 5 * k) for k in range(20))
    ys = tuple(float(10 + (k % 5) * 7) for k in range(20))
    for i in range(10_000):
        regions = [Region(Polygon(xs, ys), {"class": "ab"[j % 2]}) for j in range(3)]
        project.images.append(ImageRecord(f"img_{i:05d}.jpg", 12345 + i, 640, 480, regions=regions))
    import gc

    gc.freeze()  # as MainWindow.set_project does after opening a project
    saver = Autosaver(delay_ms=10_000)
    saver.set_project(project, modified=True)

    def write_once(keys):
        saver.mark_dirty(keys, schedule=False)
        t = time.perf_counter()
        saver.save()
        ui = saver.last_ui_ms
        saver._pool.waitForDone()
        QCoreApplication.processEvents()
        return ui, (time.perf_counter() - t) * 1000

    write_once(None)  # first save copies everything once
    # how long the UI thread is held up while the worker writes (the GIL is shared)
    from PySide6.QtCore import QElapsedTimer

    saver.mark_dirty([project.images[0].key], schedule=False)
    clock, gaps = QElapsedTimer(), []
    clock.start()
    saver.save()
    last = clock.elapsed()
    while saver._inflight:
        QCoreApplication.processEvents()
        now = clock.elapsed()
        gaps.append(now - last)
        last = now
        time.sleep(0.002)
    stall = max(gaps) if gaps else 0
    ui_one = [write_once([project.images[i].key])[0] for i in range(0, 50, 10)]
    ui_all, write_all = write_once(None)
    size_mb = project.path.stat().st_size / 1e6
    saver.close()
    return {
        "autosave_ui_ms": statistics.median(ui_one),
        "autosave_ui_all_ms": ui_all,
        "autosave_write_ms": write_all,
        "autosave_ui_stall_ms": stall,
        "autosave_file_mb": round(size_mb, 1),
    }


def preview_12mp(folder: Path) -> dict:
    """The Previews gallery given an epoch's Preview of four 12 MP photos."""
    from PySide6.QtCore import QCoreApplication

    from annotator import io as pio
    from annotator.ui.training.gallery import GalleryPanel
    from trainer.events import Preview

    _app()
    project = pio.open_path(folder).project
    items = [{"file_name": im.filename, "width": 4000, "height": 3000, "instances": []} for im in project.images[:4]]
    gallery = GalleryPanel()
    t0 = time.perf_counter()
    gallery.set_preview(Preview(epoch=1, items=items), project, lambda name: "#ff0000")
    ui = time.perf_counter() - t0
    while gallery.pending() and time.perf_counter() - t0 < 60:
        QCoreApplication.processEvents()
        time.sleep(0.002)
    decoded = time.perf_counter() - t0
    gallery.close_loader()
    return {"preview_ui_ms": ui * 1000, "preview_decoded_ms": decoded * 1000}


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--open":
        print(json.dumps(open_10k(sys.argv[2])))
        return
    tmp = Path(tempfile.mkdtemp(prefix="polymask-ui-bench-"))
    try:
        folder = _make_10k(tmp)
        out = subprocess.run(
            [sys.executable, __file__, "--open", str(folder)],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "XDG_CONFIG_HOME": str(tmp / "cfg")},
        )
        opened = json.loads(out.stdout.strip().splitlines()[-1])
        figures = {
            "open_10k_first_paint_s": round(opened["first_paint_s"], 3),
            "open_10k_with_startup_s": round(opened["with_startup_s"], 3),
            "open_10k_rss_mb": round(opened["rss_mb"], 1),
        }
        photos = _make_12mp(tmp)
        figures.update({k: round(v, 1) if isinstance(v, float) else v for k, v in next_12mp(photos).items()})
        figures.update({k: round(v, 1) for k, v in preview_12mp(photos).items()})
        figures.update({k: round(v, 1) if isinstance(v, float) else v for k, v in autosave_10k(tmp).items()})
        figures["cpus"] = os.cpu_count()
        print(json.dumps(figures), flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
