"""Where each image's labelme file goes, and which files a labelme export may replace.

Files mirror the images' sub-folders (``sub/ok.png`` -> ``sub/ok.json``); images sharing a
stem in one folder (``ok.png``, ``ok.jpg``) are told apart by their whole name
(``ok.jpg.json``). A file already there is replaced only if Polymask wrote it and nobody
changed it since: the folder's manifest (``.polymask-labelme.json``, which labelme and our
reader skip) holds the sha256 of every file written. Anything else there, and the input of
the conversion, is never written over: the export is refused before writing anything.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path, PurePosixPath

from polymask_common.text import plural

from ..model import ImageRecord, Problem, Project
from ..model.validation import BAD_FILE_NAME
from .errors import LABELME_FILE_RENAMED as RENAMED
from .errors import FormatError
from .jsonfile import atomic_write_bytes
from .paths import UnsafeImagePath, image_root_of, project_image_file

MANIFEST = ".polymask-labelme.json"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _relative_name(project: Project, image: ImageRecord) -> PurePosixPath:
    """The image's path relative to the image folder; raises UnsafeImagePath."""
    path = project_image_file(project, image)  # refuses NUL, names outside the folder
    rel = PurePosixPath(Path(os.path.relpath(path, image_root_of(project))).as_posix())
    if not rel.parts or any(p in ("", ".", "..") for p in rel.parts) or not rel.stem:
        raise UnsafeImagePath(BAD_FILE_NAME, f"the file name {image.filename!r} names no file")
    return rel


def plan(project: Project, folder: Path) -> tuple[list[tuple[ImageRecord, Path]], list[Problem]]:
    """(image, its labelme file) for each image that can have one, and the problems of the rest."""
    planned: list[tuple[ImageRecord, Path]] = []
    problems: list[Problem] = []
    taken: set[str] = set()
    renamed: list[str] = []
    for image in project.images:
        try:
            rel = _relative_name(project, image)
        except UnsafeImagePath as exc:
            problems.append(Problem(exc.kind, f"{exc}; its labelme file is not written", image.filename))
            continue
        name = rel.with_suffix(".json")
        if str(name).casefold() in taken:  # case-insensitive file systems collide too
            name = rel.with_name(rel.name + ".json")
            n = 2
            while str(name).casefold() in taken:
                name, n = rel.with_name(f"{rel.name}-{n}.json"), n + 1
            renamed.append(f"{image.filename} -> {name}")
        taken.add(str(name).casefold())
        planned.append((image, folder / name))
    if renamed:
        one = len(renamed) == 1
        problems.append(
            Problem(
                RENAMED,
                f"{plural(len(renamed), 'image')} {'shares' if one else 'share'} a name (less the suffix) with "
                f"another in {'its' if one else 'their'} folder; "
                f"{'its labelme file is' if one else 'their labelme files are'} named after the whole image name: "
                f"{', '.join(renamed[:5])}" + (" ..." if len(renamed) > 5 else ""),
            )
        )
    return planned, problems


def _manifest(folder: Path) -> dict[str, str]:
    try:
        files = json.loads((folder / MANIFEST).read_text(encoding="utf-8")).get("files", {})
    except (OSError, ValueError, AttributeError):
        return {}
    return files if isinstance(files, dict) else {}


def check_replaceable(folder: Path, targets: list[Path], protect: list[Path], replace=()) -> None:
    """Raise FormatError if a target is an input of the conversion or a file Polymask did not
    write (or that changed since it did), unless the user agreed to replace it (`replace`);
    nothing has been written yet."""
    inputs = {os.path.normcase(os.path.abspath(p)) for p in protect}
    for target in targets:
        if os.path.normcase(os.path.abspath(target)) in inputs:
            raise FormatError(
                target, "is an input of this conversion; refusing to write over it (choose another folder)"
            )
    agreed = {os.path.normcase(os.path.abspath(p)) for p in replace}
    foreign = [
        t.relative_to(folder).as_posix()
        for t in foreign_files(folder, targets)
        if os.path.normcase(os.path.abspath(t)) not in agreed
    ]
    if foreign:
        raise FormatError(
            folder,
            f"holds {plural(len(foreign), 'file')} that Polymask did not write (or that changed since), which this "
            f"export would replace: {', '.join(foreign[:3])}{' ...' if len(foreign) > 3 else ''}; "
            "choose an empty folder or move them",
        )


def foreign_files(folder: Path, targets: list[Path]) -> list[Path]:
    """The targets already there that Polymask did not write, or that changed since it did."""
    written = _manifest(folder)
    foreign = []
    for target in targets:
        if not os.path.lexists(target):
            continue
        try:
            same = target.is_file() and not target.is_symlink()
            same = same and written.get(target.relative_to(folder).as_posix()) == _sha(target.read_bytes())
        except OSError:
            same = False
        if not same:
            foreign.append(target)
    return foreign


def write_file(folder: Path, target: Path, data: bytes, written: dict[str, str]) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(target, data, backup=False)
    written[target.relative_to(folder).as_posix()] = _sha(data)


def save_manifest(folder: Path, written: dict[str, str]) -> None:
    files = {**_manifest(folder), **written}
    text = json.dumps({"written_by": "polymask", "files": files}, indent=1, sort_keys=True)
    atomic_write_bytes(folder / MANIFEST, text.encode("utf-8"), backup=False)
