"""`polymask convert` from a COCO file whose images are not on disk (issue 23, item 11):
the output is complete (sizes come from the COCO file), so the missing images are one
summary line, and the exit code says whether anything was lost."""

from __future__ import annotations

import json

from annotator.cli import main
from annotator.io import open_path

from .benchmarks.many_classes_bench import make_coco


def test_missing_images_are_one_summary_line_and_exit_zero_when_nothing_is_lost(tmp_path, capsys):
    src = tmp_path / "ann.json"
    src.write_text(json.dumps(make_coco(n_classes=3, n_images=200, n_annotations=400)), encoding="utf-8")
    out = tmp_path / "project.json"
    assert main(["convert", str(src), str(out), "--to", "via-project"]) == 0
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, lines
    assert "200 images not found under" in lines[0] and str(tmp_path) in lines[0]
    assert "sizes taken from the COCO file" in lines[0]
    written = open_path(out).project
    assert len(written.images) == 200 and sum(len(im.regions) for im in written.images) == 400


def test_a_lost_region_still_exits_one_beside_the_summary(tmp_path, capsys):
    data = make_coco(n_classes=3, n_images=20, n_annotations=40)
    data["annotations"][0]["image_id"] = 999  # its image is not listed: the region is lost
    src = tmp_path / "ann.json"
    src.write_text(json.dumps(data), encoding="utf-8")
    assert main(["convert", str(src), str(tmp_path / "project.json"), "--to", "via-project"]) == 1
    err = capsys.readouterr().err
    assert "20 images not found under" in err and len(err.strip().splitlines()) == 2


def test_a_5000_character_file_name_is_one_line_not_a_traceback(tmp_path, capsys):
    # issue 23, item 9: `validate` with such a name raised OSError: File name too long.
    long_name = tmp_path / ("a" * 5000 + ".json")
    assert main(["validate", str(long_name)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "too long" in err and "Traceback" not in err
    src = tmp_path / "ann.json"
    src.write_text(json.dumps(make_coco(n_classes=1, n_images=1, n_annotations=1)), encoding="utf-8")
    assert main(["convert", str(src), str(long_name), "--to", "via-project"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "too long" in err and "Traceback" not in err
