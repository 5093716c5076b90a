"""labelme files as labelme itself reads them (issue 27): what Polymask writes means to labelme
what it means to Polymask and its COCO export, and labelme's conventions are read as labelme
means them. labelme's rules (shape_to_mask, labelme2coco's grouping) are encoded in
tests/io/labelme_rules.py; where the labelme package is importable its own reader is used."""

from __future__ import annotations

import base64
import io
import json

import numpy as np
from PIL import Image
from pycocotools import mask as mask_utils

from annotator.cli import main
from annotator.io import export, load_project, open_path, save_project
from annotator.io.coco import project_to_coco
from annotator.model import MultiPolygon, Point, Polygon, Polyline

from .labelme_rules import instance_masks, shape_to_mask
from .test_labelme import _shape

try:
    import labelme  # noqa: F401

    HAS_LABELME = True
except ImportError:  # the test environment has no Qt5: labelme's rules, as encoded
    HAS_LABELME = False

W, H = 120, 90


def _labelme(image_path, shapes, **more):
    return {
        "version": "5.5.0",
        "flags": {},
        "shapes": shapes,
        "imagePath": image_path,
        "imageData": None,
        "imageHeight": H,
        "imageWidth": W,
        **more,
    }


def _write(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _image(path, size=(W, H), colour=(40, 90, 160)):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, colour).save(path)
    return path


def _via(regions_by_image: dict, sizes: bool = False) -> dict:
    return {
        f"{name}-1": {
            "filename": name,
            "size": -1,
            "regions": [{"shape_attributes": s, "region_attributes": attrs} for s, attrs in regions],
            "file_attributes": {},
        }
        for name, regions in regions_by_image.items()
    }


SWORD = {"name": "polyline", "all_points_x": [10, 100, 104, 14], "all_points_y": [40, 44, 50, 47]}  # thin, 4 points
BLADE = {"name": "polygon", "all_points_x": [20, 60, 40], "all_points_y": [10, 10, 30]}


# ---- 1. one meaning for an object across formats ------------------------------------------
def test_a_closed_polyline_is_a_labelme_polygon_whose_mask_is_the_coco_mask(tmp_path, capsys):
    _image(tmp_path / "a.png")
    via = _write(tmp_path / "via.json", _via({"a.png": [(SWORD, {"kind": "sword"}), (BLADE, {"kind": "blade"})]}))
    assert main(["convert", str(via), str(tmp_path / "lm"), "--to", "labelme"]) == 0
    assert (
        "1 polyline of 3 or more points written as a labelme polygon: Polymask (and its COCO export) treats it as a closed object"
        in capsys.readouterr().err
    )
    assert main(["convert", str(via), str(tmp_path / "coco.json"), "--to", "coco"]) == 0
    written = json.loads((tmp_path / "lm" / "a.json").read_text(encoding="utf-8"))
    assert [s["shape_type"] for s in written["shapes"]] == ["polygon", "polygon"]  # was a 10 px linestrip
    labelme_sees = instance_masks(tmp_path / "lm" / "a.json", use_labelme=HAS_LABELME)["instances"]
    coco = json.loads((tmp_path / "coco.json").read_text(encoding="utf-8"))
    assert len(labelme_sees) == len(coco["annotations"]) == 2
    for (_, mask), ann, via_shape in zip(labelme_sees, coco["annotations"], (SWORD, BLADE)):
        (ring,) = ann["segmentation"]
        # one polygon, the one drawn in VIA: labelme's rule draws exactly labelme's mask of it
        assert ring == [c for xy in zip(via_shape["all_points_x"], via_shape["all_points_y"]) for c in xy]
        np.testing.assert_array_equal(mask, shape_to_mask((H, W), list(zip(ring[0::2], ring[1::2]))))
        coco_mask = mask_utils.decode(mask_utils.frPyObjects([ring], H, W)).any(axis=2)
        iou = (coco_mask & mask).sum() / (coco_mask | mask).sum()
        assert iou > 0.6  # pixel centres + outline (PIL) vs pixel area (pycocotools): a rim on a 6 px sword


