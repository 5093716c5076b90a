"""labelme JSON reading: every shape type, folders of files, bad files reported."""

from __future__ import annotations

import json
import math

import pytest
from PIL import Image

from annotator.io.errors import FormatError
from annotator.io.labelme import looks_like_labelme, read_labelme
from annotator.model import Circle, Point, Polygon, Polyline, Rect, own_data
from annotator.model import validation as v


def _shape(label, points, shape_type="polygon", **more):
    return {
        "label": label,
        "points": points,
        "group_id": None,
        "description": "",
        "shape_type": shape_type,
        "flags": {},
        **more,
    }


def labelme_file(image_path="img.jpg", shapes=(), width=40, height=30, image_data=None):
    """A file as labelme 5 writes it (imageData: the base64 image with "Save With Image Data", else null)."""
    return {
        "version": "5.4.1",
        "flags": {"reviewed": True},
        "shapes": list(shapes),
        "imagePath": image_path,
        "imageData": image_data,
        "imageHeight": height,
        "imageWidth": width,
    }


ALL_SHAPES = [
    _shape("cat", [[1, 2], [10, 2], [5, 9]], "polygon", group_id=3, description="left ear"),
    _shape("dog", [[20, 15], [4, 5]], "rectangle", flags={"occluded": True}),
    _shape("cat", [[10, 10], [13, 14]], "circle"),
    _shape("dog", [[0, 0], [5, 5]], "line"),
    _shape("cat", [[0, 0], [5, 5], [9, 1]], "linestrip"),
    _shape("bird", [[7.5, 8.25]], "point"),
    {"label": "cat", "points": [[1, 1], [2, 1], [2, 2]]},  # no shape_type: labelme's default, polygon
]


