"""Pre-flight check before a training run: what would make it fail or learn nothing (``preflight``,
blocking) and what it may learn poorly from (``data_notes``), said in words a person can act on.
Qt-free (pure model code)."""

from __future__ import annotations

from dataclasses import dataclass, field

from polymask_common.text import plural
from trainer.dataset.checks import DEFAULT_INPUT, FEW_OBJECTS, TINY_PX, input_scale

from ..model import ImageRecord, Project, Region
from ..model.attributes import AmbiguousClass
from .training_data import training_subset


@dataclass
class Issue:
    kind: str  # no-annotations | empty-class | missing-images | no-class | ambiguous-class | no-project
    message: str  # what is wrong and how to fix it
    blocking: bool = True
    images: list[str] = field(default_factory=list)  # image file names concerned (first few)


def _names(items: list[str], n: int = 5) -> str:
    shown = ", ".join(items[:n])
    return shown + (f" and {len(items) - n} more" if len(items) > n else "")


def preflight(project: Project | None) -> list[Issue]:
    """Problems with training on `project` (only images with regions or marked done are used)."""
    if project is None:
        return [Issue("no-project", "Open a project or a folder of images first.")]
    issues: list[Issue] = []
    used = training_subset(project).images
    n_regions = sum(len(im.regions) for im in used)
    if n_regions == 0:
        issues.append(
            Issue(
                "no-annotations",
                "There are no annotations yet: draw polygons around a few objects "
                "(ideally 10 or more per class) before training.",
            )
        )
        return issues
    no_class, ambiguous = [], []
    for im in used:
        for r in im.regions:
            try:
                if project.class_of(r) is None:
                    no_class.append(im.filename)
            except AmbiguousClass:
                ambiguous.append(im.filename)
    if no_class:
        files, one = sorted(set(no_class)), len(no_class) == 1
        them = "it" if one else "them"
        issues.append(
            Issue(
                "no-class",
                f"{plural(len(no_class), 'region')} {'has' if one else 'have'} no class (in {_names(files)}): "
                f"select {them} and press a class key (1–9), or delete {them}.",
                images=files,
            )
        )
    if ambiguous:
        files = sorted(set(ambiguous))
        issues.append(
            Issue(
                "ambiguous-class",
                f"{plural(len(ambiguous), 'region')} {'has' if len(ambiguous) == 1 else 'have'} zero or several "
                "classes ticked "
                f"(in {_names(files)}): give each exactly one class (for several ticked, the "
                "Classes panel's \"Keep the first class of each\" does it in one click).",
                images=files,
            )
        )
    empty = [name for name, count in project.class_counts().items() if count == 0]
    if empty:
        issues.append(
            Issue(
                "empty-class",
                f"Class(es) {_names([repr(n) for n in empty])} have no examples: label at "
                "least one object of each, or delete the class in the Classes panel.",
            )
        )
    missing = [im.filename for im in used if not project.image_path(im).is_file()]
    if missing:
        them = "it" if len(missing) == 1 else "them"
        issues.append(
            Issue(
                "missing-images",
                f"{plural(len(missing), 'annotated image file')} cannot be found "
                f"({_names(missing)}): put {them} back in "
                f"{project.image_root or (project.path.parent if project.path else '.')}"
                f" or remove {them} from the project.",
                images=missing,
            )
        )
    return issues


def data_notes(project: Project | None, input_size: tuple[int, int] = DEFAULT_INPUT) -> list[Issue]:
    """What a run can train with but may learn poorly from (never blocking; the trainer's data
    checks use the same thresholds): objects under a few pixels at the model's input size
    (``input_size``: its min_size, max_size), images marked done without objects, classes with
    fewer than FEW_OBJECTS objects."""
    if project is None:
        return []
    used = training_subset(project).images
    notes: list[Issue] = []
    tiny = sorted({im.filename for im in used for r in im.regions if _too_small(im, r, input_size)})
    if tiny:
        notes.append(
            Issue(
                "tiny-objects",
                f"Some objects are under {TINY_PX} px at the model's {input_size[0]}-px input size "
                f"(in {_names(tiny)}): the model can hardly see them; a larger input size helps.",
                blocking=False,
                images=tiny,
            )
        )
    empty = [im.filename for im in used if not im.regions]
    if empty:
        one = len(empty) == 1
        notes.append(
            Issue(
                "no-objects",
                f"{plural(len(empty), 'image')} marked done {'has' if one else 'have'} no objects ({_names(empty)}): "
                f"{'it is' if one else 'they are'} used as background, which is right only if nothing in "
                f"{'it' if one else 'them'} should be found.",
                blocking=False,
                images=empty,
            )
        )
    few = {name: n for name, n in project.class_counts().items() if 0 < n < FEW_OBJECTS}
    if few:
        notes.append(
            Issue(
                "few-objects",
                f"Class(es) {_names([f'{name!r} ({n})' for name, n in few.items()])} have fewer than "
                f"{FEW_OBJECTS} objects: label more of each for the model to learn it.",
                blocking=False,
            )
        )
    return notes


def _too_small(im: ImageRecord, region: Region, input_size: tuple[int, int]) -> bool:
    if not (im.width and im.height) or not region.shape.has_area:
        return False
    _, _, w, h = region.shape.bbox()
    return min(w, h) * input_scale(im.width, im.height, *input_size) < TINY_PX
