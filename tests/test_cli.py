import json
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from annotator.cli import main
from annotator.io.native import save_project
from annotator.model import ImageRecord, MultiPolygon, Polygon, Project, Region

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
    out = capsys.readouterr().out
    assert "no problems" in out
    # Two images, two balloons: said as a note for training, not counted as a problem.
    assert f"{balloon}: note: Class(es) 'object' (2) have fewer than 5 objects" in out


def test_validate_lists_every_kind_of_problem(tmp_path, capsys):
    data = tutorial_project()
    meta = data["_via_img_metadata"]
    meta["sword2.jpg999"]["regions"].append(
        {
            "shape_attributes": {"name": "polygon", "all_points_x": [0, 10, 10, 0], "all_points_y": [0, 10, 0, 10]},
            "region_attributes": {"name": {"gun": True}},
        }
    )
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


# ---- images found as the window finds them; problems keep the exit status non-zero ------------
def test_convert_finds_the_tutorial_images_without_images_option(tmp_path, capsys):
    from .real_photos import write_tutorial_layout

    photos = write_tutorial_layout(tmp_path, "weapons", sizes=((2048, 1536),), orientations=(1, 6), n=2)
    out = tmp_path / "w.json"
    assert main(["convert", str(photos.json_path), str(out), "--to", "coco"]) == 0, capsys.readouterr().err
    coco = json.loads(out.read_text(encoding="utf-8"))
    assert {im["file_name"]: (im["width"], im["height"]) for im in coco["images"]} == {
        p.filename: (p.width, p.height) for p in photos.photos
    }  # displayed sizes, EXIF applied
    assert len(coco["annotations"]) == 3


def test_validate_finds_balloon_images_in_train(tmp_path, capsys):
    from .real_photos import write_tutorial_layout

    photos = write_tutorial_layout(tmp_path, "balloon", sizes=((96, 72),), n=3)
    assert main(["validate", str(photos.json_path)]) == 0, capsys.readouterr().out
    assert "no problems" in capsys.readouterr().out


def test_train_project_gives_the_trainer_the_located_image_folder(tmp_path, monkeypatch):
    from trainer.commands import train as trainer_cli

    from .real_photos import write_tutorial_layout

    photos = write_tutorial_layout(tmp_path, "weapons", sizes=((96, 72),), n=2)
    seen = {}
    monkeypatch.setattr(trainer_cli, "run_config", lambda config, **_: seen.update(config=config) or 0)
    assert main(["train", "--project", str(photos.json_path), "--epochs", "1"]) == 0
    assert seen["config"].images == str(photos.image_dir)
    assert {(im["width"], im["height"]) for im in seen["config"].coco["images"]} == {(96, 72)}


def test_train_project_puts_the_run_where_the_window_does(tmp_path, monkeypatch):
    from annotator.io.native import save_project
    from trainer.commands import train as trainer_cli

    from .ui.training_fixtures import make_project

    project = make_project(tmp_path / "proj")
    project.polymask.split = {project.images[0].filename: "val"}
    save_project(project)
    seen = {}
    monkeypatch.setattr(trainer_cli, "run_config", lambda config, **_: seen.update(config=config) or 0)
    assert main(["train", "--project", str(project.path), "--model", "accurate"]) == 0
    out = Path(seen["config"].out)
    assert out.parent == tmp_path / "proj" / "runs" and out.name.endswith("-accurate")  # as the window names it
    assert seen["config"].images == str(tmp_path / "proj")
    assert seen["config"].split == {project.images[0].filename: "val"}
    assert main(["train", "--project", str(project.path), "--weights", "last"]) == 2  # no run to continue yet


def test_train_project_records_the_run_so_the_window_finds_its_model(tmp_path, capsys):
    from annotator.app.training_runs import latest_checkpoint
    from annotator.io.native import load_project, save_project

    from .tiny_training import TINY
    from .ui.training_fixtures import make_project

    project = make_project(tmp_path / "proj")
    save_project(project)
    settings = [["--set", f"{k}={json.dumps(v)}"] for k, v in TINY.items() if k not in ("model", "weights", "epochs")]
    argv = ["train", "--project", str(project.path), "--weights", "none", "--epochs", "1", "--quiet"]
    assert main(argv + sum(settings, [])) == 0, capsys.readouterr().err
    assert f"run recorded in {project.path}" in capsys.readouterr().out
    reopened = load_project(project.path).project
    (run,) = reopened.polymask.runs
    assert run.status == "finished" and run.design == "cli" and run.epochs_done == 1
    checkpoint = latest_checkpoint(reopened)  # the newest run's checkpoint on disk
    assert checkpoint is not None and checkpoint.parent.parent == tmp_path / "proj" / "runs"

    def labels(p):
        return [[(r.shape, r.attributes) for r in im.regions] for im in p.images]

    assert labels(reopened) == labels(project)  # the labels are saved as they were


