"""Pre-flight check before a training run: what would make it fail or learn nothing,
said in words a person can act on. Qt-free (pure model code)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..model import Project
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
        files = sorted(set(no_class))
        issues.append(
            Issue(
                "no-class",
                f"{len(no_class)} region(s) have no class (in {_names(files)}): select them "
                "and press a class key (1–9), or delete them.",
                images=files,
            )
        )
    if ambiguous:
        files = sorted(set(ambiguous))
        issues.append(
            Issue(
                "ambiguous-class",
                f"{len(ambiguous)} region(s) have zero or several classes ticked "
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
        issues.append(
            Issue(
                "missing-images",
                f"{len(missing)} annotated image file(s) cannot be found "
                f"({_names(missing)}): put them back in "
                f"{project.image_root or (project.path.parent if project.path else '.')}"
                " or remove them from the project.",
                images=missing,
            )
        )
    return issues
