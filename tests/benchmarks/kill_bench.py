"""Kill -9 benchmark of the window's autosave; prints one JSON line.

    python tests/benchmarks/kill_bench.py [--kills 10] [--images 1500] [--max-wait-ms 2500|none]

A child process runs the real window offscreen on a generated project (1,500 images with
three 24-point polygons each, about 2.5 MB of JSON), adds one rectangle every 300 ms (then
every 1 s) and logs each edit's number and time to a file with fsync, and each write's
start and end. The harness kills it with SIGKILL at a random moment 2-7 s after its first
edit, then loads the project and compares the edits on disk with the edits logged.

Figures:
- kills; saves_killed: kills that hit a write in progress;
- project_valid / backup_valid: kills after which the project file / its .bak load as projects
  (backups_checked: kills after which a .bak existed);
- per edit rate (300ms, 1s): edits_lost_mean / edits_lost_max per kill, and work_lost_s_max:
  the time from the first lost edit to the kill (goal <= 3 s);
- temp_bytes_left: bytes of our temp files (`.polymask.json.*.tmp`) left after all kills;
- max_wait_ms: the autosave's maximum wait measured ("none": the debounce alone, as before).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
READY = "READY"


# ---- the child: the real window, editing at a fixed rate ----------------------------------
def child(project: str, log: str, interval_ms: int, max_wait: str) -> None:
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import QSettings, QTimer

    import annotator.ui.autosave as autosave
    from annotator.model import AddRegions, Rect, Region
    from annotator.ui.app import application
    from annotator.ui.main_window import MainWindow
    from annotator.ui.recent import RecentProjects

    fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def note(line: str, sync: bool = False) -> None:
        os.write(fd, f"{line} {time.time():.6f}\n".encode())
        if sync:
            os.fsync(fd)

    real_write = autosave.write_project

    def logged_write(snapshot):  # runs in the writer thread
        note("S")
        path = real_write(snapshot)
        note("D")
        return path

    autosave.write_project = logged_write
    app = application()
    store = QSettings(str(Path(log).with_suffix(".ini")), QSettings.Format.IniFormat)
    window = MainWindow(recent=RecentProjects(store), autosave_delay_ms=1200)
    window.autosave.max_wait_ms = None if max_wait == "none" else int(max_wait)
    window.show()
    if not window.open_path(project):
        raise SystemExit(f"cannot open {project}")
    keys = [im.key for im in window.project.images[:5]]
    count = 0

    def edit() -> None:
        nonlocal count
        count += 1
        key = keys[count % len(keys)]
        window.push(AddRegions(key, [Region(Rect(count % 50, 3, 10, 10), attributes={"bench": str(count)})]))
        note(f"E {count}", sync=True)

    timer = QTimer(interval=interval_ms)
    timer.timeout.connect(edit)
    note(READY, sync=True)
    timer.start()
    app.exec()


# ---- the harness ---------------------------------------------------------------------------------
def make_project(folder: Path, n: int) -> Path:
    import io as _io
    import math

    from PIL import Image

    from annotator.io.native import save_project
    from annotator.model import ImageRecord, Polygon, Project, Region

    folder.mkdir(parents=True)
    buf = _io.BytesIO()
    Image.new("RGB", (64, 48), (90, 120, 150)).save(buf, "PNG")
    data = buf.getvalue()
    images = []
    for i in range(n):
        name = f"img_{i:05d}.png"
        (folder / name).write_bytes(data)
        regions = []
        for j in range(3):
            pts = [
                (20 + 15 * math.cos(t / 24 * 2 * math.pi) + j, 20 + 15 * math.sin(t / 24 * 2 * math.pi))
                for t in range(24)
            ]
            regions.append(Region(Polygon.from_points(pts), attributes={"class": "thing"}))
        images.append(ImageRecord(filename=name, size=len(data), width=64, height=48, regions=regions))
    project = Project(images=images, path=folder / "polymask.json", image_root=folder)
    save_project(project)
    return project.path


def read_log(log: Path):
    edits, marks = {}, []
    for line in log.read_text().splitlines():
        parts = line.split()
        if parts and parts[0] == "E" and len(parts) == 3:
            edits[int(parts[1])] = float(parts[2])
        elif parts and parts[0] in ("S", "D"):
            marks.append(parts[0])
    return edits, marks


def on_disk(path: Path):
    """(edit numbers on disk, valid) for the project file at `path`."""
    from annotator import io as pio

    try:
        project = pio.open_path(path).project
    except Exception:  # noqa: BLE001 - a corrupt file is a finding, not a crash
        return set(), False
    found = {int(r.attributes["bench"]) for im in project.images for r in im.regions if "bench" in r.attributes}
    return found, True


def backup_valid(path: Path):
    from annotator.io.jsonfile import read_json
    from annotator.io.native import is_native

    bak = path.with_name(path.name + ".bak")
    if not bak.exists():
        return None
    try:
        return is_native(read_json(bak))
    except Exception:  # noqa: BLE001
        return False


def clear_bench_regions(path: Path) -> None:
    """Each run starts from the generated project, so edit numbers mean one run."""
    from annotator import io as pio
    from annotator.io.native import save_project

    project = pio.open_path(path).project
    for im in project.images:
        im.regions = [r for r in im.regions if "bench" not in r.attributes]
    save_project(project)


def one_kill(path: Path, work: Path, interval_ms: int, max_wait: str, rng: random.Random, env: dict) -> dict:
    log = work / f"log-{time.time_ns()}.txt"
    proc = subprocess.Popen(
        [sys.executable, __file__, "--child", str(path), str(log), str(interval_ms), max_wait],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        if log.exists() and "E 1 " in log.read_text():
            break
        time.sleep(0.05)
    if proc.poll() is not None:
        raise SystemExit(f"the window process ended early: {proc.stderr.read().decode()[-2000:]}")
    time.sleep(rng.uniform(2.0, 7.0))
    killed_at = time.time()
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc.stderr.close()
    edits, marks = read_log(log)
    found, valid = on_disk(path)
    lost = sorted(set(edits) - found)
    return {
        "valid": valid,
        "backup": backup_valid(path),
        "save_killed": bool(marks) and marks[-1] == "S",
        "logged": len(edits),
        "lost": len(lost),
        "work_lost_s": round(killed_at - edits[lost[0]], 3) if lost else 0.0,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--kills", type=int, default=10, help="kills per edit rate")
    ap.add_argument("--images", type=int, default=1500)
    ap.add_argument("--max-wait-ms", default=None, help="'none' measures the debounce alone (before the fix)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    from annotator.ui.autosave import MAX_WAIT_MS

    max_wait = args.max_wait_ms or str(MAX_WAIT_MS)
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="polymask-kill-") as tmp:
        work = Path(tmp)
        env = dict(
            os.environ,
            QT_QPA_PLATFORM="offscreen",
            XDG_CONFIG_HOME=str(work / "config"),
            XDG_DATA_HOME=str(work / "data"),
            XDG_CACHE_HOME=str(work / "cache"),
        )
        path = make_project(work / "photos", args.images)
        out = {"max_wait_ms": max_wait, "images": args.images, "project_mb": round(path.stat().st_size / 1e6, 2)}
        runs = []
        for name, interval in (("300ms", 300), ("1s", 1000)):
            rate = []
            for _ in range(args.kills):
                clear_bench_regions(path)
                rate.append(one_kill(path, work, interval, max_wait, rng, env))
            runs += rate
            out[name] = {
                "edits_logged_mean": round(statistics.mean(r["logged"] for r in rate), 1),
                "edits_lost_mean": round(statistics.mean(r["lost"] for r in rate), 1),
                "edits_lost_max": max(r["lost"] for r in rate),
                "work_lost_s_max": max(r["work_lost_s"] for r in rate),
            }
        temps = list(path.parent.glob(".polymask.json.*.tmp"))
        out.update(
            kills=len(runs),
            saves_killed=sum(r["save_killed"] for r in runs),
            project_valid=sum(r["valid"] for r in runs),
            backups_checked=sum(r["backup"] is not None for r in runs),
            backup_valid=sum(bool(r["backup"]) for r in runs),
            temp_files_left=len(temps),
            temp_bytes_left=sum(t.stat().st_size for t in temps),
        )
    print(json.dumps(out))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(*sys.argv[2:4], int(sys.argv[4]), sys.argv[5])
    else:
        main()
