"""Renaming and deleting a run: its folder and the project's records of it together.

Only folders inside the project's own ``runs/`` are renamed or moved (``training_runs.run_folder``
refuses any other, symlinks resolved), so a project file can never make us move another folder.
Deleting moves the folder to ``runs/.trash/`` and takes its records out of the project; ``restore``
puts both back (the window offers it until it closes) and ``purge`` removes the files for good."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from ..model import Project, RunRecord
from .run_list import RunEntry, runs_root
from .training_runs import resolve, run_folder, run_list, to_stored

TRASH = ".trash"
_BAD_NAME_CHARS = set('/\\:*?"<>|')


class RunFileError(ValueError):
    """A rename or delete that cannot be done, said in one line for a person."""


@dataclass
class Trashed:
    """A deleted run: where its folder went, and its records with their places in the list."""

    folder: Path | None  # the original folder (None: the run had no folder left)
    trashed: Path | None  # where the folder is now
    records: list[tuple[int, RunRecord]] = field(default_factory=list)


def _own_folder(project: Project | None, folder: Path) -> Path:
    try:
        return run_folder(project, str(folder))
    except ValueError as e:
        raise RunFileError(str(e)) from None


def _records_of(project: Project | None, folder: Path) -> list[tuple[int, RunRecord]]:
    target = folder.resolve()
    return [
        (i, r)
        for i, r in enumerate(run_list(project))
        if (p := resolve(project, r.dir)) is not None and Path(p).resolve() == target
    ]


def check_name(name: str) -> str:
    name = name.strip()
    if not name or name in (".", "..") or name.startswith(".") or _BAD_NAME_CHARS & set(name):
        raise RunFileError(
            f"{name!r} cannot name a run folder: use letters, digits, '-' or '_', not starting with '.'."
        )
    return name


def rename_run(project: Project | None, entry: RunEntry, new_name: str) -> Path:
    """Rename `entry`'s folder to `new_name` (in runs/) and update the records that point into it."""
    name = check_name(new_name)
    if entry.folder is None or not entry.folder.is_dir():
        raise RunFileError(f"The folder of run {entry.name} is not there any more: nothing to rename.")
    old = _own_folder(project, entry.folder)
    new = old.with_name(name)
    if new.exists():
        raise RunFileError(f"A run folder named {name} already exists in {old.parent}.")
    records = _records_of(project, old)
    os.rename(old, new)
    for _, record in records:
        _move_paths(project, record, old, new)
    return new


def _move_paths(project: Project | None, record: RunRecord, old: Path, new: Path) -> None:
    def moved(stored: str | None) -> str | None:
        path = resolve(project, stored)
        if path is None:
            return stored
        path = Path(os.path.abspath(path))
        for base in {old, Path(os.path.abspath(old)), old.resolve()}:
            if path == base or path.is_relative_to(base):
                return to_stored(project, new / path.relative_to(base))
        return stored

    record.dir = moved(record.dir)
    record.best_checkpoint = moved(record.best_checkpoint)
    record.last_checkpoint = moved(record.last_checkpoint)


def trash_run(project: Project | None, entry: RunEntry) -> Trashed:
    """Move `entry`'s folder to runs/.trash/ and take its records out of the project."""
    folder = entry.folder if entry.folder is not None and entry.folder.exists() else None
    if folder is not None:
        folder = _own_folder(project, folder)
        records = _records_of(project, folder)
        bin_ = runs_root(project).resolve() / TRASH
        bin_.mkdir(parents=True, exist_ok=True)
        target = bin_ / folder.name
        n = 2
        while target.exists():
            target = bin_ / f"{folder.name}-{n}"
            n += 1
        os.rename(folder, target)
    else:  # a vanished run: only its record goes
        target = None
        runs = run_list(project)
        records = [(i, r) for i, r in enumerate(runs) if r is entry.record]
    runs = run_list(project)
    for _, record in records:
        runs.remove(record)
    return Trashed(folder, target, records)


def restore(project: Project | None, trashed: Trashed) -> None:
    """Undo `trash_run`: the folder back in place, the records back at their places."""
    if trashed.folder is not None and trashed.trashed is not None:
        if trashed.folder.exists():
            raise RunFileError(f"{trashed.folder} exists again: the deleted run stays in {trashed.trashed}.")
        os.rename(trashed.trashed, trashed.folder)
    runs = run_list(project)
    for index, record in sorted(trashed.records, key=lambda ir: ir[0]):
        runs.insert(min(index, len(runs)), record)
    trashed.trashed = None


def purge(trashed: Trashed) -> None:
    """Remove a deleted run's files for good (the window does it when it closes)."""
    if trashed.trashed is not None and trashed.trashed.parent.name == TRASH:
        shutil.rmtree(trashed.trashed, ignore_errors=True)
        try:
            trashed.trashed.parent.rmdir()  # the trash folder, once empty
        except OSError:
            pass
    trashed.trashed = None
