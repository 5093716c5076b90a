"""The train panel's validation choice (a random share / the images marked val / another file)
becomes the run's settings through the application layer's train_settings (annotator.app.training)."""

from __future__ import annotations

import pytest

from annotator.app.training import train_settings
from annotator.ui.training.train_panel import TrainPanel
from tests.ui.training_fixtures import make_project


@pytest.fixture
def panel(qtbot):
    p = TrainPanel()
    qtbot.addWidget(p)
    p.show()
    return p


def test_random_share_is_the_default_in_percent(panel, tmp_path):
    v = panel.values()
    assert v["validation"] == "random" and v["val_fraction"] == 0.2 and "val_coco" not in v
    panel.set_values(val_fraction=0.35)
    assert panel.values()["val_fraction"] == 0.35 and panel.val_split.isVisible()
    project = make_project(tmp_path / "p", n=4)
    project.polymask.split = {project.images[0].filename: "val"}
    settings, _ = train_settings(project, panel.values())
    assert "split" not in settings and settings["val_fraction"] == 0.35  # random: the marks are not used


def test_another_file_becomes_val_coco(panel, tmp_path):
    val = tmp_path / "val.json"
    val.write_text("{}")
    panel.set_values(validation="file", val_coco=str(val))
    assert panel.val_source.currentText() == "File: val.json" and not panel.val_split.isVisible()
    v = panel.values()
    assert v["val_coco"] == str(val) and "val_fraction" not in v
    settings, _ = train_settings(make_project(tmp_path / "p", n=4), v)
    assert settings["val_coco"] == str(val) and "validation" not in settings


def test_images_marked_val_use_the_projects_marks_or_say_there_are_none(panel, tmp_path):
    project = make_project(tmp_path / "p", n=4)
    panel.set_values(validation="marked")
    with pytest.raises(ValueError, match="No image of this project is marked val"):
        train_settings(project, panel.values())
    marks = {project.images[0].filename: "val", project.images[1].filename: "train"}
    project.polymask.split = marks
    settings, _ = train_settings(project, panel.values())
    assert settings["split"] == marks and settings["val_fraction"] == 0.0
    with pytest.raises(ValueError, match="Choose the COCO file"):
        train_settings(project, dict(panel.values(), validation="file"))
