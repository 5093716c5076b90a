"""The predict panel: the score slider starts where the model's run suggests, and the outline
tolerance re-simplifies a prediction's polygons before it is accepted (issue 12, items 5 and 7)."""

from __future__ import annotations

import dataclasses
import json
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
import torch

from annotator.model import Polygon
from tests.ui.training_fixtures import make_project
from trainer.inference.predict import output_to_instances

SIZE = 600


def run_with(folder, record: dict | None):
    """A run folder with a checkpoint file and, if given, one metrics.jsonl record."""
    folder.mkdir(parents=True)
    (folder / "last.pth").write_bytes(b"")
    lines = [{"kind": "step", "total": 1.0}] + ([record] if record else [])
    (folder / "metrics.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))
    return folder / "last.pth"


def on_an_unlabelled_image(make_window, qtbot, tmp_path):
    """A window showing the demo-like project's last image, which has no regions."""
    window = make_window(size=(1280, 860))
    project = make_project(tmp_path / "proj", size=SIZE)
    window.set_project(project)
    qtbot.waitUntil(lambda: window.current_key is not None)
    key = project.images[-1].key
    window.show_image(key)
    return window, project, key


def test_score_slider_starts_at_the_run_s_suggested_threshold(make_window, tmp_path):
    ctl = make_window().training
    suggested = run_with(tmp_path / "a", {"kind": "finished", "summary": {"score_threshold": 0.27}})
    ctl.predictions.set_checkpoint(str(suggested))
    assert ctl.predict_panel.slider.value() == 27 and ctl.predictions.threshold == pytest.approx(0.27)
    assert ctl.predict_panel.slider_label.text() == "0.27"
    ctl.predictions.set_checkpoint(str(run_with(tmp_path / "b", None)))  # recorded none: the default
    assert ctl.predict_panel.slider.value() == 50 and ctl.predictions.threshold == pytest.approx(0.5)


def disc_instance(cx: float, cy: float, r: float):
    """A confident prediction of a disc, as the mask head gives it (28×28 probabilities)."""
    box = (cx - 1.1 * r, cy - 1.1 * r, cx + 1.1 * r, cy + 1.1 * r)
    centres = (torch.arange(28) + 0.5) / 28
    gx, gy = box[0] + centres * (box[2] - box[0]), box[1] + centres * (box[3] - box[1])
    dist = torch.sqrt((gx[None, :] - cx) ** 2 + (gy[:, None] - cy) ** 2)
    found = {
        "boxes": torch.tensor([box]),
        "labels": torch.tensor([2]),
        "scores": torch.tensor([0.93]),
        "mask_probs": torch.sigmoid((r - dist) / ((box[2] - box[0]) / 28))[None],
    }
    return output_to_instances(found, (SIZE, SIZE), ["square", "disc"], score_threshold=0.5)


def vertices_shown(panel) -> int:
    text = panel.instances.item(0).text()
    return int(text.split("(")[1].split()[0])


def test_outline_tolerance_is_applied_before_accepting(make_window, qtbot, tmp_path):
    window, project, key = on_an_unlabelled_image(make_window, qtbot, tmp_path)
    ctl = window.training
    panel = ctl.predict_panel
    assert panel.tolerance.value() == pytest.approx(1.0)
    ctl.predictions.set_results(key, disc_instance(300.0, 280.0, 200.0))
    fine = vertices_shown(panel)
    panel.tolerance.setValue(4.0)
    coarse = vertices_shown(panel)
    assert 3 <= coarse < fine
    ctl.accept()
    (region,) = project.images[-1].regions
    assert isinstance(region.shape, Polygon) and len(region.shape.xs) == coarse
    assert project.class_of(region) == "disc"


def test_an_empty_prediction_list_says_why(make_window, qtbot, tmp_path):
    window, _, key = on_an_unlabelled_image(make_window, qtbot, tmp_path)
    ctl = window.training
    panel = ctl.predict_panel
    assert panel.instances.count() == 0  # not predicted yet: nothing to explain
    ctl.predictions.set_results(key, disc_instance(300.0, 280.0, 200.0))  # scores 0.93
    ctl.predictions.set_threshold(0.95)
    assert panel.instances.count() == 1
    assert panel.instances.item(0).text() == "No object at or above 0.95; best score 0.93 (1 below) — lower Min score?"
    ctl.views.show_dock(ctl.views.predict_dock)
    qtbot.waitUntil(lambda: panel.instances.isVisible())
    shown = panel.instances.visualItemRect(panel.instances.item(0))
    assert shown.right() <= panel.instances.viewport().width()  # the reason wraps, not cut off on the right
    assert not panel.accept_all_button.isEnabled() and ctl.accept() == 0
    ctl.predictions.set_results(key, [])
    assert "found nothing" in panel.instances.item(0).text()
    ctl.predictions.set_threshold(0.5)
    ctl.predictions.set_results(key, disc_instance(300.0, 280.0, 200.0))
    assert panel.instances.count() == 1 and "disc  0.93" in panel.instances.item(0).text()


def test_predictions_without_an_outline_are_never_listed_and_accepted_counts_objects(make_window, qtbot, tmp_path):
    window, project, key = on_an_unlabelled_image(make_window, qtbot, tmp_path)
    ctl = window.training
    panel = ctl.predict_panel
    disc = disc_instance(300.0, 280.0, 200.0)[0]
    empty = dataclasses.replace(
        disc, crop=disc.crop & False, polygons=[], score=0.9
    )  # a mask that thresholds to nothing
    two_parts = dataclasses.replace(
        disc, score=0.8, polygons=[[10, 10, 40, 10, 40, 40], [100, 100, 140, 100, 140, 140]]
    )
    two_parts.tolerance = panel.tolerance.value()  # its polygons stand as given (no re-outlining of the mask)
    ctl.predictions.set_results(key, [disc, empty, two_parts])
    rows = panel.listed()
    assert len(rows) == 2 and not any("(0 vertices)" in r for r in rows)
    assert "2 parts" in rows[1]
    assert panel.instances.item(panel.instances.count() - 1).text() == "Not listed: 1 without an outline."
    assert ctl.accept() == 2 == len(project.image(key).regions)
    assert panel.status.text() == f"Added 2 objects to {project.image(key).filename} (Ctrl+Z undoes)."
    assert window.statusBar().currentMessage() == panel.status.text()
    window.doc.undo()
    assert project.image(key).regions == []
    # only the outline-less one is left: the list says why it is empty, Accept has nothing to add
    assert panel.instances.count() == 1
    assert panel.instances.item(0).text().startswith("1 at or above 0.50 with an empty mask")
    assert ctl.accept() == 0 and panel.status.text().startswith("No predictions to accept")


def test_the_models_name_keeps_its_wrapped_lines_in_a_short_dock(qtbot):
    from annotator.ui.training.predict_panel import PredictPanel

    panel = PredictPanel()
    qtbot.addWidget(panel)
    panel.show_model("Model (best run): run 2026-12-07 04:11 · last.pth · no validation figures yet, a long name")
    panel.resize(290, 300)  # as tall as the panel can be made: its lists at their minimum
    panel.show()
    qtbot.waitExposed(panel)
    label = panel.model_label
    assert label.height() >= label.heightForWidth(label.width()), "the name's lines are cut"


def test_the_pre_label_dock_is_titled_as_the_readme_names_it_and_keeps_an_older_layout(make_window, qtbot):
    """The dock was titled "Predictions"; a layout saved then names its object "training-Predictions",
    and restoring that layout under the new title still shows the dock."""
    from annotator.ui.recent import settings

    w = make_window()
    dock = w.training.views.predict_dock
    assert dock.windowTitle() == "Pre-label" and dock.objectName() == "training-Predictions"
    w.training.views.show_dock(dock)
    qtbot.waitUntil(dock.isVisible)
    w.close()  # saves the layout, as a person closing the window does
    again = make_window()
    qtbot.waitUntil(again.training.views.predict_dock.isVisible)
    settings().remove("window")
