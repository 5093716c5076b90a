"""Which images of a project a training run sees.

Images with regions are examples; an image with no regions is a negative only
when the user marked it done. Unlabelled images are left for pre-labelling.
"""

from __future__ import annotations

import copy

from .model import Project


def training_subset(project: Project) -> Project:
    """A shallow copy of `project` holding only the images to train on."""
    subset = copy.copy(project)
    subset.images = [im for im in project.images if im.regions or im.done]
    return subset
