"""What a training run is given from a project: one preparation for the window and
`polymask train --project`.

Images with regions are examples; an image with no regions is a negative only
when the user marked it done. Unlabelled images are left for pre-labelling.
The trainer speaks COCO, so the chosen images become a COCO dict (the COCO
exporter's own code), read from the project's image folder.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from ..io import fill_image_sizes
from ..io.coco import project_to_coco
from ..model import ImageRecord, Problem, Project
from .training_runs import project_folder

SPLIT_VALUES = ("train", "val")


@dataclass
class TrainingData:
    coco: dict[str, Any]
    images: str  # the folder the COCO file names are relative to
    split: dict[str, str] | None = None  # the project's own train/val split (file name -> train | val), if it has one
    unsized: list[str] = field(
        default_factory=list
    )  # keys of images that had no size: read now, so the project changed
    problems: list[Problem] = field(default_factory=list)  # images whose size could not be read (missing, unreadable)


def used_for_training(im: ImageRecord) -> bool:
    return bool(im.regions) or im.done


def training_subset(project: Project) -> Project:
    """A shallow copy of `project` holding only the images to train on."""
    subset = copy.copy(project)
    subset.images = [im for im in project.images if used_for_training(im)]
    return subset


def unlabelled_keys(project: Project | None) -> list[str]:
    """The images left for pre-labelling, in project order."""
    return [im.key for im in project.images if not used_for_training(im)] if project is not None else []


def project_split(project: Project) -> dict[str, str] | None:
    split = project.polymask.split
    if isinstance(split, dict) and split and all(x in SPLIT_VALUES for x in split.values()):
        return dict(split)
    return None


def training_data(project: Project) -> TrainingData:
    """The images to train on as COCO. Sizes the project lacks are read (and kept: the
    image records are the project's), since COCO needs every image's width and height."""
    subset = training_subset(project)
    unsized = [im.key for im in subset.images if im.width is None or im.height is None]
    problems = fill_image_sizes(project, images=subset.images)
    root = project.image_root or project_folder(project)
    return TrainingData(
        coco=project_to_coco(subset), images=str(root), split=project_split(project), unsized=unsized, problems=problems
    )