def _write(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_reads_every_shape_type(tmp_path):
    Image.new("RGB", (40, 30)).save(tmp_path / "img.jpg")
    result = read_labelme(_write(tmp_path / "img.json", labelme_file(shapes=ALL_SHAPES)))
    assert result.format == "labelme" and result.problems == []
    project = result.project
    (image,) = project.images
    assert (image.filename, image.width, image.height) == ("img.jpg", 40, 30)
    assert image.size == (tmp_path / "img.jpg").stat().st_size
    assert project.image_root == tmp_path
    assert [r.shape for r in image.regions] == [
        Polygon((1.0, 10.0, 5.0), (2.0, 2.0, 9.0)),
        Rect(4.0, 5.0, 16.0, 10.0),  # corners in any order
        Circle(10.0, 10.0, 5.0),  # centre and a point on the circle
        Polyline((0.0, 5.0), (0.0, 5.0)),
        Polyline((0.0, 5.0, 9.0), (0.0, 5.0, 1.0)),
        Point(7.5, 8.25),
        Polygon((1.0, 2.0, 2.0), (1.0, 1.0, 2.0)),
    ]
    assert math.isclose(image.regions[2].shape.r, 5.0)


def test_labels_become_a_dropdown_class_and_the_rest_is_kept(tmp_path):
    project = read_labelme(_write(tmp_path / "img.json", labelme_file(shapes=ALL_SHAPES))).project
    assert project.class_attribute == "class" and project.region_attributes["class"].type == "dropdown"
    assert project.class_names() == ["cat", "dog", "bird"]  # first seen first
    assert project.class_counts() == {"cat": 4, "dog": 2, "bird": 1}
    first, second = project.images[0].regions[:2]
    assert own_data(first)["labelme"] == {
        "group_id": 3,
        "description": "left ear",
        "shape_type": "polygon",
        "flags": {},
    }
    assert own_data(second)["labelme"]["flags"] == {"occluded": True}
    kept = own_data(project.images[0])["labelme"]
    assert kept == {"version": "5.4.1", "flags": {"reviewed": True}, "imagePath": "img.jpg"}  # no imageData


def test_folder_of_files_with_sub_folders_and_windows_paths(tmp_path):
    _write(tmp_path / "a.json", labelme_file("a.jpg", ALL_SHAPES[:1]))
    # written on Windows next to the image's folder: imagePath "..\\pics\\b.jpg"
    _write(tmp_path / "ann" / "b.json", labelme_file("..\\pics\\b.jpg", ALL_SHAPES[1:3]))
    _write(tmp_path / "ann" / "deep" / "c.json", labelme_file("c ü.png", ALL_SHAPES[5:6]))
    _write(tmp_path / ".hidden" / "x.json", labelme_file("x.jpg", ALL_SHAPES))
    result = read_labelme(tmp_path)
    assert [im.filename for im in result.project.images] == ["a.jpg", "pics/b.jpg", "ann/deep/c ü.png"]
    assert [len(im.regions) for im in result.project.images] == [1, 2, 1]
    assert {p.kind for p in result.problems} == {v.MISSING_IMAGE}  # no image files were written
    assert result.project.image_root == tmp_path


def test_bad_shapes_are_skipped_and_reported(tmp_path):
    bad = [
        _shape("cat", [[1, 2], [3, 4]], "polygon"),
        _shape("dog", [[1, "x"], [3, 4]], "rectangle"),
        _shape("cat", [[1, float("nan")]], "point"),
        _shape("cat", None, "polygon"),
        _shape("cat", [[0, 0], [1, 1], [2, 0]], "cuboid"),
        "not a shape",
    ]
    path = _write(tmp_path / "img.json", labelme_file(shapes=[ALL_SHAPES[0], *bad]))
    Image.new("RGB", (40, 30)).save(tmp_path / "img.jpg")
    result = read_labelme(path)
    assert len(result.project.images[0].regions) == 1
    assert [(p.kind, p.region, p.image, p.file) for p in result.problems] == [
        (v.BAD_REGION, i, "img.jpg", str(path)) for i in range(1, 7)
    ]
    messages = [p.message for p in result.problems]
    assert messages[0] == "shape 1 ('cat'): a polygon needs at least 3 points, it has 2; skipped"
    assert "not two finite numbers ([1, 'x'])" in messages[1]
    assert "not two finite numbers ([1, nan])" in messages[2]
    assert "no list of points" in messages[3]
    assert "shape type 'cuboid' is not supported" in messages[4]
    assert messages[5] == "shape 6 (''): it is not an object; skipped"
    assert str(path) in str(result.problems[0])


@pytest.mark.parametrize(
    "content, reason",
    [
        ("{not json", "is not valid JSON"),
        (json.dumps({"shapes": []}), "is not a labelme file"),
        (json.dumps([1, 2]), "is not a labelme file"),
        (json.dumps(labelme_file(image_path="")), "has no imagePath"),
    ],
)
def test_single_bad_file_raises_format_error_naming_it(tmp_path, content, reason):
    path = tmp_path / "broken.json"
    path.write_text(content)
    with pytest.raises(FormatError) as err:
        read_labelme(path)
    assert str(path) in str(err.value) and reason in str(err.value)


def test_bad_files_in_a_folder_are_reported_and_the_rest_imports(tmp_path):
    _write(tmp_path / "good.json", labelme_file("good.jpg", ALL_SHAPES[:2]))
    (tmp_path / "broken.json").write_text("{not json")
    _write(tmp_path / "coco.json", {"images": [], "annotations": []})
    result = read_labelme(tmp_path)
    assert [im.filename for im in result.project.images] == ["good.jpg"]
    bad = [(p.kind, p.file) for p in result.problems if p.kind == "bad-file"]
    assert bad == [("bad-file", str(tmp_path / "broken.json")), ("bad-file", str(tmp_path / "coco.json"))]


def test_folder_without_labelme_files_is_an_error(tmp_path):
    (tmp_path / "notes.json").write_text("{}")
    with pytest.raises(FormatError, match="contains no labelme JSON files"):
        read_labelme(tmp_path)


def test_two_files_naming_one_image_are_merged_and_reported(tmp_path):
    _write(tmp_path / "a.json", labelme_file("img.jpg", ALL_SHAPES[:1]))
    _write(tmp_path / "b.json", labelme_file("img.jpg", ALL_SHAPES[1:2]))
    result = read_labelme(tmp_path)
    assert len(result.project.images) == 1 and len(result.project.images[0].regions) == 2
    assert [(p.kind, p.file) for p in result.problems if p.kind == v.DUPLICATE_IMAGE] == [
        (v.DUPLICATE_IMAGE, str(tmp_path / "b.json"))
    ]


def test_labelme_to_coco(tmp_path):
    """Points and lines (a linestrip of any length: labelme draws it as a 10 px stroke) have
    no mask and are said to be left out; the areas export."""
    from annotator.io.coco import export_coco

    project = read_labelme(_write(tmp_path / "img.json", labelme_file(shapes=ALL_SHAPES))).project
    coco, problems = export_coco(project)
    assert len(coco["annotations"]) == 4
    assert [(p.kind, p.region) for p in problems] == [("no-area", 3), ("no-area", 4), ("no-area", 5)]
    assert "open line" in problems[1].message


def test_looks_like_labelme():
    assert looks_like_labelme(labelme_file())
    assert not looks_like_labelme({"shapes": []})
    assert not looks_like_labelme({"images": [], "annotations": []})
    assert not looks_like_labelme([labelme_file()])
