"""Whether a COCO export can go ahead: COCO needs each image's width and height.

One policy for `polymask convert` and the window's Export menu:

* images MISSING from the image folder point at a wrong folder: refuse, name them, and
  say how to give the folder (`--images`, File > Locate images…); nothing is written;
* images that exist but cannot be READ (corrupt, truncated, too large) are data problems
  in those files: the rest is exported, each one is named with its reason, and the
  export counts as having problems (the CLI exits 1; the window asks first).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from polymask_common.text import plural

from ..io import export, fill_image_sizes
from ..io.errors import split_notes
from ..model import Problem
from ..model.validation import MISSING_IMAGE

FORMAT_NAMES = {"via-project": "VIA project", "via": "VIA annotations", "coco": "COCO", "labelme": "labelme"}


@dataclass
class SizeCheck:
    missing: list[Problem] = field(default_factory=list)
    unreadable: list[Problem] = field(default_factory=list)

    @property
    def problems(self) -> list[Problem]:
        return self.missing + self.unreadable

    @property
    def refused(self) -> bool:
        return bool(self.missing)

    def reason(self) -> str:
        """Why the export is refused or incomplete, in one line."""
        if self.missing:
            first, n = self.missing[0], len(self.missing)
            return (
                f"COCO needs every image's width and height, and {plural(n, 'image')} "
                f"{'was' if n == 1 else 'were'} not found "
                f"(first: {first.message.removeprefix('image file not found at ')})"
            )
        if self.unreadable:
            names = ", ".join(f"{p.image} ({p.message})" for p in self.unreadable[:3])
            more = f" and {len(self.unreadable) - 3} more" if len(self.unreadable) > 3 else ""
            n = len(self.unreadable)
            return f"{plural(n, 'image')} cannot be read and {'is' if n == 1 else 'are'} left out: {names}{more}"
        return ""


def check_image_sizes(project) -> SizeCheck:
    """Read the sizes COCO needs (headers only); sort the failures into missing and unreadable."""
    check = SizeCheck()
    for problem in fill_image_sizes(project):
        (check.missing if problem.kind == MISSING_IMAGE else check.unreadable).append(problem)
    return check


def fold_missing_images(problems: list[Problem], project, source_format: str) -> tuple[list[Problem], str]:
    """(the problems left, one summary line) for a conversion: an image file that is not on
    disk loses nothing when the annotation file gives its size, so the thousands of such
    images of a COCO file copied without its images are one line, not one line each, and
    do not count as problems (the exit code says whether anything was lost)."""
    sized = {im.filename for im in project.images if im.width and im.height}
    folded = [p for p in problems if p.kind == MISSING_IMAGE and p.image in sized]
    if not folded:
        return problems, ""
    left = [p for p in problems if not (p.kind == MISSING_IMAGE and p.image in sized)]
    folder = project.image_root if project.image_root is not None else "the image folder"
    label = source_format.upper() if source_format in ("coco", "via") else source_format
    noun = "image" if len(folded) == 1 else "images"
    return left, f"note: {len(folded):,} {noun} not found under {folder}; sizes taken from the {label} file"


@dataclass
class Written:
    """What an export wrote and what it could not write (the window's summary, convert's output)."""

    path: Path
    fmt: str
    images: int
    regions: int
    classes: int
    left_out: list[Problem]  # what the writer could not hold, not already named in `known`
    notes: list[Problem] = field(default_factory=list)  # what it did without losing anything

    def summary(self) -> str:
        return f"{self.images} images, {self.regions} regions, {self.classes} classes"

    def written(self) -> str:
        """E.g. "COCO c.json: 80 images, 90 regions, 2 classes" (labelme: a folder, one file per image)."""
        where = f"{self.path.name}/ (one JSON per image)" if self.fmt == "labelme" else self.path.name
        return f"{FORMAT_NAMES.get(self.fmt, self.fmt)} {where}: {self.summary()}"


def write_export(project, dst, fmt: str, known: list[Problem] | tuple = (), **options) -> Written:
    """Write `project` as `fmt` to `dst` (the writers of annotator.io; `options` go to the writer,
    e.g. labelme's `embed_images` and `protect`); what the writer left out is returned, less what
    `known` (the reader's or the size check's problems) already names, with its notes apart.
    Raises what the writer raises (FormatError, OSError)."""
    left_out, notes = split_notes(export(project, dst, fmt, **options))
    named = {(p.kind, p.image, p.region) for p in known}
    new: list[Problem] = []
    for problem in left_out:  # the writer names an unreadable image again: say it once
        key = (problem.kind, problem.image, problem.region)
        if key not in named:
            named.add(key)
            new.append(problem)
    regions = sum(len(im.regions) for im in project.images)
    return Written(Path(dst), fmt, len(project.images), regions, len(project.class_names()), new, notes)


__all__ = ["FORMAT_NAMES", "SizeCheck", "Written", "check_image_sizes", "fold_missing_images", "write_export"]