def test_an_open_labelme_linestrip_stays_a_line_and_is_no_coco_area(tmp_path):
    _image(tmp_path / "a.png")
    strip = _shape("crack", [[10, 10], [60, 40], [100, 12]], "linestrip")
    _write(tmp_path / "a.json", _labelme("a.png", [strip]))
    project = open_path(tmp_path / "a.json").project
    (region,) = project.images[0].regions
    assert isinstance(region.shape, Polyline)
    coco = project_to_coco(project)
    assert coco["annotations"] == []  # labelme draws a 10 px stroke: not the 6,622 px filled triangle
    export(project, tmp_path / "back", "labelme")
    (again,) = json.loads((tmp_path / "back" / "a.json").read_text(encoding="utf-8"))["shapes"]
    assert again["shape_type"] == "linestrip" and again["points"] == strip["points"]


# ---- 2. sizes ---------------------------------------------------------------------------------
def test_sizes_come_from_the_images_as_displayed(tmp_path):
    _image(tmp_path / "a.png", (120, 90))
    rotated = Image.new("RGB", (60, 30))
    exif = rotated.getexif()
    exif[0x0112] = 6  # shown rotated: 30 wide, 60 high
    rotated.save(tmp_path / "b.jpg", exif=exif)
    via = _write(tmp_path / "via.json", _via({"a.png": [(BLADE, {})], "b.jpg": [(BLADE, {})]}))
    assert main(["convert", str(via), str(tmp_path / "lm"), "--to", "labelme"]) == 0
    sizes = [
        (d["imageWidth"], d["imageHeight"])
        for d in (json.loads((tmp_path / "lm" / n).read_text(encoding="utf-8")) for n in ("a.json", "b.json"))
    ]
    assert sizes == [(120, 90), (30, 60)]


# ---- 3. embedded images -----------------------------------------------------------------------
def _png_b64(size=(W, H), colour=(200, 10, 10)) -> tuple[str, bytes]:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return base64.b64encode(out.getvalue()).decode("ascii"), out.getvalue()


def test_an_embedded_image_named_after_the_json_is_extracted_beside_it(tmp_path, capsys):
    b64, raw = _png_b64()
    # labelme's tutorial file: imagePath names the JSON itself, the image is only in imageData
    src = _write(
        tmp_path / "in" / "obj3.json",
        _labelme("obj3.json", [_shape("cup", [[1, 1], [50, 5], [20, 40]])], imageData=b64),
    )
    assert main(["convert", str(src), str(tmp_path / "coco.json"), "--to", "coco"]) == 0
    assert "its embedded image (imageData) is used as obj3.png" in capsys.readouterr().err
    assert (tmp_path / "in" / "obj3.png").read_bytes() == raw
    coco = json.loads((tmp_path / "coco.json").read_text(encoding="utf-8"))
    assert [(im["file_name"], im["width"], im["height"]) for im in coco["images"]] == [("obj3.png", W, H)]


def test_extraction_never_replaces_another_file_and_can_be_refused(tmp_path, capsys):
    b64, raw = _png_b64()
    _image(tmp_path / "obj3.png", colour=(0, 0, 0))  # another image already has the name
    before = (tmp_path / "obj3.png").read_bytes()
    src = _write(tmp_path / "obj3.json", _labelme("obj3.json", [], imageData=b64))
    assert main(["convert", str(src), str(tmp_path / "x.json"), "--to", "via", "--no-extract-images"]) == 1
    assert "not extracted" in capsys.readouterr().err
    assert not (tmp_path / "obj3-embedded.png").exists()
    assert open_path(src).project.images[0].filename == "obj3-embedded.png"
    assert (tmp_path / "obj3-embedded.png").read_bytes() == raw and (tmp_path / "obj3.png").read_bytes() == before


def test_embed_images_writes_image_data_labelme_can_read(tmp_path):
    _image(tmp_path / "a.png")
    via = _write(tmp_path / "via.json", _via({"a.png": [(BLADE, {})]}))
    assert main(["convert", str(via), str(tmp_path / "lm"), "--to", "labelme", "--embed-images"]) == 0
    data = json.loads((tmp_path / "lm" / "a.json").read_text(encoding="utf-8"))
    assert base64.b64decode(data["imageData"]) == (tmp_path / "a.png").read_bytes()
    assert instance_masks(tmp_path / "lm" / "a.json", use_labelme=HAS_LABELME)["width"] == W


