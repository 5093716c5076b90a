"""The starting weights as a person chooses them (annotator.app.weights_choice): what each choice
gives for the chosen model, the choice remembered in the project file, a failed download told."""

from __future__ import annotations

from annotator.app import weights_choice as wc
from annotator.io import load_project, save_project
from tests.ui.training_fixtures import make_project
from trainer.run.recipe import pretrained_parts


def test_each_choice_says_what_it_gives_for_the_model():
    assert wc.weights_gives("fast", "coco") == "Box detector pretrained on COCO, mask head from scratch."
    assert pretrained_parts("fast", "coco")[1:] in wc.weights_detail("fast", "coco")  # the trainer's words
    assert pretrained_parts("accurate", "coco")[1:] in wc.weights_detail("accurate", "coco")
    assert "Mask R-CNN" in wc.weights_gives("accurate", "coco") and "mask head from" not in wc.weights_gives(
        "accurate", "coco"
    )
    assert wc.weights_gives("fast", "imagenet").startswith("Backbone only")
    assert wc.weights_label("fast", "coco") != wc.weights_label("accurate", "coco")
    assert wc.weights_label("fast", "imagenet") == "ImageNet (backbone only)"


def test_the_choice_and_the_offline_answer_are_kept_in_the_project_file(tmp_path):
    project = make_project(tmp_path / "p", n=2, unlabelled=0)
    assert wc.remembered(project) is None and wc.offline_answer(project) is None
    assert wc.remember(project, "imagenet") and not wc.remember(project, "imagenet")  # changed once
    save_project(project, project.path)
    again = load_project(project.path).project
    assert wc.remembered(again) == "imagenet"
    wc.remember_offline_answer(again, "none", "none")
    save_project(again, again.path)
    third = load_project(again.path).project
    assert wc.remembered(third) == "none" and wc.offline_answer(third) == "none"


def test_a_download_failure_is_told_apart_from_other_failures():
    offline = (
        "Could not get the pretrained weights maskrcnn.pth (URLError: <urlopen error [Errno -3]>). "
        "Download it on a machine with internet"
    )
    assert wc.is_download_failure(offline)
    assert not wc.is_download_failure("The GPU ran out of memory") and not wc.is_download_failure(None)
