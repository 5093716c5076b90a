"""`polymask train --project P --remote HOST`: the run goes to the host, comes back into the
project's runs/ and is recorded with the host named; a failure leaves the project as it was."""

from __future__ import annotations

import json
import sys

import pytest

from annotator.cli import main
from tests.ssh.conftest import HOST
from tests.tiny_training import TINY


def _project(tmp_path):
    from annotator.io.native import save_project
    from tests.ui.training_fixtures import make_project

    project = make_project(tmp_path / "proj")
    save_project(project)
    return project


def _argv(project, *remote):
    settings = [["--set", f"{k}={json.dumps(v)}"] for k, v in TINY.items() if k not in ("model", "weights", "epochs")]
    return ["train", "--project", str(project.path), "--weights", "none", "--epochs", "1", "--quiet", *remote] + sum(
        settings, []
    )


def _runs(path):
    from annotator.io.native import load_project

    return list(load_project(path).project.polymask.runs)


@pytest.mark.slow
def test_train_project_on_a_remote_host_records_it_with_the_host(environment, tmp_path, capsys):
    from annotator.app.training_runs import latest_checkpoint
    from annotator.io.native import load_project

    project = _project(tmp_path)
    remote = ["--remote", HOST, "--remote-python", sys.executable, "--remote-dir", str(environment.workdir)]
    assert main(_argv(project, *remote)) == 0, capsys.readouterr().err
    err = capsys.readouterr().err
    assert f"[{HOST}] {HOST}: torch " in err and f"[{HOST}] Sending 6 of 6 images" in err
    (run,) = _runs(project.path)
    assert run.status == "finished" and run.design == "cli" and run.extra["host"] == HOST
    checkpoint = latest_checkpoint(load_project(project.path).project)  # what Predict uses
    assert checkpoint is not None and checkpoint.is_file() and checkpoint.parent.parent == tmp_path / "proj" / "runs"


def test_a_remote_failure_leaves_the_project_as_it_was(ssh_env, tmp_path, capsys):
    project = _project(tmp_path)
    before = project.path.read_bytes()
    assert main(_argv(project, "--remote", "127.0.0.1:1")) == 1
    assert "error: Cannot reach 127.0.0.1:1: ssh: connect to host 127.0.0.1 port 1" in capsys.readouterr().err
    assert project.path.read_bytes() == before
    assert not (tmp_path / "proj" / "runs").exists()