def test_train_project_on_an_annotation_file_uses_the_project_the_window_made_of_it(tmp_path, monkeypatch):
    from annotator.app.project_location import open_for_editing
    from annotator.io.native import save_project
    from trainer.commands import train as trainer_cli

    from .real_photos import write_tutorial_layout

    photos = write_tutorial_layout(tmp_path, "weapons", sizes=((96, 72),), n=2)
    opened = open_for_editing(photos.json_path)  # as the window opens it: NAME.polymask.json
    edited = opened.project
    edited.images[0].regions = []  # an edit made in the window, not in the VIA file
    save_project(edited)
    seen = {}
    monkeypatch.setattr(trainer_cli, "run_config", lambda config, **_: seen.update(config=config) or 0)
    assert main(["train", "--project", str(photos.json_path), "--epochs", "1"]) == 0
    trained = {Path(im["file_name"]).name for im in seen["config"].coco["images"]}
    assert trained == {im.filename for im in edited.images[1:]}  # the image emptied in the window is not trained on


def test_convert_names_the_unreadable_image_and_writes_the_rest(tmp_path, capsys):
    from .real_photos import write_tutorial_layout

    photos = write_tutorial_layout(tmp_path, "weapons", sizes=((96, 72),), n=3)
    (photos.image_dir / "photo_001.jpg").write_bytes(b"not a jpeg at all")
    out = tmp_path / "w.json"
    code = main(["convert", str(photos.json_path), str(out), "--to", "coco", "--images", str(photos.image_dir)])
    err = capsys.readouterr()
    assert code == 1
    assert "photo_001.jpg" in err.err and "not an image Pillow can read" in err.err
    assert "--images" not in err.err
    assert "with 1 problem listed above" in err.out
    assert [im["file_name"] for im in json.loads(out.read_text())["images"]] == ["photo_000.jpg", "photo_002.jpg"]


def test_convert_with_a_wrong_images_folder_says_so(tmp_path, capsys):
    from .real_photos import write_tutorial_layout

    photos = write_tutorial_layout(tmp_path, "weapons", sizes=((96, 72),), n=2)
    (tmp_path / "empty").mkdir()
    out = tmp_path / "w.json"
    assert main(["convert", str(photos.json_path), str(out), "--to", "coco", "--images", str(tmp_path / "empty")]) == 2
    err = capsys.readouterr().err
    assert "2 images were not found" in err and "check the folder given with --images" in err
    assert not out.exists()


def test_convert_skipping_annotations_exits_one(tmp_path, capsys):
    Image.new("RGB", (64, 48)).save(tmp_path / "a.jpg")
    coco = {
        "images": [{"id": 1, "file_name": "a.jpg", "width": 64, "height": 48}],
        "categories": [{"id": 1, "name": "cat"}],
        "annotations": [
            {
                "id": 1,
                "image_id": 1,
                "category_id": 1,
                "segmentation": [[1, 1, 20, 1, 20, 20]],
                "bbox": [1, 1, 19, 19],
                "area": 180,
                "iscrowd": 0,
            },
            {"id": 2, "image_id": 1, "category_id": 1, "segmentation": "nonsense", "iscrowd": 0},
            {"id": 3, "image_id": 99, "category_id": 1, "segmentation": [[1, 1, 5, 1, 5, 5]], "iscrowd": 0},
        ],
    }
    src = tmp_path / "c.json"
    src.write_text(json.dumps(coco), encoding="utf-8")
    out = tmp_path / "v.json"
    assert main(["convert", str(src), str(out), "--to", "via"]) == 1
    captured = capsys.readouterr()
    assert "with 2 problems listed above" in captured.out
    assert out.exists() and sum(len(v["regions"]) for v in json.loads(out.read_text()).values()) == 1


def test_validate_names_the_faulty_ring_of_an_object_in_parts(tmp_path, capsys):
    square = Polygon.from_points([(0, 0), (40, 0), (40, 40), (0, 40)])
    bow_tie = Polygon.from_points([(10, 10), (20, 20), (20, 10), (10, 20)])
    project = Project()
    image = ImageRecord("a.png", width=80, height=60)
    image.regions.append(Region(MultiPolygon(((square, (bow_tie,)), (square.translated(50, 0), ()))), {}))
    project.images.append(image)
    project.ensure_class_attribute(None)
    project.images[0].regions[0].attributes[project.class_attribute] = "thing"
    Image.new("RGB", (80, 60)).save(tmp_path / "a.png")
    save_project(project, tmp_path / "p.polymask.json")
    assert main(["validate", str(tmp_path / "p.polymask.json")]) == 1
    out = capsys.readouterr().out
    assert "region 0: part 1, hole 1 intersects itself" in out
    assert "region 0: the multipolygon extends outside the 80x60 image" in out
