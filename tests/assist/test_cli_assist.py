"""`polymask assist`: a box (and clicks) in, the proposal as one JSON object out; bad input is one line."""

from __future__ import annotations

import json

import cv2
import numpy as np
from PIL import Image

from annotator.cli import main


def scene(tmp_path):
    img = np.full((200, 300, 3), (60, 110, 60), np.uint8)
    img = np.clip(img + np.random.default_rng(0).normal(0, 15, img.shape), 0, 255).astype(np.uint8)
    cv2.circle(img, (150, 100), 50, (210, 50, 40), -1)
    path = tmp_path / "photo.jpg"
    Image.fromarray(img).save(path, quality=95)
    return path


def test_a_box_prints_the_polygon_as_json(tmp_path, capsys):
    path = scene(tmp_path)
    assert main(["assist", str(path), "--box", "95,45,110,110", "--backend", "grabcut", "--tolerance", "1"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["backend"] == "grabcut" and out["tolerance"] == 1.0 and len(out["segmentation"]) == 1
    x, y, w, h = out["bbox"]
    assert abs(x - 100) <= 3 and abs(y - 50) <= 3 and abs(w - 101) <= 5 and abs(h - 101) <= 5
    ring = np.array(out["segmentation"][0]).reshape(-1, 2)
    assert np.all(np.abs(np.hypot(ring[:, 0] - 150.5, ring[:, 1] - 100.5) - 50.5) <= 4)


def test_a_click_alone_works_and_the_default_chain_notes_what_it_skipped(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # no segmenter files there
    path = scene(tmp_path)
    assert main(["assist", str(path), "--point", "150,100"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["backend"] == "grabcut"
    assert "note: sam2:tiny skipped" in captured.err


def test_bad_input_is_one_clear_line(tmp_path, capsys):
    path = scene(tmp_path)
    assert main(["assist", str(path), "--box", "1,2,3"]) == 2
    assert "expected 4 comma-separated numbers" in capsys.readouterr().err
    assert main(["assist", str(path)]) == 2
    assert "give a --box or at least one --point" in capsys.readouterr().err
    assert main(["assist", str(tmp_path / "none.jpg"), "--box", "1,2,3,4"]) == 1
    err = capsys.readouterr().err
    assert "none.jpg" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert main(["assist", str(path), "--box", "1,2,3,4", "--backend", "model"]) == 1
    assert "needs a checkpoint" in capsys.readouterr().err


def test_an_image_over_the_pixel_cap_is_one_line_naming_it_and_its_size(tmp_path, capsys, monkeypatch):
    """Issue 23 item 8 in assist: the viewer's pixel cap, with the setting that raises it."""
    path = scene(tmp_path)  # 300 x 200 = 60,000 pixels
    monkeypatch.setenv("POLYMASK_MAX_PIXELS", "50000")
    assert main(["assist", str(path), "--box", "95,45,110,110", "--backend", "grabcut"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and str(path) in lines[0] and "300x200" in lines[0] and "POLYMASK_MAX_PIXELS" in lines[0]
