"""Which project file a path opens: one rule, so reopening never loses work.

* A project file (`polymask.json`, `NAME.polymask.json`, or any file with our key) opens as is.
* An annotation file `DIR/NAME.json` (VIA, COCO, labelme) has ONE project file,
  `DIR/NAME.polymask.json`, which records the file it came from. The first open imports
  into it; every later open of `NAME.json` opens that project again (the import is not
  redone) and says so when `NAME.json` changed since.
* A folder opens its `polymask.json`; else its one `*.polymask.json`; else its one
  annotation file (as above); else a new `polymask.json` over its images.
* Before a new project file is created, project files that already cover the same images
  are listed (`Opened.others`) so the caller can ask instead of starting a second one.

Qt-free: the window and tests call `open_for_editing`; nothing here writes a file.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from .. import io as pio
from ..io.errors import FormatError, ReadResult
from ..io.jsonfile import read_json
from ..io.native import POLYMASK_KEY, PROJECT_FILENAME, is_native, load_project
from .image_search import ImageSearch, locate_images

PROJECT_SUFFIX = ".polymask.json"
SOURCE_KEY = "source"  # under the project's own key: the annotation file it was imported from
MAX_JSON_LOOKED_AT = 20  # JSON files read to find a folder's annotation file
SAME_IMAGES = 0.5  # another project covering this share of the images is "the same data"


@dataclass
class Opened:
    """What opening a path for editing gives: the project, where it lives, and what to tell the user."""

    result: ReadResult  # result.project.path is the project file; image_root is located
    created: bool  # the project file does not exist yet: the caller saves it (after asking, see others)
    images: ImageSearch
    imported_from: Path | None = None  # the annotation file imported just now
    source_changed: str | None = None  # the annotation file changed since it was imported
    others: list[Path] = field(default_factory=list)  # project files over the same images
    notes: list[str] = field(default_factory=list)
    root_changed: bool = False  # the image folder differs from the one stored: save it
    link: Path | None = None  # the symlink that was opened; project.path is its target

    def title_note(self) -> str:
        """How the window's title says that the file opened is a link to another."""
        return f" (link {self.link} → {self.project.path})" if self.link is not None else ""

    @property
    def project(self):
        return self.result.project


def is_project_name(path) -> bool:
    name = Path(path).name
    return name == PROJECT_FILENAME or name.endswith(PROJECT_SUFFIX)


def project_file_for(annotation_file) -> Path:
    """`DIR/NAME.json` -> `DIR/NAME.polymask.json`: the one project file of an annotation file."""
    path = Path(annotation_file)
    return path.with_name(path.stem + PROJECT_SUFFIX)


# ---- the source an imported project came from ------------------------------------------------
def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def source_record(source, project_file) -> dict:
    """What is stored to recognise the annotation file later: path (relative), size, mtime, hash."""
    source = Path(source)
    st = source.stat()
    rel = os.path.relpath(source.resolve(), Path(project_file).resolve().parent)
    return {"file": Path(rel).as_posix(), "size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": _sha256(source)}


def _recorded_source(project) -> tuple[Path, dict] | None:
    rec = project.polymask.source
    if not isinstance(rec, dict) or not isinstance(rec.get("file"), str) or project.path is None:
        return None  # none, or of the wrong type: nothing to compare with
    if "\0" in rec["file"]:
        return None
    return Path(project.path).parent / rec["file"], rec


def source_changed(project) -> str | None:
    """A sentence when the annotation file the project was imported from has changed since."""
    found = _recorded_source(project)
    if found is None:
        return None
    source, rec = found
    try:
        st = source.stat()
        if st.st_size == rec.get("size") and st.st_mtime_ns == rec.get("mtime_ns"):
            return None
        if _sha256(source) == rec.get("sha256"):
            return None
    except OSError:  # moved or deleted: the project stands on its own
        return None
    return (
        f"{source.name} changed since it was imported into {Path(project.path).name}. "
        f"The project keeps your edits and was not imported again; to start over from the "
        f"new {source.name}, move {Path(project.path).name} away and open {source.name}."
    )


def _records_source(project_file: Path, source: Path) -> bool:
    """True if the project file says it was imported from `source` (reads its JSON)."""
    try:
        data = read_json(project_file)
    except FormatError:
        return False
    rec = data.get(POLYMASK_KEY, {}).get(SOURCE_KEY) if is_native(data) else None
    if not isinstance(rec, dict) or not isinstance(rec.get("file"), str) or "\0" in rec["file"]:
        return False
    try:
        return (project_file.parent / rec["file"]).resolve() == source.resolve()
    except OSError:
        return False


# ---- the rule ---------------------------------------------------------------------------------
def open_for_editing(path) -> Opened:
    """Open `path` (folder, project or annotation file) by the rule above. Raises FormatError."""
    path = Path(path)
    if not path.exists():
        raise FormatError(path, "does not exist")
    if path.is_dir():
        return _open_folder(path)
    return _open_file(path)


