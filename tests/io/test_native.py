import json
import os

import pytest
from PIL import Image

from annotator.io import FormatError, load_project, open_path, project_from_folder, save_project
from annotator.io.native import POLYMASK_KEY
from annotator.io.via import read_via

from .via_fixtures import tutorial_project


def test_native_file_is_a_via_project_with_our_key(tmp_path):
    project = read_via(tutorial_project()).project
    project.images[0].width, project.images[0].height = 640, 480
    project.images[0].done = True
    project.class_colours()["gun"] = "#ff0000"
    path = save_project(project, tmp_path / "polymask.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert {k for k in data if k != POLYMASK_KEY} == set(tutorial_project())
    ours = data[POLYMASK_KEY]
    assert ours["class_attribute"] == "name" and ours["app_version"]
    # without our key it is exactly the VIA project we read: VIA itself can open it
    del data[POLYMASK_KEY]
    assert data == tutorial_project()


def test_save_and_load_keep_everything(tmp_path):
    project = read_via(tutorial_project()).project
    project.class_attribute = "colour"
    project.images[1].width, project.images[1].height = 100, 90
    project.images[1].done = True
    project.polymask["split"] = {"gun1.jpg": "val"}
    project.images[0].regions[0].extra["coco_id"] = 7
    path = save_project(project, tmp_path / "p.json")
    again = load_project(path).project
    assert again.class_attribute == "colour"
    assert (again.images[1].width, again.images[1].height, again.images[1].done) == (100, 90, True)
    assert again.polymask["split"] == {"gun1.jpg": "val"}
    assert again.images[0].regions[0].extra == {"coco_id": 7}
    assert [(r.shape, r.attributes) for im in again.images for r in im.regions] == \
           [(r.shape, r.attributes) for im in project.images for r in im.regions]
    assert again.extra == {"my_tool_extension": {"keep": [1, 2, 3]}}


def test_save_is_atomic_and_keeps_one_backup(tmp_path, monkeypatch):
    project = read_via(tutorial_project()).project
    path = save_project(project, tmp_path / "p.json")
    first = path.read_bytes()
    project.images[0].regions.clear()
    save_project(project)
    assert (tmp_path / "p.json.bak").read_bytes() == first
    second = path.read_bytes()

    # a crash while writing leaves the previous file whole and no temp file behind
    def boom(*args):
        raise OSError("disk full")
    monkeypatch.setattr(os, "replace", boom)
    project.images.clear()
    with pytest.raises(OSError):
        save_project(project)
    assert path.read_bytes() == second
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.json", "p.json.bak"]


def test_folder_of_images_becomes_a_project(tmp_path):
    (tmp_path / "sub").mkdir()
    for name in ("b.png", "a.jpg", "sub/c.png", "notes.txt"):
        if name.endswith("txt"):
            (tmp_path / name).write_text("x")
        else:
            Image.new("RGB", (30, 20)).save(tmp_path / name)
    result = open_path(tmp_path)
    assert [im.filename for im in result.project.images] == ["a.jpg", "b.png", "sub/c.png"]
    assert result.project.path == tmp_path / "polymask.json"
    save_project(result.project)
    # images added later are picked up when the folder opens again
    Image.new("RGB", (5, 5)).save(tmp_path / "d.png")
    again = open_path(tmp_path).project
    assert [im.filename for im in again.images] == ["a.jpg", "b.png", "sub/c.png", "d.png"]


def test_empty_folder_is_a_clear_error(tmp_path):
    with pytest.raises(FormatError, match="holds no images"):
        open_path(tmp_path)


def test_images_elsewhere_keep_a_relative_root(tmp_path):
    (tmp_path / "imgs").mkdir()
    Image.new("RGB", (4, 4)).save(tmp_path / "imgs" / "x.png")
    project = project_from_folder(tmp_path / "imgs")
    path = save_project(project, tmp_path / "work" / "proj.json")
    again = load_project(path).project
    assert again.image_root.resolve() == (tmp_path / "imgs").resolve()
    assert again.image_path(again.images[0]).exists()


def test_exif_rotated_size(tmp_path):
    from annotator.io.images import displayed_size

    im = Image.new("RGB", (40, 10))
    exif = im.getexif()
    exif[0x0112] = 6  # rotate 90: displayed 10 x 40
    im.save(tmp_path / "r.jpg", exif=exif)
    assert displayed_size(tmp_path / "r.jpg") == (10, 40)


def test_other_formats_extras_stay_in_our_file_but_not_in_via_exports(tmp_path):
    from annotator.io import export
    from annotator.model import ImageRecord, Polygon, Project, Region

    region = Region(Polygon.from_points([(0, 0), (4, 0), (4, 4)]), {},
                    extra={"coco_annotation": {"id": 5}, "labelme": {"flags": {}}, "my_via_key": 1})
    project = Project(images=[ImageRecord("a.jpg", 3, regions=[region], extra={"coco_image": {"id": 0}})])
    again = load_project(save_project(project, tmp_path / "p.json")).project
    assert again.images[0].regions[0].extra == region.extra
    assert again.images[0].extra == {"coco_image": {"id": 0}}
    export(project, tmp_path / "via.json", "via")
    exported = json.loads((tmp_path / "via.json").read_text(encoding="utf-8"))["a.jpg3"]
    assert "coco_image" not in exported
    assert exported["regions"][0]["my_via_key"] == 1  # VIA's own unknown keys survive
    assert "coco_annotation" not in exported["regions"][0] and "labelme" not in exported["regions"][0]
