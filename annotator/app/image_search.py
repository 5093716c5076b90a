"""Where a project's images are: the one search the window and every `polymask` command use.

Annotation files rarely sit next to their photos: the VIA tutorial keeps them in
`data/`, the balloon set in `train/` and `val/`. Candidates are tried in the order a
user would expect, and the first that holds every listed image wins; otherwise the
one holding the most:

1. the folder given by the user (`--images`, "Locate images…"): always used;
2. the project's stored image folder (or, for an annotation file, the file's folder);
3. the folder beside the opened file;
4. the folder VIA's `_via_settings.core.default_filepath` names (relative to the file);
5. a sub-folder, one or two levels down, holding the listed file names (bounded in time).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..model import Project

SEARCH_DEPTH = 2
SEARCH_SECONDS = 1.0
MAX_FOLDERS = 400
SKIPPED_FOLDERS = {"runs", "__pycache__", "node_modules", "site-packages"}
MISSING_SHOWN = 20  # missing names kept for messages


@dataclass
class ImageSearch:
    """The chosen image folder and how well it matches the project's list."""

    root: Path | None
    how: str  # "given", "stored", "beside", "default_filepath", "sub-folder" or "not found"
    found: int
    total: int  # local image files listed (URLs are not looked for)
    missing: list[str] = field(default_factory=list)  # the first MISSING_SHOWN missing names
    looked_in: list[str] = field(default_factory=list)  # where it looked, for messages

    @property
    def complete(self) -> bool:
        return self.found == self.total

    def summary(self) -> str:
        """One line for a bar or a terminal."""
        if self.complete:
            return f"All {self.total} images are in {self.root}."
        places = ", ".join(str(p) for p in self.looked_in) or "nowhere"
        if self.found == 0:
            return f"None of the {self.total} images were found (looked in {places})."
        return (
            f"{self.total - self.found} of {self.total} images are not in {self.root} "
            f"(first missing: {self.missing[0]})."
        )


def is_local(filename: str) -> bool:
    return "://" not in filename and not filename.startswith("data:")


def local_names(project: Project) -> list[str]:
    return [im.filename for im in project.images if is_local(im.filename)]


class _Listing:
    """Folder listings, read once each: checking 10,000 names costs one scandir per folder."""

    def __init__(self):
        self._names: dict[Path, frozenset[str]] = {}

    def has(self, folder: Path, filename: str) -> bool:
        if "/" in filename or "\\" in filename or filename in ("", ".", ".."):
            target = folder / filename
            parent, name = target.parent, target.name
        else:  # the common case, without building a Path per image
            parent, name = folder, filename
        names = self._names.get(parent)
        if names is None:
            try:
                with os.scandir(parent) as it:
                    names = frozenset(e.name for e in it)
            except OSError:  # missing or unreadable folder, a file, a bad name
                names = frozenset()
            self._names[parent] = names
        return name in names


def count_found(project: Project, folder, names: list[str] | None = None, listing: _Listing | None = None) -> int:
    """How many of the project's local image files are in `folder`."""
    names = local_names(project) if names is None else names
    listing = listing or _Listing()
    folder = Path(folder)
    return sum(1 for n in names if listing.has(folder, n))


def _missing(folder: Path | None, names: list[str], listing: _Listing) -> list[str]:
    if folder is None:
        return names[:MISSING_SHOWN]
    out = []
    for n in names:
        if not listing.has(folder, n):
            out.append(n)
            if len(out) >= MISSING_SHOWN:
                break
    return out


def _default_filepath(project: Project, near: Path) -> Path | None:
    """VIA's default path, when it is a local folder (VIA also allows URLs)."""
    try:
        value = project.settings.get("core", {}).get("default_filepath")
    except AttributeError:  # settings of the wrong type: nothing to use
        return None
    if not isinstance(value, str) or not value.strip() or not is_local(value) or "\0" in value:
        return None
    path = Path(value.strip())
    return path if path.is_absolute() else near / path


def _sub_folders(near: Path, depth: int, deadline: float) -> list[Path]:
    """Folders below `near`, breadth first, at most `depth` levels and MAX_FOLDERS, until `deadline`."""
    out: list[Path] = []
    level = [near]
    for _ in range(depth):
        nxt = []
        for folder in level:
            if time.monotonic() > deadline or len(out) >= MAX_FOLDERS:
                return out
            try:
                with os.scandir(folder) as it:
                    subs = sorted(
                        e.path
                        for e in it
                        if e.is_dir(follow_symlinks=True)
                        and not e.name.startswith(".")
                        and e.name not in SKIPPED_FOLDERS
                    )
            except OSError:
                continue
            nxt += [Path(s) for s in subs]
        out += nxt
        level = nxt
    return out[:MAX_FOLDERS]


def locate_images(
    project: Project, near=None, given=None, depth: int = SEARCH_DEPTH, seconds: float = SEARCH_SECONDS
) -> ImageSearch:
    """Find the folder the project's image file names are relative to. Reads only folder listings.

    `near` is the folder of the file the user opened (default: the project file's folder);
    `given` a folder the user named, which is used even when images are missing from it.
    """
    names = local_names(project)
    listing = _Listing()
    if given is not None:
        given = Path(given)
        return ImageSearch(
            given,
            "given",
            count_found(project, given, names, listing),
            len(names),
            _missing(given, names, listing),
            [str(given)],
        )
    if near is None:
        near = project.path.parent if project.path else (Path(project.image_root) if project.image_root else None)
    near = Path(near) if near is not None else None
    candidates: list[tuple[str, Path]] = []
    if project.image_root is not None:
        candidates.append(("stored", Path(project.image_root)))
    if near is not None:
        candidates.append(("beside", near))
        default = _default_filepath(project, near)
        if default is not None:
            candidates.append(("default_filepath", default))
    if not names:  # nothing to look for: keep what the project says
        root = candidates[0][1] if candidates else None
        return ImageSearch(root, candidates[0][0] if candidates else "not found", 0, 0, [], [])

    best: tuple[int, str, Path] | None = None
    looked_in: list[str] = []
    seen: set[Path] = set()

    def consider(how: str, folder: Path) -> bool:
        nonlocal best
        key = Path(os.path.abspath(folder))
        if key in seen:
            return False
        seen.add(key)
        if how != "sub-folder":
            looked_in.append(str(folder))
        n = count_found(project, folder, names, listing)
        if n > 0 and (best is None or n > best[0]):
            best = (n, how, folder)
        return n == len(names)

    done = any(consider(how, folder) for how, folder in candidates)
    if not done and near is not None:
        deadline = time.monotonic() + seconds
        for folder in _sub_folders(near, depth, deadline):
            if consider("sub-folder", folder) or time.monotonic() > deadline:
                break
        looked_in.append(f"the sub-folders of {near} ({depth} levels)")
    if best is None:
        root = candidates[0][1] if candidates else None
        return ImageSearch(root, "not found", 0, len(names), names[:MISSING_SHOWN], looked_in)
    found, how, root = best
    return ImageSearch(root, how, found, len(names), _missing(root, names, listing), looked_in)


__all__ = ["ImageSearch", "locate_images", "count_found", "local_names", "is_local"]