def _open_file(path: Path) -> Opened:
    if not is_project_name(path):
        own = project_file_for(path)
        if own.exists():
            return _open_project(own)
        shared = path.parent / PROJECT_FILENAME
        if shared.exists() and _records_source(shared, path):
            return _open_project(shared)
    result = pio.read_file(path)
    if result.format == "polymask":  # a project file, opened directly or under another name
        return _linked(_with_source_check(_finish(result, result.project.path.parent, created=False)), path)
    project = result.project
    project.path = project_file_for(path)
    project.polymask.source = source_record(path, project.path)
    return _finish(result, path.parent, created=True, imported_from=path)


def _open_project(project_file: Path) -> Opened:
    result = load_project(project_file)  # a symlink is resolved: result.project.path is its target
    opened = _finish(result, result.project.path.parent, created=False)
    opened.source_changed = source_changed(result.project)
    return _linked(opened, project_file)


def _linked(opened: Opened, opened_as: Path) -> Opened:
    if opened_as.is_symlink():
        opened.link = opened_as
    return opened


def annotation_files(folder: Path) -> tuple[list[Path], list[Path]]:
    """(project files, annotation files) directly in `folder`, by content, not by name alone."""
    projects, annotations = [], []
    for i, path in enumerate(sorted(folder.glob("*.json"))):
        if path.name.startswith("."):
            continue
        if is_project_name(path):
            projects.append(path)
            continue
        if i >= MAX_JSON_LOOKED_AT:
            continue
        try:
            data = read_json(path)
        except FormatError:
            continue
        fmt = pio.detect_format(data)
        if fmt == "polymask":
            projects.append(path)
        elif fmt in ("via", "via-project", "coco"):  # labelme is one file per image, not a dataset
            annotations.append(path)
    return projects, annotations


def _open_folder(folder: Path) -> Opened:
    if (folder / PROJECT_FILENAME).exists():
        return _with_source_check(_finish(pio.open_folder(folder), folder, created=False))
    projects, annotations = annotation_files(folder)
    if len(projects) == 1:
        return _open_project(projects[0])
    if len(annotations) == 1 and not projects:
        return _open_file(annotations[0])
    listed = projects + annotations
    names = ", ".join(p.name for p in listed)
    try:
        result = pio.open_folder(folder)
    except FormatError as exc:
        if listed:
            raise FormatError(folder, f"{exc.reason}; it holds {names}: open one of them") from None
        raise
    opened = _finish(result, folder, created=True)
    if listed:
        opened.notes.append(
            f"{folder.name} also holds {names}; this new project does not use them. "
            f"Open one of them with File > Open to work on its annotations."
        )
    return opened


def _with_source_check(opened: Opened) -> Opened:
    opened.source_changed = source_changed(opened.project)
    return opened


def _finish(result: ReadResult, near: Path, created: bool, imported_from: Path | None = None) -> Opened:
    project = result.project
    if project.path is None:
        project.path = near / PROJECT_FILENAME
    before = Path(project.image_root) if project.image_root is not None else None
    search = locate_images(project, near=near)
    root_changed = False
    if search.root is not None and search.found > 0 and search.root != before:
        project.image_root = search.root
        root_changed = True
    elif project.image_root is None:
        project.image_root = search.root or near
    if created:
        _learn_file_sizes(project)
    opened = Opened(result, created, search, imported_from=imported_from, root_changed=root_changed)
    if created:
        opened.others = projects_over_same_images(project, [near, Path(project.image_root)])
    return opened


def _learn_file_sizes(project) -> None:
    """VIA keys images by name + byte size: a new project learns sizes from the located files."""
    for im in project.images:
        if im.size < 0 and im.via_key is None:
            try:
                im.size = os.stat(project.image_path(im)).st_size
            except (OSError, ValueError):
                pass


def projects_over_same_images(project, folders) -> list[Path]:
    """Existing project files in `folders` that list at least half of `project`'s images."""
    mine = {im.filename for im in project.images}
    if not mine:
        return []
    own = Path(project.path).resolve() if project.path else None
    out, seen = [], set()
    for folder in folders:
        if folder is None or not Path(folder).is_dir():
            continue
        for candidate in sorted(Path(folder).glob("*.json")):
            key = candidate.resolve()
            if key in seen or key == own or not is_project_name(candidate):
                continue
            seen.add(key)
            try:
                other = load_project(candidate).project
            except (FormatError, ValueError, TypeError):
                continue
            theirs = {im.filename for im in other.images}
            if len(mine & theirs) >= SAME_IMAGES * len(mine):
                out.append(candidate)
    return out


__all__ = [
    "Opened",
    "open_for_editing",
    "project_file_for",
    "is_project_name",
    "source_record",
    "source_changed",
    "annotation_files",
    "projects_over_same_images",
    "PROJECT_SUFFIX",
]
