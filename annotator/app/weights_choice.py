"""The starting weights of a run, as a person chooses them: what each choice gives for the chosen
model (trainer.run.recipe.pretrained_parts says it once for the trainer, the CLI and the window), the
choice remembered per project (``project.polymask.train_settings``), and what to do when the
pretrained weights cannot be downloaded (offline): asked once, the answer remembered."""

from __future__ import annotations

from trainer.run.recipe import FAST_NAMES, pretrained_parts  # torch-free

from ..model import Project

WEIGHTS = "weights"  # train_settings key: the weights chosen ("coco", "none", a file...)
OFFLINE = "offline_answer"  # train_settings key: the answer to "cannot download" ("file" | "none")
# trainer.model.weights.fetch_state_dict's message when the download fails (WeightsUnavailableError)
_DOWNLOAD_FAILED = "Could not get the pretrained weights"
DOWNLOADED = ("coco", "imagenet")  # the choices that need torchvision's files (downloaded once)


def is_fast(model: str | None) -> bool:
    return str(model or "").lower() in FAST_NAMES


def weights_label(model: str | None, weights: str) -> str:
    """The short name of a choice in the form's list, true for `model`."""
    if weights == "coco":
        return "COCO box detector + new mask head" if is_fast(model) else "COCO Mask R-CNN"
    return {
        "imagenet": "ImageNet (backbone only)",
        "none": "None (train from scratch)",
        "file": "A weights file…",
        "last": "Continue the last run",
    }.get(weights, weights)


def weights_gives(model: str | None, weights: str) -> str:
    """What `weights` gives for `model`, in a few words (the form's hint under the list)."""
    if weights == "coco":
        if is_fast(model):
            return "Box detector pretrained on COCO, mask head from scratch."
        return "Mask R-CNN pretrained on COCO; only the class layers start from scratch."
    return {
        "imagenet": "Backbone only (ImageNet); the detection and mask heads from scratch.",
        "none": "Every layer from scratch: needs more images and epochs.",
        "file": "The layers of your .pth file that fit this model (e.g. an earlier run's best.pth).",
        "last": "Continues the last run from its last.pth.",
    }.get(weights, "The layers of this file that fit this model.")


def weights_detail(model: str | None, weights: str) -> str:
    """The same, in the trainer's own words (trainer.run.recipe.pretrained_parts): the hint's tooltip."""
    text = pretrained_parts(str(model or "fast"), "file-name" if weights == "file" else weights)
    return text[0].upper() + text[1:] + "."


def remembered(project: Project | None) -> str | None:
    if project is None:
        return None
    value = project.polymask.train_settings.get(WEIGHTS)
    return value if isinstance(value, str) and value else None


def remember(project: Project | None, weights: str | None) -> bool:
    """Keep `weights` as this project's choice; True when that changed the project."""
    if project is None or not weights or remembered(project) == weights:
        return False
    project.polymask.train_settings[WEIGHTS] = weights
    return True


def offline_answer(project: Project | None) -> str | None:
    if project is None:
        return None
    value = project.polymask.train_settings.get(OFFLINE)
    return value if isinstance(value, str) else None


def remember_offline_answer(project: Project | None, answer: str, weights: str) -> None:
    """The user's answer to a failed download (`answer`: "file" or "none") and the weights it chose."""
    if project is None:
        return
    project.polymask.train_settings[OFFLINE] = answer
    project.polymask.train_settings[WEIGHTS] = weights


def is_download_failure(reason: str | None) -> bool:
    """A failed run's reason says the pretrained weights could not be downloaded."""
    return bool(reason) and _DOWNLOAD_FAILED in str(reason)
