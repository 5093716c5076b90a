"""The Runs list: every run the project recorded (``project.polymask.runs``) merged with the run
folders under its ``runs/`` that it does not know yet (``polymask train --out runs/x``), each as
one ``RunEntry`` with what a person compares runs by: name, state (and the error of a failed
one), epochs done, best mask and box AP, date, model and weights. A recorded run whose folder
has gone is listed and marked ``missing``, never dropped.

Qt-free: the Runs dock shows these entries; tests build them from files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from polymask_common.text import plural

from ..model import Project, RunRecord
from .prelabel_quality import QUALITY_FILE, ImageQuality, quality_text, read_quality
from .run_log import FAILED, FINISHED, INTERRUPTED, RUNNING, STOPPED, FolderRun, is_run_folder, read_folder
from .training_runs import project_folder, resolve, run_list

__all__ = ["FAILED", "FINISHED", "INTERRUPTED", "RUNNING", "STOPPED", "RunEntry", "list_runs", "runs_root"]


@dataclass
class RunEntry:
    name: str
    folder: Path | None  # where its files are (or were, when `missing`)
    record: RunRecord | None  # the project's record; None: a folder the project does not know
    state: str  # finished | stopped | failed | running | interrupted
    error: str | None = None
    epochs_done: int | None = None
    epochs: int | None = None
    mask_ap: float | None = None  # best over its epochs, 0..1
    box_ap: float | None = None
    started: str | None = None  # ISO time
    model: str | None = None
    weights: str | None = None
    missing: bool = False  # recorded, but its folder is gone
    has_checkpoint: bool = False
    index: int | None = None  # of its record in the project's run records
    live_steps: int | None = None  # a live run's steps (Learn as I label); None for any other run
    live_quality: str = ""  # a live run's pre-label IoU in words, when it recorded one

    @property
    def known(self) -> bool:
        return self.record is not None

    @property
    def not_evaluated(self) -> bool:
        """Ended without an AP: stopped or failed before its first evaluation."""
        return self.state != RUNNING and self.mask_ap is None and self.box_ap is None

    def ap_text(self) -> str:
        """Why the AP columns are empty, or "" when they are not."""
        if not self.not_evaluated:
            return ""
        if self.live_steps is not None:
            judged = f": {self.live_quality}" if self.live_quality else "' IoU in the Pre-label panel"
            return (
                f"No AP: a live run (Learn as I label, {plural(self.live_steps, 'step')}) is not evaluated on "
                f"validation images; it is judged by its pre-labels{judged}."
            )
        return (
            f"No AP: the run ended after {plural(self.epochs_done or 0, 'epoch')}, before its first evaluation "
            "(a run that finishes is always evaluated after its last epoch)."
        )

    def state_text(self) -> str:
        """The state in a few words: a failed run with its error, a gone folder, a folder found."""
        text = self.state
        if self.state == FAILED and self.error:
            text += f": {self.error}"
        if self.missing:
            text += " · folder gone"
        elif not self.known:
            text += " · found in runs/"
        return text


def runs_root(project: Project | None) -> Path:
    return project_folder(project) / "runs"


def _best(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) and value >= 0 else None


def _entry(project: Project | None, record: RunRecord | None, folder: Path | None, running: bool) -> RunEntry:
    files = read_folder(folder) if folder is not None and folder.is_dir() else None
    name = folder.name if folder is not None else "run"
    entry = RunEntry(name=name, folder=folder, record=record, state=INTERRUPTED)
    if files is not None:
        _from_files(entry, files)
    if record is not None:
        _from_record(entry, record, project, files, running)
    return entry


def _from_files(entry: RunEntry, files: FolderRun) -> None:
    entry.state, entry.error = files.state, files.error
    entry.epochs_done, entry.epochs = files.epochs_done, files.epochs
    entry.mask_ap, entry.box_ap = _best(files.best.get("segm_AP")), _best(files.best.get("bbox_AP"))
    entry.started, entry.model, entry.weights = files.started, files.model, files.weights
    entry.has_checkpoint = files.has_checkpoint
    entry.live_steps = files.live_steps
    entry.live_quality = quality_text(files.quality) if files.quality else ""


def _from_record(entry: RunEntry, r: RunRecord, project: Project | None, files: FolderRun | None, running: bool):
    """The record wins where it knows (its state, its error); the folder's log adds the rest."""
    entry.missing = entry.folder is None or files is None
    entry.started = r.started or entry.started
    entry.model = r.model or entry.model
    entry.epochs = r.epochs if r.epochs is not None else entry.epochs
    if r.epochs_done is not None:
        entry.epochs_done = max(r.epochs_done, entry.epochs_done or 0)
    if entry.mask_ap is None:
        entry.mask_ap = _best((r.metrics or {}).get("segm_AP"))
    if entry.box_ap is None:
        entry.box_ap = _best((r.metrics or {}).get("bbox_AP"))
    status = r.status or entry.state
    if status == RUNNING and not running:
        status = INTERRUPTED  # recorded as running, but no run of this window: it never said how it ended
    if status in (FINISHED, STOPPED, FAILED, RUNNING, INTERRUPTED):
        entry.state = status
    if entry.state == FAILED:
        entry.error = r.error or entry.error or "failed (no reason recorded)"
    else:
        entry.error = None
    checkpoint = resolve(project, r.best_checkpoint or r.last_checkpoint)
    entry.has_checkpoint = entry.has_checkpoint or (checkpoint is not None and checkpoint.is_file())