# ---- 4. groups --------------------------------------------------------------------------------
def test_shapes_sharing_label_and_group_id_are_one_object_whatever_their_types(tmp_path):
    _image(tmp_path / "a.png")
    shapes = [
        _shape("person", [[10, 10], [30, 40]], "rectangle", group_id=2, score=0.5),  # its own key only
        _shape("person", [[50, 10], [70, 10], [60, 30]], group_id=2),
        _shape("person", [[80, 50], [100, 50], [90, 70]], group_id=7),  # alone in its group
        _shape("car", [[5, 60], [25, 80]], "rectangle", group_id=2),  # another label: another object
    ]
    _write(tmp_path / "a.json", _labelme("a.png", shapes))
    project = open_path(tmp_path / "a.json").project
    regions = project.images[0].regions
    assert [type(r.shape) for r in regions] == [MultiPolygon, Polygon, type(regions[2].shape)]
    coco = project_to_coco(project)
    assert len(coco["annotations"]) == 3  # labelme2coco: (person, 2), (person, 7), (car, 2)
    assert len(instance_masks(tmp_path / "a.json")["instances"]) == 3
    export(project, tmp_path / "back", "labelme")
    again = json.loads((tmp_path / "back" / "a.json").read_text(encoding="utf-8"))["shapes"]
    assert again == shapes  # shape for shape, the ids as read (2 stays 2), the lone shape's too


def test_an_edited_group_keeps_its_id_and_new_groups_take_free_ids(tmp_path):
    _image(tmp_path / "a.png")
    shapes = [
        _shape("p", [[10, 10], [30, 10], [20, 30]], group_id=5),
        _shape("p", [[50, 10], [70, 10], [60, 30]], group_id=5),
    ]
    _write(tmp_path / "a.json", _labelme("a.png", shapes))
    project = open_path(tmp_path / "a.json").project
    region = project.images[0].regions[0]
    region.shape = region.shape.translated(1, 0)  # edited: written from the shape
    other = (
        project.images[0]
        .regions[0]
        .__class__(
            MultiPolygon(
                (
                    (Polygon((1.0, 9.0, 5.0), (60.0, 60.0, 70.0)), ()),
                    (Polygon((20.0, 29.0, 25.0), (60.0, 60.0, 70.0)), ()),
                )
            ),
            {"class": "p"},
        )
    )
    project.images[0].regions.append(other)
    export(project, tmp_path / "back", "labelme")
    again = json.loads((tmp_path / "back" / "a.json").read_text(encoding="utf-8"))["shapes"]
    assert [s["group_id"] for s in again] == [5, 5, 6, 6]


# ---- 5. what Polymask does not use survives --------------------------------------------------
def test_flags_descriptions_and_unknown_keys_survive_a_project_file(tmp_path):
    _image(tmp_path / "a.png")
    shape = _shape("cat", [[1, 1], [40, 5], [20, 30]], description="left ear", flags={"occluded": True}, score=0.9)
    _write(tmp_path / "a.json", _labelme("a.png", [shape], flags={"cat": True, "dog": False}, reviewer="kw"))
    project = open_path(tmp_path / "a.json").project
    assert project.images[0].file_attributes == {"flags": {"cat": True}}  # VIA shows and keeps it
    assert list(project.file_attributes["flags"].options) == ["cat", "dog"]
    saved = load_project(save_project(project, tmp_path / "p.polymask.json")).project
    export(saved, tmp_path / "back", "labelme")
    again = json.loads((tmp_path / "back" / "a.json").read_text(encoding="utf-8"))
    assert again["flags"] == {"cat": True, "dog": False} and again["reviewer"] == "kw"
    (s,) = again["shapes"]
    assert (s["description"], s["flags"], s["score"]) == ("left ear", {"occluded": True}, 0.9)
    saved.images[0].file_attributes["flags"] = {"dog": True}  # ticked in the window or in VIA
    export(saved, tmp_path / "edited", "labelme")
    assert json.loads((tmp_path / "edited" / "a.json").read_text(encoding="utf-8"))["flags"] == {
        "cat": False,
        "dog": True,
    }


# ---- 6. special labels -------------------------------------------------------------------------
def test_ignore_and_background_are_not_categories_nor_training_targets(tmp_path, capsys):
    _image(tmp_path / "a.png")
    shapes = [
        _shape("cat", [[1, 1], [40, 5], [20, 30]]),
        _shape("__ignore__", [[50, 50], [90, 50], [70, 80]]),
        _shape("_background_", [[0, 0], [119, 89]], "rectangle"),
    ]
    src = _write(tmp_path / "a.json", _labelme("a.png", shapes))
    project = open_path(src).project
    coco = project_to_coco(project)  # what the trainer reads
    assert [c["name"] for c in coco["categories"]] == ["cat"] and len(coco["annotations"]) == 1
    assert main(["convert", str(src), str(tmp_path / "coco.json"), "--to", "coco"]) == 0
    err = capsys.readouterr().err
    assert "1 shape labelled '__ignore__' left out" in err and "'_background_' left out" in err


