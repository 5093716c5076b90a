import copy
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
    project.polymask.split = {"gun1.jpg": "val"}
    project.images[0].regions[0].extra["coco_id"] = 7
    path = save_project(project, tmp_path / "p.json")
    again = load_project(path).project
    assert again.class_attribute == "colour"
    assert (again.images[1].width, again.images[1].height, again.images[1].done) == (100, 90, True)
    assert again.polymask.split == {"gun1.jpg": "val"}
    assert again.images[0].regions[0].extra == {"coco_id": 7}
    assert [(r.shape, r.attributes) for im in again.images for r in im.regions] == [
        (r.shape, r.attributes) for im in project.images for r in im.regions
    ]
    assert again.extra == {"my_tool_extension": {"keep": [1, 2, 3]}}


def test_save_is_atomic_and_keeps_one_backup(tmp_path, monkeypatch):
    project = read_via(tutorial_project()).project
    project.path = tmp_path / "p.json"
    path = save_project(project)
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
    from annotator.model import OWN_KEY, ImageRecord, Polygon, Project, Region

    # Keys named like other formats' data (VIA's own coco_url) are the file's and survive;
    # only our namespaced round-trip data stays out of VIA exports.
    region = Region(
        Polygon.from_points([(0, 0), (4, 0), (4, 4)]),
        {},
        extra={
            OWN_KEY: {"coco_annotation": {"id": 5}, "labelme": {"flags": {}}},
            "my_via_key": 1,
            "coco_note": "x",
            "labelme_flag": True,
        },
    )
    project = Project(
        images=[
            ImageRecord(
                "a.jpg", 3, regions=[region], extra={OWN_KEY: {"coco_image": {"id": 0}}, "coco_url": "http://x/a.jpg"}
            )
        ]
    )
    again = load_project(save_project(project, tmp_path / "p.json")).project
    assert again.images[0].regions[0].extra == region.extra
    assert again.images[0].extra == project.images[0].extra
    export(project, tmp_path / "via.json", "via")
    exported = json.loads((tmp_path / "via.json").read_text(encoding="utf-8"))["a.jpg3"]
    assert exported["coco_url"] == "http://x/a.jpg" and OWN_KEY not in exported
    assert {k: v for k, v in exported["regions"][0].items() if k not in ("shape_attributes", "region_attributes")} == {
        "my_via_key": 1,
        "coco_note": "x",
        "labelme_flag": True,
    }


def test_project_files_from_before_namespacing_move_old_keys_under_ours(tmp_path):
    from annotator.model import own_data

    data = tutorial_project()
    entry = next(iter(data["_via_img_metadata"].values()))
    entry["coco_image"] = {"id": 4}
    entry["coco_url"] = "http://x"  # not one of the old names: stays the file's
    entry["regions"][0]["coco_annotation"] = {"id": 9}
    data[POLYMASK_KEY] = {"app_version": "0.1.0"}  # no "format": written before format 2
    (tmp_path / "polymask.json").write_text(json.dumps(data), encoding="utf-8")
    project = load_project(tmp_path / "polymask.json").project
    image = next(im for im in project.images if own_data(im))
    assert own_data(image) == {"coco_image": {"id": 4}} and image.extra["coco_url"] == "http://x"
    assert own_data(image.regions[0]) == {"coco_annotation": {"id": 9}}
    assert "coco_annotation" not in image.regions[0].extra


def _native_with(tmp_path, **ours):
    data = tutorial_project()
    data[POLYMASK_KEY] = {"app_version": "0.1.0", **ours}
    path = tmp_path / "polymask.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_damaged_colours_and_sizes_are_reported_and_replaced_by_defaults(tmp_path):
    key = next(iter(tutorial_project()["_via_img_metadata"]))
    path = _native_with(
        tmp_path, class_colours="red", images={key: {"width": float("inf"), "height": 10**400, "done": "yes"}}
    )
    result = load_project(path)
    project = result.project
    assert project.class_colours() == {}  # a dict the window can use, not the string
    assert all(im.width is None and im.height is None and im.done is False for im in project.images)
    messages = [str(p) for p in result.problems]
    assert any("class_colours is not an object" in m and str(path) in m for m in messages), messages
    assert any("not a usable size" in m for m in messages), messages


def test_images_of_the_wrong_type_are_reported(tmp_path):
    result = load_project(_native_with(tmp_path, images=[1, 2]))
    assert any("_polymask.images is not an object" in str(p) for p in result.problems)


@pytest.mark.parametrize("root", [5, ["a"], "im\x00ages"])
def test_an_image_root_that_is_not_a_path_is_refused_naming_the_file(tmp_path, root):
    path = _native_with(tmp_path, image_root=root)
    with pytest.raises(FormatError, match="image_root is .*not the path of the image folder") as caught:
        load_project(path)
    assert caught.value.path == path


@pytest.mark.parametrize("kind, value", [("region", ["class"]), ("file", "x")])
def test_attribute_definitions_of_the_wrong_type_are_refused(tmp_path, kind, value):
    data = tutorial_project()
    data["_via_attributes"][kind] = value
    path = tmp_path / "p.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(FormatError, match=f"_via_attributes.{kind} is a JSON"):
        open_path(path)


@pytest.mark.parametrize(
    "raw, message",
    [
        (b"[" * 50_000 + b"]" * 50_000, "nested more than 1024 levels"),
        (b'{"a": 1' + b"0" * 5000 + b"}", "has a number Polymask cannot read"),
        (b"", "is empty"),
    ],
)
def test_unreadable_json_is_a_format_error(tmp_path, raw, message):
    path = tmp_path / "p.json"
    path.write_bytes(raw)
    with pytest.raises(FormatError, match=message):
        open_path(path)


def test_saving_leaves_the_project_as_it_was(tmp_path):
    project = read_via(tutorial_project()).project
    project.image_root = tmp_path / "images"
    before = copy.deepcopy(project)
    save_project(project, tmp_path / "elsewhere" / "p.json")
    assert project == before  # neither its path nor its stored image folder changed
    assert (
        load_project(tmp_path / "elsewhere" / "p.json").project.image_root.resolve() == (tmp_path / "images").resolve()
    )
