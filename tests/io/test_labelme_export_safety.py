"""`convert --to labelme` never loses data (issue 23 items 1, 2, 9, 14): it never writes over
its input or a file Polymask did not write, same-stem images keep their own files, unusable
image names are one clear line, and VIA -> labelme / COCO round trips keep sizes, the class
attribute and honest counts."""

from __future__ import annotations

import json

import pytest
from PIL import Image

from annotator.cli import main
from annotator.io import open_path
from annotator.io.labelme_targets import MANIFEST

POLY = {"name": "polygon", "all_points_x": [1, 30, 15], "all_points_y": [1, 2, 20]}


def _image(path, size=(40, 30)):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, (90, 90, 90)).save(path)


def _via(names: list[str], shape=POLY, attrs=None) -> dict:
    return {
        f"{n}-1": {
            "filename": n,
            "size": -1,
            "regions": [
                {
                    "shape_attributes": dict(shape, all_points_x=[x + i for x in shape["all_points_x"]]),
                    "region_attributes": attrs or {},
                }
            ]
            * 1,
            "file_attributes": {},
        }
        for i, n in enumerate(names)
    }


def _write(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _files(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


# ---- item 1: never over the input or a file Polymask did not write ----------------------------
def test_converting_into_the_input_s_folder_never_replaces_the_input(tmp_path, capsys):
    _image(tmp_path / "ann.png")
    _image(tmp_path / "b.png")
    src = _write(tmp_path / "ann.json", _via(["ann.png", "b.png"]))  # an image whose stem is the input's
    before = _files(tmp_path)
    assert main(["convert", str(src), str(tmp_path), "--to", "labelme"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and str(src) in err and "input" in err and len(err.strip().splitlines()) == 1
    assert _files(tmp_path) == before  # nothing written, b.json neither


def test_files_polymask_did_not_write_are_never_replaced(tmp_path, capsys):
    _image(tmp_path / "img" / "a.png")
    src = _write(tmp_path / "via.json", _via(["a.png"]))
    out = tmp_path / "out"
    _write(out / "a.json", {"mine": "a labelme file made by hand"})
    before = _files(out)
    assert main(["convert", str(src), str(out), "--to", "labelme", "--images", str(tmp_path / "img")]) == 2
    assert "Polymask did not write" in capsys.readouterr().err and _files(out) == before


def test_polymask_s_own_files_are_replaced_unless_changed_since(tmp_path, capsys):
    _image(tmp_path / "a.png")
    src = _write(tmp_path / "via.json", _via(["a.png"]))
    out = tmp_path / "out"
    assert main(["convert", str(src), str(out), "--to", "labelme"]) == 0
    assert (out / MANIFEST).is_file()
    assert main(["convert", str(src), str(out), "--to", "labelme"]) == 0  # ours, unchanged: replaced
    edited = json.loads((out / "a.json").read_text(encoding="utf-8"))
    edited["shapes"][0]["label"] = "edited in labelme"
    _write(out / "a.json", edited)
    capsys.readouterr()
    assert main(["convert", str(src), str(out), "--to", "labelme"]) == 2
    assert "changed since" in capsys.readouterr().err
    assert json.loads((out / "a.json").read_text(encoding="utf-8"))["shapes"][0]["label"] == "edited in labelme"


def test_a_labelme_folder_is_not_converted_into_itself(tmp_path, capsys):
    _image(tmp_path / "a.png")
    src = _write(tmp_path / "via.json", _via(["a.png"]))
    assert main(["convert", str(src), str(tmp_path / "lm"), "--to", "labelme"]) == 0
    lm = tmp_path / "lm"
    (lm / MANIFEST).unlink()  # even files that were ours once: the input is never written over
    before = _files(lm)
    assert main(["convert", str(lm), str(lm), "--to", "labelme"]) == 2
    assert _files(lm) == before and "input" in capsys.readouterr().err


# ---- item 2: same-stem images ------------------------------------------------------------------
def test_same_stem_images_keep_a_labelme_file_each_mirroring_sub_folders(tmp_path, capsys):
    names = ["ok.png", "ok.jpg", "sub/ok.png"]
    for n in names:
        _image(tmp_path / "img" / n)
    src = _write(tmp_path / "via.json", _via(names))
    out = tmp_path / "out"
    assert main(["convert", str(src), str(out), "--to", "labelme", "--images", str(tmp_path / "img")]) == 0
    assert "ok.jpg -> ok.jpg.json" in capsys.readouterr().err
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.json") if p.name != MANIFEST) == [
        "ok.jpg.json",
        "ok.json",
        "sub/ok.json",
    ]
    back = open_path(out).project
    by_name = {im.filename: im.regions[0].shape.xs[0] for im in back.images if im.regions}
    # each image has its own shapes (the i-th image's polygon starts at x = 1 + i)
    assert {n.split("../")[-1]: x for n, x in by_name.items()} == {
        "img/ok.png": 1.0,
        "img/ok.jpg": 2.0,
        "img/sub/ok.png": 3.0,
    }


# ---- item 9: unusable image names are one clear line -------------------------------------------
@pytest.mark.parametrize("name", ["a\x00.png", ".", "..", "../up.png", "sub/.."])
def test_unusable_image_names_are_one_line_each_and_the_rest_is_written(tmp_path, capsys, name):
    _image(tmp_path / "good.png")
    src = _write(tmp_path / "via.json", _via(["good.png", name]))
    assert main(["convert", str(src), str(tmp_path / "out"), "--to", "labelme"]) == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    warnings = [line for line in captured.err.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "labelme file is not written" in warnings[0]
    assert sorted(p.name for p in (tmp_path / "out").glob("*.json") if p.name != MANIFEST) == ["good.json"]


# ---- item 14: round trips -----------------------------------------------------------------------
def test_via_without_sizes_gives_labelme_files_with_the_image_sizes(tmp_path):
    _image(tmp_path / "a.png", (40, 30))
    src = _write(tmp_path / "via.json", _via(["a.png"]))
    assert main(["convert", str(src), str(tmp_path / "out"), "--to", "labelme"]) == 0
    data = json.loads((tmp_path / "out" / "a.json").read_text(encoding="utf-8"))
    assert (data["imageWidth"], data["imageHeight"]) == (40, 30)


def test_a_checkbox_class_attribute_survives_via_coco_via(tmp_path):
    _image(tmp_path / "a.png")
    via = {
        "_via_settings": {},
        "_via_img_metadata": _via(["a.png"], attrs={"weapon": {"gun": True}}),
        "_via_attributes": {
            "region": {
                "weapon": {
                    "type": "checkbox",
                    "description": "what",
                    "options": {"gun": "", "sword": ""},
                    "default_options": {},
                }
            },
            "file": {},
        },
    }
    src = _write(tmp_path / "via.json", via)
    assert main(["convert", str(src), str(tmp_path / "coco.json"), "--to", "coco"]) == 0
    assert main(["convert", str(tmp_path / "coco.json"), str(tmp_path / "back.json"), "--to", "via-project"]) == 0
    back = json.loads((tmp_path / "back.json").read_text(encoding="utf-8"))
    attr = back["_via_attributes"]["region"]["weapon"]
    assert (attr["type"], attr["description"], list(attr["options"])) == ("checkbox", "what", ["gun", "sword"])
    (region,) = next(iter(back["_via_img_metadata"].values()))["regions"]
    assert region["region_attributes"] == {"weapon": {"gun": True}}


def test_a_closing_vertex_repeating_the_first_is_counted_in_the_summary(tmp_path, capsys):
    _image(tmp_path / "a.png")
    closed = {"name": "polygon", "all_points_x": [1, 30, 15, 1], "all_points_y": [1, 2, 20, 1]}
    src = _write(tmp_path / "via.json", _via(["a.png"], shape=closed))
    assert main(["convert", str(src), str(tmp_path / "coco.json"), "--to", "coco"]) == 0
    assert "1 polygon ends with a vertex repeating the first" in capsys.readouterr().err
    (ann,) = json.loads((tmp_path / "coco.json").read_text(encoding="utf-8"))["annotations"]
    assert len(ann["segmentation"][0]) == 6
