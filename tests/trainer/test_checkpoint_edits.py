"""Checkpoints edited by hand or damaged (issue 23, items 9 and 10): `polymask predict` says
in one line which file and what is wrong, exits 1, and allocates nothing the file does not
hold (a declared shape or an edited architecture never reaches the allocator)."""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from PIL import Image

from annotator.cli import main
from tests.tiny_training import TINY
from trainer.config import TrainConfig
from trainer.model.registry import resolve_arch

from .conftest import untrained_checkpoint

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ckpt")
    Image.new("RGB", (80, 60), (10, 20, 30)).save(folder / "a.png")
    path = untrained_checkpoint(folder / "ok.pth", resolve_arch(TrainConfig(**TINY)), [1, 2])
    return folder, torch.load(path, weights_only=True)


def _nan_everywhere(c):
    c["model"] = {k: torch.full_like(v, float("nan")) if v.is_floating_point() else v for k, v in c["model"].items()}


def _one_infinite(c):
    name = "roi_heads.mask_predictor.mask_fcn_logits.weight"
    c["model"][name] = c["model"][name].clone()
    c["model"][name].view(-1)[0] = float("inf")


ABSURD_RATIOS = [[1.0] * 200_000] * 3  # an RPN head of about 5 GB


EDITS = {
    "an extra weight": (
        lambda c: c["model"].__setitem__("roi_heads.extra.weight", torch.zeros(3)),
        "roi_heads.extra.weight",
    ),
    "a missing weight": (lambda c: c["model"].pop("roi_heads.box_predictor.cls_score.weight"), "cls_score.weight"),
    "a shape of 10**12 values over one stored value": (
        lambda c: c["model"].__setitem__("roi_heads.box_predictor.cls_score.bias", torch.zeros(1).expand(10**12)),
        "1,000,000,000,000",
    ),
    "an architecture without min_size": (lambda c: c["arch"].pop("min_size"), "min_size"),
    "class names that do not fit the weights": (
        lambda c: c.update(class_names=["a", "b", "c", "d"]),
        "cls_score",
    ),
    "NaN in every weight": (_nan_everywhere, "not finite"),
    "one infinite weight": (_one_infinite, "mask_fcn_logits.weight"),
}


@pytest.mark.parametrize("name", list(EDITS))
def test_an_edited_checkpoint_is_refused_in_one_line(name, base, tmp_path, capsys):
    folder, ckpt = base
    edit, said = EDITS[name]
    changed = {**ckpt, "model": dict(ckpt["model"]), "arch": dict(ckpt["arch"])}  # edits replace, never change
    edit(changed)
    path = tmp_path / "edited.pth"
    torch.save(changed, path)
    out = tmp_path / "out.json"
    # --score: no threshold note on stderr, so the refusal is the only line
    argv = ["predict", "--checkpoint", str(path), str(folder / "a.png"), "--out", str(out), "--device", "cpu"]
    code = main([*argv, "--score", "0.5"])
    err = capsys.readouterr().err
    assert code == 1, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert str(path) in lines[0] and said in lines[0], lines[0]
    assert not out.exists()


def test_an_absurd_architecture_allocates_nothing_beyond_the_file(base, tmp_path):
    folder, ckpt = base
    changed = {**ckpt, "arch": {**ckpt["arch"], "aspect_ratios": ABSURD_RATIOS}}
    path = tmp_path / "absurd.pth"
    torch.save(changed, path)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    code = (
        "import sys; from annotator.cli import main;"
        f"sys.exit(main(['predict', '--checkpoint', {str(path)!r}, {str(folder / 'a.png')!r}, '--device', 'cpu', '--score', '0.5']))"
    )
    r = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300)
    peak_mb = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before) / 1024
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    (line,) = r.stderr.strip().splitlines()
    assert str(path) in line and "rpn" in line, line
    assert peak_mb < 2000, f"{peak_mb:.0f} MB for a {path.stat().st_size / 1e6:.0f} MB checkpoint"