# ---- 7. labelme 7's shapes ---------------------------------------------------------------------
def test_oriented_rectangles_and_points_are_read_and_written_back(tmp_path):
    _image(tmp_path / "a.png")
    shapes = [
        _shape("box", [[20, 10], [60, 30], [50, 50], [10, 30]], "oriented_rectangle"),
        _shape("keypoints", [[5, 5], [9, 9], [14, 3]], "points"),
    ]
    _write(tmp_path / "a.json", _labelme("a.png", shapes))
    result = open_path(tmp_path / "a.json")
    assert result.problems == []  # nothing skipped
    regions = result.project.images[0].regions
    assert isinstance(regions[0].shape, Polygon) and len(regions[0].shape.xs) == 4
    assert [type(r.shape) for r in regions[1:]] == [Point, Point, Point]
    assert len(project_to_coco(result.project)["annotations"]) == 1  # the rectangle is an area
    export(result.project, tmp_path / "back", "labelme")
    again = json.loads((tmp_path / "back" / "a.json").read_text(encoding="utf-8"))["shapes"]
    assert [(s["shape_type"], s["points"]) for s in again] == [(s["shape_type"], s["points"]) for s in shapes]


# ---- 8. one name for unlabelled objects; VIA as VIA writes it ----------------------------------
def test_unlabelled_via_regions_are_object_in_labelme_as_in_coco(tmp_path):
    _image(tmp_path / "a.png")
    via = _write(tmp_path / "via.json", _via({"a.png": [(BLADE, {})]}))
    assert main(["convert", str(via), str(tmp_path / "lm"), "--to", "labelme"]) == 0
    assert main(["convert", str(via), str(tmp_path / "coco.json"), "--to", "coco"]) == 0
    (shape,) = json.loads((tmp_path / "lm" / "a.json").read_text(encoding="utf-8"))["shapes"]
    coco = json.loads((tmp_path / "coco.json").read_text(encoding="utf-8"))
    assert shape["label"] == coco["categories"][0]["name"] == "object"


def test_via_project_export_uses_via_s_version_and_describes_class_options(tmp_path):
    _image(tmp_path / "a.png")
    project = {
        "_via_settings": {},
        "_via_img_metadata": _via({"a.png": [(BLADE, {"kind": "sword"})]}),
        "_via_attributes": {
            "region": {
                "kind": {"type": "dropdown", "description": "", "options": {"sword": ""}, "default_options": {}}
            },
            "file": {},
        },
    }
    via = _write(tmp_path / "via.json", project)
    assert main(["convert", str(via), str(tmp_path / "p.json"), "--to", "via-project"]) == 0
    data = json.loads((tmp_path / "p.json").read_text(encoding="utf-8"))
    assert data["_via_data_format_version"] == "2.0.10"
    assert data["_via_attributes"]["region"]["kind"]["options"] == {"sword": "sword"}


def test_labelme_rules_encode_labelme2coco(tmp_path):
    """The fixture rules themselves: a linestrip is a 10 px stroke, a group one instance,
    __ignore__ no instance."""
    shapes = [
        _shape("crack", [[10, 10], [60, 10], [60, 60]], "linestrip"),
        _shape("p", [[70, 70], [80, 70], [75, 80]], group_id=1),
        _shape("p", [[90, 70], [100, 70], [95, 80]], group_id=1),
        _shape("__ignore__", [[0, 80], [10, 80], [5, 89]]),
    ]
    got = instance_masks(_write(tmp_path / "a.json", _labelme("a.png", shapes)))["instances"]
    assert [label for label, _ in got] == ["crack", "p"]
    stroke = got[0][1]
    assert 900 < stroke.sum() < 1200  # ~100 px long x 10 px wide, not the 1,250 px triangle + stroke
    assert not stroke[30, 30]


def test_a_json_named_as_the_image_without_embedded_data_is_refused_not_read_as_an_image(tmp_path, capsys):
    src = _write(tmp_path / "obj3.json", _labelme("obj3.json", [_shape("cup", [[1, 1], [50, 5], [20, 40]])]))
    assert main(["convert", str(src), str(tmp_path / "coco.json"), "--to", "coco"]) == 2
    err = capsys.readouterr().err
    assert str(src) in err and "names a JSON file, not an image" in err and "Traceback" not in err
