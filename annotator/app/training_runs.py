"""Where a project's training runs go, and how they are recorded.

Runs live in `runs/` beside the project file, one folder each (config.json,
metrics.jsonl, best.pth / last.pth, tensorboard/), named `<date>-<time>-<model>`.
The project records them in `project.polymask.runs` (annotator.model.RunRecord: dir, model,
started, status, epochs, best_checkpoint, last_checkpoint, metrics, ...) with paths relative to
the project's folder when inside it.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from trainer.run import files as run_files  # torch-free

from ..model import Project, RunRecord

CONTINUE_LAST = "last"  # the weights setting that continues the last run in its own folder


def project_folder(project: Project | None) -> Path:
    if project is not None and project.path is not None:
        return Path(project.path).resolve().parent
    if project is not None and project.image_root is not None:
        return Path(project.image_root).resolve()
    return Path.cwd()


def to_stored(project: Project | None, path: str | Path | None) -> str | None:
    """How a path is written in the project file: relative to its folder when inside it."""
    if not path:
        return None
    base = project_folder(project)
    # Spelled as given first: a runs/ that is a symlink to another disk stays "runs/...".
    p = Path(os.path.abspath(path))
    if p.is_relative_to(base):
        return p.relative_to(base).as_posix()
    p = p.resolve()
    runs = (base / "runs").resolve()
    if p.is_relative_to(runs):  # reported through the link's target
        return (Path("runs") / p.relative_to(runs)).as_posix()
    return p.relative_to(base).as_posix() if p.is_relative_to(base) else str(p)


def resolve(project: Project | None, stored: str | None) -> Path | None:
    if not stored:
        return None
    p = Path(stored)
    return p if p.is_absolute() else project_folder(project) / p


class RunFolderOutside(ValueError):
    """A run folder recorded in the project file that is not inside the project's runs/."""


def run_folder(project: Project | None, stored: str | None) -> Path:
    """The folder of a recorded run, where training may write (config.json, checkpoints).

    The project file says where its runs are, and a project file can come from anyone:
    only folders that resolve (symlinks included) inside the project's own runs/ folder
    are accepted, so opening a project never lets it choose where we write."""
    runs_root = (project_folder(project) / "runs").resolve()
    target = resolve(project, stored)
    if target is None:
        raise RunFolderOutside("The run has no folder recorded: start a new run instead.")
    target = target.resolve()
    if target == runs_root or not target.is_relative_to(runs_root):
        raise RunFolderOutside(
            f"The run folder {stored!r} recorded in the project file resolves to {target}, "
            f"outside this project's runs folder ({runs_root}); Polymask will not write "
            "there. Start a new run instead."
        )
    return target


def new_run_folder(project: Project | None, model: str) -> Path:
    """A fresh folder name in the project's runs/: `<date>-<time>-<model>`, numbered if taken."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    out = project_folder(project) / "runs" / f"{stamp}-{model}"
    n = 2
    while out.exists():
        out = out.with_name(f"{stamp}-{model}-{n}")
        n += 1
    return out


def last_run_folder(project: Project | None) -> Path:
    """The folder of the last recorded run that saved a checkpoint ("continue the last run")."""
    last = next((r for r in reversed(run_list(project)) if r.last_checkpoint), None)
    if last is None:
        raise ValueError("There is no earlier run to continue: choose other weights.")
    return run_folder(project, last.dir)  # refuses folders outside the project's runs/


def run_folder_for(project: Project | None, model: str, weights: str | None) -> Path:
    """Where a run with these settings writes: the last run's folder to continue it, else a new one."""
    return last_run_folder(project) if weights == CONTINUE_LAST else new_run_folder(project, model)


def run_checkpoint(project: Project | None, run: RunRecord) -> Path | None:
    """The checkpoint a run predicts with: its best, else its last; None when not on disk."""
    path = resolve(project, run.best_checkpoint or run.last_checkpoint)
    return path if path is not None and path.is_file() else None


def latest_checkpoint(project: Project | None) -> Path | None:
    """The checkpoint of the newest run that has one on disk."""
    return next((p for run in reversed(run_list(project)) if (p := run_checkpoint(project, run))), None)


def run_list(project: Project | None) -> list[RunRecord]:
    """The project's run records, oldest first (none without a project)."""
    return project.polymask.runs if project is not None else []


def read_curves(run_dir: Path | None) -> dict[str, tuple[list[float], list[float]]]:
    """(x, total loss) per step and (epoch, mask mAP) from a run's metrics.jsonl."""
    sx: list[float] = []
    sy: list[float] = []
    ex: list[float] = []
    ey: list[float] = []
    if run_dir is None:  # a record without a folder: nothing to draw
        return {"steps": (sx, sy), "epochs": (ex, ey)}
    try:
        with open(run_dir / run_files.METRICS, encoding="utf-8") as f:
            for line in f:
                try:
                    d = json.loads(line)
                except ValueError:
                    continue
                if d.get("kind") == "step" and d.get("total") is not None:
                    sx.append(d["global_step"])
                    sy.append(d["total"])
                elif d.get("kind") == "epoch":
                    ap = (d.get("metrics") or {}).get("segm_AP")
                    if ap is not None and ap >= 0:
                        ex.append(d["epoch"])
                        ey.append(ap)
    except OSError:
        pass
    return {"steps": (sx, sy), "epochs": (ex, ey)}
