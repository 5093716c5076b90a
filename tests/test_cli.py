import json
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from annotator.cli import main

from .io.via_fixtures import tutorial_project, via1_balloon

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def balloon(tmp_path):
    """The VIA 1.x fixture with real images beside it."""
    for name in ("24631331976_defa3bb61f_k.jpg", "16335852991_f55de7958d_k.jpg"):
        Image.new("RGB", (1024, 768), (90, 120, 200)).save(tmp_path / name)
    path = tmp_path / "via_region_data.json"
    path.write_text(json.dumps(via1_balloon()), encoding="utf-8")
    return path


def test_help_lists_the_commands():
    out = subprocess.run([sys.executable, str(ROOT / "main.py"), "--help"], capture_output=True, text=True, check=True)
    for command in ("convert", "validate", "demo"):
        assert command in out.stdout


def test_convert_via1_to_via_project(balloon, tmp_path, capsys):
    out = tmp_path / "project.json"
    assert main(["convert", str(balloon), str(out), "--to", "via-project"]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert set(data) >= {"_via_settings", "_via_img_metadata", "_via_attributes", "_via_image_id_list"}
    assert "2 images, 2 regions, 1 classes" in capsys.readouterr().out


def test_convert_to_coco_reads_sizes_from_images(balloon, tmp_path):
    out = tmp_path / "coco.json"
    assert main(["convert", str(balloon), str(out), "--to", "coco"]) == 0
    coco = json.loads(out.read_text(encoding="utf-8"))
    assert {(im["width"], im["height"]) for im in coco["images"]} == {(1024, 768)}
    assert len(coco["annotations"]) == 2
    assert [c["name"] for c in coco["categories"]] == ["object"]


def test_convert_to_coco_without_images_says_what_to_do(tmp_path, capsys):
    src = tmp_path / "p.json"
    src.write_text(json.dumps(via1_balloon()), encoding="utf-8")
    assert main(["convert", str(src), str(tmp_path / "c.json"), "--to", "coco"]) == 2
    err = capsys.readouterr().err
    assert "image file not found" in err and "--images" in err
    assert not (tmp_path / "c.json").exists()


def test_convert_refuses_to_overwrite_input(balloon, capsys):
    before = balloon.read_bytes()
    assert main(["convert", str(balloon), str(balloon), "--to", "via"]) == 2
    assert "refusing to overwrite" in capsys.readouterr().err
    assert balloon.read_bytes() == before


def test_convert_bad_json_exits_non_zero(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("{nope", encoding="utf-8")
    assert main(["convert", str(bad), str(tmp_path / "o.json"), "--to", "via"]) == 2
    err = capsys.readouterr().err
    assert "bad.json: is not valid JSON" in err and "Traceback" not in err


def test_validate_clean_file_exits_zero(balloon, capsys):
    assert main(["validate", str(balloon)]) == 0
    assert "no problems" in capsys.readouterr().out


def test_validate_lists_every_kind_of_problem(tmp_path, capsys):
    data = tutorial_project()
    meta = data["_via_img_metadata"]
    meta["sword2.jpg999"]["regions"].append({"shape_attributes": {
        "name": "polygon", "all_points_x": [0, 10, 10, 0], "all_points_y": [0, 10, 0, 10]},
        "region_attributes": {"name": {"gun": True}}})
    meta["dup.jpg1"] = {"filename": "gun1.jpg", "size": 1, "regions": [], "file_attributes": {}}
    data["_via_image_id_list"].append("dup.jpg1")
    Image.new("RGB", (80, 80)).save(tmp_path / "sword2.jpg")
    Image.new("RGB", (200, 200)).save(tmp_path / "gun1.jpg")
    path = tmp_path / "p.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert "image 'sword2.jpg', region 0: the class is ambiguous (several classes checked: sword, gun)" in out
    assert "region 1: the class is ambiguous (no class checked)" in out
    assert "region 4: the polygon intersects itself" in out
    assert "region 2: the ellipse extends outside the 80x80 image" in out
    assert "image 'gun1.jpg': the image is listed more than once" in out


def test_validate_missing_and_truncated_images(tmp_path, capsys):
    data = json.loads(json.dumps(tutorial_project()))
    Image.new("RGB", (300, 300)).save(tmp_path / "full.jpg", quality=95)
    raw = (tmp_path / "full.jpg").read_bytes()
    (tmp_path / "gun1.jpg").write_bytes(raw[: len(raw) // 2])  # truncated
    path = tmp_path / "p.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert "image 'sword2.jpg': image file not found" in out
    assert "image 'gun1.jpg': cannot be decoded" in out


def test_validate_unreadable_file_exits_two(tmp_path, capsys):
    path = tmp_path / "x.json"
    path.write_text('"just a string"', encoding="utf-8")
    assert main(["validate", str(path)]) == 2
    assert "x.json: is not a VIA, COCO or labelme file" in capsys.readouterr().err


def test_demo_writes_a_valid_project(tmp_path, capsys):
    assert main(["demo", str(tmp_path / "demo")]) == 0
    capsys.readouterr()
    assert main(["validate", str(tmp_path / "demo" / "polymask.json")]) == 0
    project = json.loads((tmp_path / "demo" / "polymask.json").read_text(encoding="utf-8"))
    assert len(project["_via_img_metadata"]) == 44


def test_demo_is_deterministic(tmp_path):
    from annotator.demo import write_demo

    a = write_demo(tmp_path / "a").read_text(encoding="utf-8")
    b = write_demo(tmp_path / "b").read_text(encoding="utf-8")
    assert a == b
    assert (tmp_path / "a/images/demo_005.jpg").read_bytes() == (tmp_path / "b/images/demo_005.jpg").read_bytes()


def test_opening_a_missing_path_is_an_error(tmp_path, capsys):
    assert main([str(tmp_path / "nothing-here")]) == 2
    assert "does not exist" in capsys.readouterr().err
