"""The Train panel's "Where to train", driven as a person would: a run on the host streams its
curves into the window and Predict uses the model copied back; a host that cannot be reached is
one dialog and leaves the project as it was."""

from __future__ import annotations

import sys

import pytest
from PySide6.QtWidgets import QMessageBox

from tests.ssh.conftest import HOST
from tests.ssh.test_where_to_train import choose
from tests.tiny_training import TINY
from tests.ui.test_training import open_project, wait_run, window  # noqa: F401 - the window fixture


def test_an_unreachable_host_is_one_dialog_and_the_project_is_left_as_it_was(window, qtbot, tmp_path, ssh_env):  # noqa: F811
    ctl = window.training
    project = open_project(window, qtbot, tmp_path)
    ctl.panel.set_values(**TINY)
    ctl.show_train_panel()
    choose(ctl.panel.where, qtbot, "127.0.0.1:1")
    assert ctl.train()
    wait_run(qtbot, ctl, 60000)
    assert ctl.terminal.kind == "failed" and ctl.terminal.reason.startswith("Cannot reach 127.0.0.1:1")
    assert window.last_error is not None and window.last_error.isVisible()
    assert window.last_error.icon() == QMessageBox.Icon.Critical
    assert project.polymask.runs == [] and not (tmp_path / "proj" / "runs").exists()
    window.last_error.close()


@pytest.mark.slow
def test_the_window_trains_on_the_host_and_predicts_with_the_model_it_sent_back(
    window,  # noqa: F811
    qtbot,
    tmp_path,
    environment,
):
    ctl = window.training
    project = open_project(window, qtbot, tmp_path)
    ctl.panel.set_values(**TINY)
    ctl.overrides = {k: v for k, v in TINY.items() if k.startswith(("rpn_", "box_batch"))}
    ctl.show_train_panel()
    choose(ctl.panel.where, qtbot, HOST, sys.executable, str(environment.workdir))
    seen = []
    ctl.event_received.connect(lambda ev: seen.append(ev.kind))
    ctl.panel.train_button.click()
    wait_run(qtbot, ctl)
    assert ctl.terminal is not None and ctl.terminal.kind == "finished", ctl.errors
    assert "step" in seen and seen[-1] == "finished"
    assert ctl.plots.point_count() == seen.count("step") > 0  # the host's steps, on this window's curves
    assert ctl.panel.where.report.text().startswith(f"{HOST}: torch ")
    (run,) = project.polymask.runs
    assert run.status == "finished" and run.design == "remote" and run.extra["host"] == HOST
    assert (tmp_path / "proj" / run.best_checkpoint).is_file()
    assert ctl.predictions.checkpoint is not None  # Predict uses the model copied back
    with qtbot.waitSignal(ctl.predictions.predicted, timeout=60000):
        assert ctl.predict_current()
    assert ctl.panel.where.place.itemText(1) == HOST  # remembered for next time
