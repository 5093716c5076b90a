"""Issue 20 item 5: a Train panel you can read. At 1280x800 the curves get 300 px of plot, their
legends sit beside the plots with a toggle per loss term, the dock can be undocked and maximised,
and the time left comes from measured step times. Item 4: each weights choice says what it gives."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QRect

from annotator import io as pio
from annotator.model import RunRecord
from annotator.ui.training.progress import ProgressPanel
from annotator.ui.training.train_panel import TrainPanel
from tests.ui.training_fixtures import make_project
from trainer.events import EpochEnd, Started, Step
from trainer.run import files as run_files


@pytest.fixture
def project_with_a_run(tmp_path):
    project = make_project(tmp_path / "proj", n=4, unlabelled=0)
    folder = project.path.parent / "runs" / "20261204-141003-fast"
    folder.mkdir(parents=True)
    lines = [{"kind": "started", "iters_per_epoch": 3, "epochs": 2}]
    for g in range(1, 7):
        losses = {"loss_classifier": 1.0 / g, "loss_mask": 2.0 / g}
        lines.append({"kind": "step", "epoch": 1 + (g > 3), "iteration": 1 + (g - 1) % 3, "global_step": g,
                      "losses": losses, "total": 3.0 / g})  # fmt: skip
    lines.append({"kind": "epoch", "epoch": 1, "metrics": {"segm_AP": 0.2}, "val_losses": {"total": 1.0}})
    (folder / run_files.METRICS).write_text("".join(json.dumps(d) + "\n" for d in lines))
    (folder / run_files.CONFIG).write_text(json.dumps({"model": "fast", "weights": "none", "epochs": 2}))
    project.polymask.runs = [RunRecord(dir=f"runs/{folder.name}", model="fast", status="stopped")]
    pio.save_project(project, project.path)
    return project.path


def test_the_curves_get_300_px_at_1280x800_with_their_legends_beside_them(make_window, project_with_a_run, qtbot):
    from annotator.ui.recent import settings

    settings().remove("window")  # a first launch: no dock layout left by an earlier window
    w = make_window(project_with_a_run, size=(1280, 800))
    views = w.training.views
    plots = w.training.plots
    assert views.curves_dock.isVisible() and plots is not None
    qtbot.waitUntil(lambda: plots.loss_plot.getViewBox().sceneBoundingRect().height() >= 300)
    assert plots.map_plot.getViewBox().sceneBoundingRect().height() >= 300
    plot_area = QRect(plots.loss_plot.mapTo(plots, plots.loss_plot.rect().topLeft()), plots.loss_plot.size())
    for box in (*plots.term_boxes.values(), plots.val_box):
        legend = QRect(box.mapTo(plots, box.rect().topLeft()), box.size())
        assert box.isVisible() and not legend.intersects(plot_area)  # beside the plot, not over it
    # each loss term is toggled on its own
    assert plots.point_count() == 6 and "loss_mask" in plots.visible_terms()
    plots.term_boxes["loss_mask"].click()
    assert "loss_mask" not in plots.visible_terms() and "loss_classifier" in plots.visible_terms()
    plots.term_boxes["total"].click()
    assert "total" not in plots.visible_terms()
    # undocked and as large as the window, then docked again
    views.maximise_button.click()
    assert views.curves_dock.isFloating() and views.curves_dock.height() >= w.height() - 1
    views.maximise_button.click()
    assert not views.curves_dock.isFloating() and views.maximise_button.text() == "Maximise"


def started(epochs=2, iters=5) -> Started:
    return Started("runs/x", "cpu", "fast", 10, 2, ["a"], iters, epochs)


def step(epoch: int, iteration: int, iters=5) -> Step:
    return Step(epoch, iteration, (epoch - 1) * iters + iteration, iters, {}, 1.0, 0.01, 2.0, 0.0)


def test_the_time_left_is_measured_from_the_steps_and_shown_with_the_end_time(qtbot):
    panel = ProgressPanel()
    qtbot.addWidget(panel)
    panel.started(started())
    panel.step(step(1, 1), now=100.0)  # its warm-up is not a step time
    panel.step(step(1, 2), now=102.0)
    panel.step(step(1, 3), now=104.0)
    assert panel.eta is None and "measuring speed" in panel.bar.format()
    panel.step(step(1, 4), now=106.0)  # three step times measured: 2 s each
    assert panel.eta == pytest.approx(6 * 2.0)  # 6 of 10 steps left
    assert "2.00 s/step" in panel.bar.format() and "0:12 left + validation" in panel.bar.format()
    assert "ends ≈" in panel.bar.format()
    panel.step(step(1, 5), now=112.0)  # a slow step does not swing the median
    assert panel.clock.step_seconds() == pytest.approx(2.0)
    panel.epoch_end(EpochEnd(1, {}, {}, 20.0), now=122.0)  # validation took 10 s
    panel.step(step(2, 1), now=124.0)  # across validation: not a step time
    assert panel.clock.step_times == [2.0, 2.0, 2.0, 6.0]
    assert panel.eta == pytest.approx(4 * 2.0 + 1 * 10.0)  # 4 steps and one validation left
    assert "+ validation" not in panel.bar.format() and "0:18 left" in panel.bar.format()


def test_each_weights_choice_says_what_it_gives_for_the_chosen_model(qtbot):
    panel = TrainPanel()
    qtbot.addWidget(panel)
    panel.set_values(model="fast", weights="coco")
    coco = panel.weights.findData("coco")
    assert panel.weights.itemText(coco) == "COCO box detector + new mask head"
    assert panel.weights_hint.text().startswith("Box detector pretrained on COCO, mask head from scratch")
    panel.set_values(weights="imagenet")
    assert panel.weights_hint.text().startswith("Backbone only")
    panel.set_values(model="accurate", weights="coco")
    assert panel.weights.itemText(coco) == "COCO Mask R-CNN" and "mask head from scratch" not in (
        panel.weights_hint.text()
    )
    assert "guess" not in panel.hint.text() and "measured" in panel.hint.text()
    panel.set_measured("accurate", 0.5)
    assert "0.50 images/s" in panel.hint.text()


def test_the_weights_chosen_are_kept_in_the_project_and_come_back(make_window, project_with_a_run, qtbot):
    w = make_window(project_with_a_run)
    panel = w.training.panel
    assert panel.values()["weights"] == "coco"
    panel.weights.setCurrentIndex(panel.weights.findData("imagenet"))
    panel.weights.activated.emit(panel.weights.currentIndex())  # as a person's choice in the list
    qtbot.waitUntil(lambda: not w.isWindowModified())
    assert pio.open_path(project_with_a_run).project.polymask.train_settings["weights"] == "imagenet"
    w.close()
    again = make_window(project_with_a_run)
    assert again.training.panel.values()["weights"] == "imagenet"


def test_curves_left_small_by_an_earlier_session_grow_to_300_px_when_shown(make_window, project_with_a_run, qtbot):
    """A layout restored from an earlier session may hold the curves small: showing them
    grows them to a readable height too, not only on a first launch."""
    from PySide6.QtCore import Qt

    from annotator.ui.recent import settings

    w = make_window(project_with_a_run, size=(1280, 800))
    views, plots = w.training.views, w.training.plots
    qtbot.waitUntil(lambda: plots.loss_plot.getViewBox().sceneBoundingRect().height() >= 300)
    qtbot.wait(600)  # the first layout's own fitting is over
    w.resizeDocks([views.curves_dock], [150], Qt.Orientation.Vertical)
    qtbot.wait(600)
    assert plots.loss_plot.getViewBox().sceneBoundingRect().height() < 250  # as an earlier session left it
    views.show_curves()
    qtbot.waitUntil(lambda: plots.loss_plot.getViewBox().sceneBoundingRect().height() >= 300)
    settings().remove("window")  # the next window starts from a first launch's layout