def list_runs(project: Project | None, running: RunRecord | None = None) -> list[RunEntry]:
    """Every run of `project`, oldest first: its records (in order), then the folders under its
    runs/ that no record names, by date. `running`: the record of the run this window trains now."""
    entries: list[RunEntry] = []
    known: set[Path] = set()
    for index, record in enumerate(run_list(project)):
        folder = resolve(project, record.dir)
        if folder is not None:
            known.add(Path(folder).resolve())
        entries.append(_entry(project, record, folder, record is running))
        entries[-1].index = index
    root = runs_root(project)
    try:
        children = sorted(root.iterdir()) if root.is_dir() else []
    except OSError:
        children = []
    strangers = [
        _entry(project, None, child, False)
        for child in children
        if child.resolve() not in known and is_run_folder(child)
    ]
    strangers.sort(key=lambda e: e.started or "")
    out = entries + strangers
    seen: dict[str, int] = {}
    for entry in out:  # a continued run shares its folder with the run it goes on from
        seen[entry.name] = seen.get(entry.name, 0) + 1
        if seen[entry.name] > 1:
            entry.name = f"{entry.name} #{seen[entry.name]}"
    return out


def describe(entry: RunEntry) -> list[str]:
    """A few lines on one run for the Runs dock: how it ended, its best epoch and threshold,
    what it started from, where it is."""
    lines = [f"{entry.name}: {entry.state}" + (" · folder gone" if entry.missing else "")]
    if entry.error:
        lines.append(f"Error: {entry.error}")
    files = read_folder(entry.folder) if entry.folder is not None and entry.folder.is_dir() else None
    summary = files.summary if files is not None else {}
    best_epoch, threshold = summary.get("best_epoch"), summary.get("score_threshold")
    if best_epoch is not None:
        lines.append(f"Best epoch {best_epoch} (by {summary.get('best_by') or 'validation AP'}).")
    if isinstance(threshold, (int, float)):
        lines.append(f"Suggested score threshold {threshold:.2f}.")
    if entry.record is not None and entry.record.device:
        speed = f", {entry.record.images_per_s:.2f} images/s" if entry.record.images_per_s else ""
        lines.append(f"Trained on {entry.record.device}{speed}.")
    recipe = summary.get("recipe")
    if isinstance(recipe, dict) and recipe.get("pretrained"):
        lines.append(f"Start: {recipe['pretrained']}.")
    if not entry.has_checkpoint:
        lines.append("No checkpoint: it cannot predict.")
    if entry.folder is not None:
        lines.append(f"Folder: {entry.folder}" + (" (gone)" if entry.missing else ""))
    return lines


def last_live_quality(project: Project | None) -> tuple[str, list[ImageQuality]]:
    """The newest live run that recorded pre-label figures: (its folder's name, the figures), so the
    Pre-label panel shows its curve again after the window was closed; ("", []) when none did."""
    root = runs_root(project)
    try:
        folders = sorted((p for p in root.iterdir() if (p / QUALITY_FILE).is_file()), key=lambda p: p.name)
    except OSError:
        return "", []
    for folder in reversed(folders):
        quality = read_quality(folder)
        if quality:
            return folder.name, quality
    return "", []
