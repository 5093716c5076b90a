"""The project's image folders and what changed in them: the folders that hold its images (the
window watches them), image files there that the project does not list (offered to add), the
project's images whose files are gone, and the image records for files to add.

Only the folders that already hold the project's images (and the image folder itself) are
looked at, each without going down: a project over `data/` is not offered the pictures of a
`runs/` folder beside it. Qt-free: the window's watcher and tests call `scan`."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from polymask_common.text import plural

from ..io.images import IMAGE_SUFFIXES, is_image_file
from ..model import ImageRecord, Project
from .image_search import is_local

MAX_WATCHED_FOLDERS = 64  # a project spread over more folders is rescanned on focus only


def image_root(project: Project) -> Path | None:
    if project.image_root is not None:
        return Path(project.image_root)
    return Path(project.path).parent if project.path is not None else None


def image_folders(project: Project) -> list[str]:
    """The project's image folders, relative to its image root ("" for the root itself), in order."""
    folders = {""}
    for im in project.images:
        name = im.filename
        if "/" in name and is_local(name):  # (a plain name is in the root: no test, 10,000 of them)
            folders.add(_folder_of(name))
    return sorted(folders)


@dataclass
class FolderScan:
    """What the image folders hold that the project does not say, and the reverse."""

    root: Path | None
    folders: list[str] = field(default_factory=list)  # relative to root
    new: list[str] = field(default_factory=list)  # image files not in the project (nor ignored)
    gone: list[str] = field(default_factory=list)  # the project's images whose files are not there

    def where(self, names: list[str]) -> str:
        """The folder the names are in, as the bar says it ("data/", "3 folders")."""
        parents = {str(PurePosixPath(n).parent) for n in names}
        if len(parents) > 1:
            return f"{len(parents)} folders"
        parent = parents.pop() if parents else "."
        base = self.root.name if self.root is not None else ""
        return f"{base}/" if parent == "." else f"{base}/{parent}/"


def scan(project: Project) -> FolderScan:
    """List the image folders once each (one scandir per folder) and compare with the project."""
    root = image_root(project)
    if root is None:
        return FolderScan(None)
    folders = image_folders(project)
    listed = {im.filename for im in project.images}
    ignored = {n for n in project.polymask.ignored_images if isinstance(n, str)}
    present: set[str] = set()
    new: list[str] = []
    readable: set[str] = set()
    for folder in folders:
        try:
            with os.scandir(root / folder) as entries:
                names = [e.name for e in entries if e.is_file()]
        except OSError:  # a folder that went away: its images count as gone
            continue
        readable.add(folder)
        for name in names:
            rel = f"{folder}/{name}" if folder else name
            if rel in listed:
                present.add(rel)
            # (splitext, not is_image_file's Path: this runs on the UI thread, for every file)
            elif not name.startswith(".") and os.path.splitext(name)[1].lower() in IMAGE_SUFFIXES:
                if rel not in ignored:
                    new.append(rel)
    new.sort()
    missing = listed - present
    gone = [
        im.filename
        for im in project.images
        if im.filename in missing and is_local(im.filename) and _folder_of(im.filename) in readable
    ]
    return FolderScan(root, folders, new, gone)


def _folder_of(filename: str) -> str:
    return str(PurePosixPath(filename).parent) if "/" in filename else ""


def new_records(project: Project, names: list[str]) -> list[ImageRecord]:
    """Image records for files below the image root (sizes read now: a file copied in while
    the folder was watched is complete by the time the user adds it). Names already in the
    project, and files that are no longer there, are left out."""
    root = image_root(project)
    known = {im.filename for im in project.images}
    out = []
    for name in dict.fromkeys(names):
        if name in known or root is None:
            continue
        try:
            size = os.stat(root / name).st_size
        except OSError:
            continue
        out.append(ImageRecord(filename=name, size=size))
    return out


def relative_names(project: Project, paths: list[str]) -> tuple[list[str], list[str]]:
    """File paths chosen in a dialog as names relative to the image root, and those outside it."""
    root = image_root(project)
    inside, outside = [], []
    for p in paths:
        path = Path(os.path.abspath(p))
        rel = _inside(path, Path(os.path.abspath(root))) if root is not None else None
        if rel is None and root is not None:  # a linked folder: compare where the links lead
            rel = _inside(path.resolve(), root.resolve())
        if rel is None or not is_image_file(path):
            outside.append(str(p))
        else:
            inside.append(rel.as_posix())
    return inside, outside


def _inside(path: Path, root: Path) -> PurePosixPath | None:
    try:
        return PurePosixPath(path.relative_to(root).as_posix())
    except ValueError:
        return None


def unlabelled(project: Project, start: int, direction: int) -> int | None:
    """The index of the next image (direction 1) or previous one (-1) from `start`, wrapping
    round, that has no regions and is not marked done; None when every image is labelled."""
    n = len(project.images)
    for step in range(1, n + 1):
        i = (start + direction * step) % n
        im = project.images[i]
        if not im.regions and not im.done:
            return i
    return None


def find_image(project: Project, text: str) -> tuple[int | None, str]:
    """The image a "go to" entry names: its number in the list (1-based) or its file name (whole,
    else the one name containing the text). (index, "") or (None, why not)."""
    text = text.strip()
    n = len(project.images)
    if not text:
        return None, "Type an image number or a file name"
    if text.isdigit():
        number = int(text)
        if 1 <= number <= n:
            return number - 1, ""
        return None, f"There is no image {number}: the project has {plural(n, 'image')}"
    lower = text.lower()
    exact = [i for i, im in enumerate(project.images) if im.filename.lower() in (lower, f"./{lower}")]
    if not exact:
        exact = [i for i, im in enumerate(project.images) if PurePosixPath(im.filename).name.lower() == lower]
    if exact:
        return exact[0], ""
    partial = [i for i, im in enumerate(project.images) if lower in im.filename.lower()]
    if len(partial) == 1:
        return partial[0], ""
    if not partial:
        return None, f"No image named {text!r}"
    return None, f"{len(partial)} images have {text!r} in their name: type more of it"
