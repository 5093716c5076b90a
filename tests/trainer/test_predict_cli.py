"""`predict` and `evaluate` from the command line: many images per call with a progress line,
bad input answered before torch loads (issue 12, item 6)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image
from pycocotools import mask as mask_utils

from trainer.__main__ import main as trainer_main
from trainer.commands.predict import ProgressLine
from trainer.config import TrainConfig
from trainer.model.registry import resolve_arch

from ..tiny_training import TINY
from .conftest import untrained_checkpoint

REPO = Path(__file__).resolve().parents[2]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_line_redraws_on_a_terminal_and_is_silent_elsewhere():
    tty = Terminal()
    bar = ProgressLine(4, tty)
    bar.show(1, "a.jpg")
    bar.show(2, "b.jpg")
    shown = tty.getvalue()
    assert shown.count("\r[") == 2 and "2/4 b.jpg" in shown and "ETA" in shown and "\n" not in shown
    bar.clear()
    assert tty.getvalue().endswith(" " * 120 + "\r")
    log = io.StringIO()
    quiet = ProgressLine(4, log)
    quiet.show(1, "a.jpg")
    quiet.clear()
    assert log.getvalue() == ""


def test_missing_inputs_are_named_before_torch_loads(tmp_path):
    code = (
        "import sys\n"
        "from trainer.__main__ import main\n"
        f"rc = main(['predict', '--checkpoint', {str(tmp_path / 'none.pth')!r}, {str(tmp_path / 'x.jpg')!r}])\n"
        "print(rc, 'torch' in sys.modules)\n"
    )
    r = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert r.stdout.split() == ["1", "False"], r.stderr
    assert "none.pth" in r.stderr and "x.jpg" in r.stderr and "Traceback" not in r.stderr


def test_one_call_predicts_many_images_with_a_tolerance(tmp_path, capsys):
    arch = resolve_arch(TrainConfig(**{**TINY, "box_score_thresh": 0.0}))
    checkpoint = untrained_checkpoint(tmp_path / "model.pth", arch, [4, 7])
    images = tmp_path / "images"
    images.mkdir()
    rng = np.random.default_rng(0)
    for i in range(3):
        Image.fromarray(rng.integers(0, 255, (90, 120, 3), dtype=np.uint8)).save(images / f"p{i}.png")
    out = tmp_path / "results.json"
    args = ["predict", "--checkpoint", str(checkpoint), str(images), "--out", str(out), "--score", "0"]
    assert trainer_main([*args, "--tolerance", "2.5", "--device", "cpu"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("]")[0] for line in lines[:3]] == ["[1/3", "[2/3", "[3/3"]
    results = json.loads(out.read_text())
    assert results and {r["category_id"] for r in results} <= {4, 7}
    assert {Path(r["file_name"]).name for r in results} <= {"p0.png", "p1.png", "p2.png"}
    assert all(mask_utils.decode(r["segmentation"]).shape == (90, 120) for r in results)
    assert trainer_main([*args, "--tolerance", "-1"]) == 1
    assert "--tolerance" in capsys.readouterr().err


def test_predict_uses_the_runs_threshold_and_says_when_the_run_learned_little(tmp_path, capsys):
    arch = resolve_arch(TrainConfig(**{**TINY, "box_score_thresh": 0.0}))
    run = tmp_path / "run"
    run.mkdir()
    checkpoint = untrained_checkpoint(run / "best.pth", arch, [4, 7])
    choice = {"f1": 0.08, "precision": 0.1, "recall": 0.08, "found": 4, "objects": 50}
    summary = {"score_threshold": 0.2, "score_threshold_choice": choice}
    (run / "summary.json").write_text(json.dumps(summary))
    images = tmp_path / "images"
    images.mkdir()
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 255, (90, 120, 3), dtype=np.uint8)).save(images / "p0.png")
    out = tmp_path / "results.json"
    args = ["predict", "--checkpoint", str(checkpoint), str(images), "--out", str(out), "--device", "cpu"]
    assert trainer_main(args) == 0
    err = capsys.readouterr().err
    assert "score threshold 0.2, suggested by the run" in err
    assert "this model finds 4 of 50 validation objects (best F1 0.08); label more images or train longer" in err
    assert all(r["score"] >= 0.2 for r in json.loads(out.read_text()))
    assert trainer_main([*args, "--score", "0"]) == 0
    assert "suggested" not in capsys.readouterr().err  # --score overrides, silently
    assert json.loads(out.read_text())  # the untrained model's low scores pass a threshold of 0


def test_no_suggestion_falls_back_to_half_and_a_good_run_gets_no_warning(tmp_path, capsys):
    from trainer.commands.predict import _run_threshold
    from trainer.evaluation.suggested_threshold import poor_fit_note

    assert _run_threshold(str(tmp_path / "best.pth")) == 0.5
    assert "the run suggested none" in capsys.readouterr().err
    assert poor_fit_note({"f1": 0.6, "found": 30, "objects": 50}) is None
    assert poor_fit_note({"f1": 0.0, "found": 0, "objects": 13}).startswith("this model finds 0 of 13")
