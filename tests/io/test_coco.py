"""COCO read/write: lossless round trips, pycocotools agreement, bad input reported."""

from __future__ import annotations

import copy
import json
import math

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from pycocotools.coco import COCO

from annotator.io.coco import coco_export_problems, export_coco, looks_like_coco, project_to_coco, read_coco, write_coco
from annotator.io.errors import FormatError
from annotator.io.jsonfile import read_json
from annotator.io.rle import mask_from_segmentation, polygons_to_mask
from annotator.model import (
    AttributeDef,
    Circle,
    Ellipse,
    ImageRecord,
    MultiPolygon,
    Point,
    Polygon,
    Polyline,
    PolymaskData,
    Project,
    Rect,
    Region,
    RenameClass,
    own_data,
)
from annotator.model import validation as v

try:
    from . import coco_fixtures as fx
except ImportError:  # tests/io is not a package
    import coco_fixtures as fx


def _write(tmp_path, data, name="annotations.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def _project(shapes_and_classes, width=100, height=80, filename="img.png", class_type="dropdown"):
    classes = sorted({c for _, c in shapes_and_classes if isinstance(c, str) and c})
    attr = AttributeDef("class", class_type, options=dict.fromkeys(classes, ""))
    regions = [Region(shape, {"class": c} if c is not None else {}) for shape, c in shapes_and_classes]
    image = ImageRecord(filename, 1234, width, height, regions=regions)
    return Project(images=[image], region_attributes={"class": attr}, class_attribute="class")


# ---- reading ------------------------------------------------------------------------------------
def test_reads_images_classes_and_ids(tmp_path):
    fx.write_images(tmp_path / "imgs", fx.coco_dataset())
    result = read_coco(_write(tmp_path, fx.coco_dataset()), images=tmp_path / "imgs")
    project = result.project
    assert result.format == "coco" and result.problems == []
    assert [im.filename for im in project.images] == ["top.jpg", "train/sub/b.png", fx.UNICODE_NAME]
    assert [own_data(im)["coco_image"]["id"] for im in project.images] == [0, 7, 3]
    assert all((im.width, im.height) == (fx.W, fx.H) for im in project.images)
    assert all(im.size == (tmp_path / "imgs" / im.filename).stat().st_size for im in project.images)
    assert project.image_root == tmp_path / "imgs"
    # Classes: a dropdown "class" attribute, options in category order, unused category kept.
    assert project.class_attribute == "class"
    assert project.region_attributes["class"].type == "dropdown"
    assert project.class_names() == ["gun", "sword", "unused"]
    assert project.class_counts() == {"gun": 2, "sword": 3, "unused": 0}
    assert [len(im.regions) for im in project.images] == [2, 2, 1]


def test_size_unknown_without_images_folder(tmp_path):
    project = read_coco(_write(tmp_path, fx.coco_dataset())).project
    assert all(im.size == -1 for im in project.images)
    assert project.image_root == tmp_path  # file names are taken relative to the file by default


def test_multi_part_polygon_shows_every_part():
    project = read_coco(fx.coco_dataset()).project
    region = next(r for _, r in project.iter_regions() if own_data(r)["coco_annotation"]["id"] == 11)
    assert isinstance(region.shape, MultiPolygon)
    assert [outer for outer, holes in region.shape.parts] == [
        Polygon((40.0, 44.0, 44.0, 40.0), (2.0, 2.0, 6.0, 6.0)),
        Polygon((35.0, 60.0, 60.0, 35.0), (10.0, 10.0, 40.0, 40.0)),
        Polygon((50.5, 55.5, 53.0), (42.25, 42.25, 46.75)),
    ]  # in the file's order, nothing hidden
    assert "coco_other_parts" not in own_data(region)
    assert project.class_of(region) == "sword"


@pytest.mark.parametrize("ann_id", [12, 13], ids=["compressed", "uncompressed"])
def test_rle_becomes_polygons_with_the_same_pixels(ann_id):
    project = read_coco(fx.coco_dataset()).project
    region = next(r for _, r in project.iter_regions() if own_data(r)["coco_annotation"]["id"] == ann_id)
    assert isinstance(region.shape, MultiPolygon)
    assert len(region.shape.parts) == 2  # the two blobs, both editable
    parts = [[c for p in outer.vertices() for c in p] for outer, _ in region.shape.parts]
    np.testing.assert_array_equal(polygons_to_mask(parts, fx.H, fx.W), fx.blob_mask())


def test_iscrowd_and_unknown_keys_kept():
    project = read_coco(fx.coco_dataset()).project
    anns = {own_data(r)["coco_annotation"]["id"]: own_data(r)["coco_annotation"] for _, r in project.iter_regions()}
    assert anns[13]["iscrowd"] == 1
    assert anns[4]["attributes"] == {"occluded": True}
    assert project.polymask.coco["header"]["licenses"][0]["name"] == "CC-BY 4.0"


def test_read_does_not_share_data_with_the_callers_dict():
    data = fx.coco_dataset()
    project = read_coco(data).project
    own_data(project.images[0].regions[0])["coco_annotation"]["segmentation"][0][0] = 999
    assert data == fx.coco_dataset()


# ---- round trips --------------------------------------------------------------------------------
def test_coco_project_coco_is_lossless(tmp_path):
    data = fx.coco_dataset()
    result = read_coco(_write(tmp_path, data))
    out = project_to_coco(result.project)
    assert fx.normalised(out) == fx.normalised(data)
    # and through a file, with unicode names unescaped
    problems = write_coco(result.project, tmp_path / "out.json")
    assert problems == []
    assert fx.normalised(read_json(tmp_path / "out.json")) == fx.normalised(data)
    assert fx.UNICODE_NAME in (tmp_path / "out.json").read_text(encoding="utf-8")


def test_lossless_after_the_project_is_saved_as_json():
    """region.extra and project.polymask must be plain JSON (the native file keeps them)."""
    project = read_coco(fx.coco_dataset()).project
    for _, region in project.iter_regions():
        region.extra = json.loads(json.dumps(region.extra))
    project.polymask = PolymaskData.from_dict(json.loads(json.dumps(project.polymask.to_dict())))
    for im in project.images:
        im.extra = json.loads(json.dumps(im.extra))
    assert fx.normalised(project_to_coco(project)) == fx.normalised(fx.coco_dataset())


def test_changing_the_class_keeps_the_segmentation():
    project = read_coco(fx.coco_dataset()).project
    image = project.images[1]
    rle_region = next(r for r in image.regions if own_data(r)["coco_annotation"]["id"] == 12)
    rle_region.attributes["class"] = "sword"
    ann = fx.annotation(project_to_coco(project), 12)
    assert ann["category_id"] == 5
    assert ann["segmentation"] == fx.annotation(fx.coco_dataset(), 12)["segmentation"]


def test_edited_multi_part_writes_every_part():
    project = read_coco(fx.coco_dataset()).project
    region = next(r for _, r in project.iter_regions() if own_data(r)["coco_annotation"]["id"] == 11)
    region.shape = region.shape.with_vertex(6, 62.0, 44.0)  # the third vertex of the second part
    ann = fx.annotation(project_to_coco(project), 11)
    assert ann["segmentation"] == [
        [40, 2, 44, 2, 44, 6, 40, 6],
        [35.0, 10.0, 60.0, 10.0, 62.0, 44.0, 35.0, 40.0],
        [50.5, 42.25, 55.5, 42.25, 53, 46.75],
    ]
    expected = region.shape.parts[1][0].area() + 16 + 0.5 * 5 * 4.5
    assert ann["area"] == pytest.approx(expected)
    assert ann["bbox"] == [35.0, 2, 27.0, 44.75]
    assert ann["iscrowd"] == 0 and ann["category_id"] == 5


def test_edited_rle_is_written_as_polygons():
    project = read_coco(fx.coco_dataset()).project
    region = next(r for _, r in project.iter_regions() if own_data(r)["coco_annotation"]["id"] == 13)
    region.shape = region.shape.translated(0.0, 0.0).with_vertex(0, *region.shape.vertices()[0])
    assert (
        project_to_coco(project)["annotations"][-1]["segmentation"]
        == fx.annotation(fx.coco_dataset(), 13)["segmentation"]
    )  # an unchanged shape stays RLE
    region.shape = region.shape.translated(1.0, 0.0)
    ann = fx.annotation(project_to_coco(project), 13)
    assert isinstance(ann["segmentation"], list) and len(ann["segmentation"]) == 2
    assert ann["iscrowd"] == 1  # kept


def test_project_coco_project_keeps_shapes_and_classes():
    tri = Polygon((10.0, 50.0, 10.0), (10.0, 10.0, 60.0))
    shapes = [
        (tri, "cat"),
        (Rect(5.0, 6.0, 20.0, 10.0), "dog"),
        (Circle(50.0, 40.0, 10.0), "cat"),
        (Ellipse(60.0, 30.0, 12.0, 6.0, 0.5), "dog"),
        (Polyline((1.0, 9.0, 9.0), (1.0, 1.0, 9.0)), "cat"),
    ]
    project = _project(shapes)
    coco, problems = export_coco(project)
    assert problems == []
    assert [c["name"] for c in coco["categories"]] == ["cat", "dog"]
    assert [c["id"] for c in coco["categories"]] == [1, 2]  # 1..K for a project that did not come from COCO
    assert coco["images"] == [{"id": 1, "file_name": "img.png", "width": 100, "height": 80}]
    back = read_coco(json.loads(json.dumps(coco))).project
    assert back.class_names() == ["cat", "dog"]
    regions = back.images[0].regions
    assert [back.class_of(r) for r in regions] == [c for _, c in shapes]
    for (shape, _), region in zip(shapes, regions):
        assert region.shape.vertices() == shape.outline()  # exactly: floats survive JSON
        assert region.shape.area() == pytest.approx(shape.area(), rel=0.01)


def test_points_lines_and_regions_without_class_are_skipped_and_reported():
    square = Polygon((0.0, 10.0, 10.0, 0.0), (0.0, 0.0, 10.0, 10.0))
    project = _project(
        [
            (Point(3.0, 4.0), "cat"),
            (Polyline((0.0, 5.0), (0.0, 5.0)), "cat"),
            (square, None),
            (square, "cat"),
            (Polygon((0.0, 5.0, 10.0), (0.0, 5.0, 10.0)), "cat"),
        ]
    )
    coco = project_to_coco(project)
    assert len(coco["annotations"]) == 1
    problems = coco_export_problems(project)
    assert [(p.kind, p.region, p.image) for p in problems] == [
        ("no-area", 0, "img.png"),
        ("no-area", 1, "img.png"),
        (v.NO_CLASS, 2, "img.png"),
        (v.ZERO_AREA, 4, "img.png"),
    ]
    assert "point" in problems[0].message and "polyline" in problems[1].message


def test_ambiguous_checkbox_class_is_skipped_and_reported():
    square = Polygon((0.0, 10.0, 10.0, 0.0), (0.0, 0.0, 10.0, 10.0))
    project = _project([(square, None), (square, None)], class_type="checkbox")
    project.region_attributes["class"].options = {"a": "", "b": ""}
    project.images[0].regions[0].attributes = {"class": {"a": True, "b": True}}
    project.images[0].regions[1].attributes = {"class": {"b": True}}
    coco, problems = export_coco(project)
    assert [a["category_id"] for a in coco["annotations"]] == [2]
    assert [(p.kind, p.region) for p in problems] == [(v.AMBIGUOUS_CLASS, 0)]
    assert "a, b" in problems[0].message


def test_category_ids_kept_and_new_classes_numbered_after_them():
    project = read_coco(fx.coco_dataset()).project
    region = project.images[0].regions[0]
    region.attributes["class"] = "knife"  # a class the file did not have
    RenameClass("unused", "spare").apply(project)
    cats = project_to_coco(project)["categories"]
    assert [(c["id"], c["name"]) for c in cats] == [(0, "gun"), (5, "sword"), (6, "spare"), (7, "knife")]
    assert cats[0]["supercategory"] == "weapon" and cats[1]["keypoints"] == []


def test_new_and_duplicate_ids_are_made_unique():
    project = read_coco(fx.coco_dataset()).project
    copied = copy.deepcopy(project.images[0].regions[0])
    project.images[0].regions.append(copied)  # same COCO annotation id twice
    project.images.append(
        ImageRecord("new.png", 10, 20, 20, regions=[Region(Rect(1.0, 1.0, 5.0, 5.0), {"class": "gun"})])
    )
    coco = project_to_coco(project)
    ids = [a["id"] for a in coco["annotations"]]
    assert len(set(ids)) == len(ids) == 7
    assert {4, 11, 12, 13} <= set(ids) and 10 not in ids  # the duplicated id is replaced in both copies
    assert [im["id"] for im in coco["images"]] == [0, 7, 3, 8]
    assert COCO_load(coco)


def COCO_load(coco) -> COCO:
    api = COCO()
    api.dataset = coco
    api.createIndex()
    return api


# ---- pycocotools agreement ----------------------------------------------------------------------
def _centre_sampled(shape, width, height) -> np.ndarray:
    """Our own rasterisation: pixels whose centre lies inside the shape's outline."""
    yy, xx = np.mgrid[0:height, 0:width] + 0.5
    return shapely.contains_xy(shape.geometry(), xx, yy).astype(np.uint8)


def test_pycocotools_loads_our_file_and_masks_match(tmp_path):
    shapes = [
        (Polygon((10.0, 70.5, 30.0, 12.0), (8.0, 12.0, 70.0, 50.0)), "cat"),
        (Rect(40.0, 5.0, 30.0, 20.0), "dog"),
        (Circle(70.0, 50.0, 18.5), "cat"),
        (Ellipse(30.0, 40.0, 25.0, 9.0, 0.7), "dog"),
        (Polyline((60.0, 95.0, 80.0, 62.0), (60.0, 64.0, 78.0, 76.0)), "cat"),
    ]
    project = _project(shapes)
    assert write_coco(project, tmp_path / "coco.json") == []
    api = COCO(str(tmp_path / "coco.json"))
    assert api.getCatIds() == [1, 2] and api.getImgIds() == [1]
    anns = api.loadAnns(api.getAnnIds(imgIds=[1]))
    assert len(anns) == len(shapes)
    for (shape, _), ann in zip(shapes, anns):
        theirs = api.annToMask(ann)
        assert theirs.shape == (80, 100)
        ours = _centre_sampled(shape, 100, 80)
        # They may differ only on pixels the outline passes through.
        boundary = shapely.boundary(shape.geometry())
        yy, xx = np.nonzero(theirs != ours)
        dist = shapely.distance(shapely.points(xx + 0.5, yy + 0.5), boundary)
        assert np.all(dist <= 0.75), (shape, dist.max())
        assert len(xx) < 0.2 * ours.sum()


def test_pycocotools_reads_the_kept_rle_exactly(tmp_path):
    project = read_coco(fx.coco_dataset()).project
    write_coco(project, tmp_path / "coco.json")
    api = COCO(str(tmp_path / "coco.json"))
    for ann_id in (12, 13):
        np.testing.assert_array_equal(api.annToMask(api.anns[ann_id]), fx.blob_mask())


def test_area_is_the_true_polygon_area_not_the_bbox_area():
    triangle = Polygon((0.0, 100.0, 0.0), (0.0, 0.0, 100.0))
    project = _project([(triangle, "cat"), (Circle(50.0, 50.0, 20.0), "cat")], width=200, height=200)
    tri, circle = project_to_coco(project)["annotations"]
    assert tri["area"] == pytest.approx(5000.0)
    assert tri["bbox"] == [0.0, 0.0, 100.0, 100.0]  # whose area is 10,000
    assert circle["area"] == pytest.approx(math.pi * 400, rel=0.01)
    # and close to the pixel count pycocotools gives
    assert polygons_to_mask(tri["segmentation"], 200, 200).sum() == pytest.approx(5000, rel=0.02)


def test_unknown_image_size_is_read_from_the_file(tmp_path):
    Image.new("RGB", (33, 22)).save(tmp_path / "img.png")
    project = _project([(Rect(1.0, 1.0, 5.0, 5.0), "cat")], width=None, height=None)
    project.image_root = tmp_path
    assert project_to_coco(project)["images"][0] | {} == {"id": 1, "file_name": "img.png", "width": 33, "height": 22}
    assert project.images[0].width is None  # exporting does not change the project


def test_image_with_unknown_size_and_no_file_is_skipped_and_reported(tmp_path):
    project = _project([(Rect(1.0, 1.0, 5.0, 5.0), "cat")], width=None, height=None)
    project.image_root = tmp_path
    coco, problems = export_coco(project)
    assert coco["images"] == [] and coco["annotations"] == []
    assert [(p.kind, p.image) for p in problems] == [(v.UNREADABLE_IMAGE, "img.png")]
    assert "not found" in problems[0].message


def test_write_is_atomic_and_keeps_a_backup(tmp_path):
    project = _project([(Rect(1.0, 1.0, 5.0, 5.0), "cat")])
    target = tmp_path / "coco.json"
    target.write_text("old")
    write_coco(project, target)
    assert (tmp_path / "coco.json.bak").read_text() == "old"
    assert read_json(target)["annotations"][0]["bbox"] == [1.0, 1.0, 5.0, 5.0]
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


# ---- hypothesis ---------------------------------------------------------------------------------
@st.composite
def star_polygons(draw):
    """Simple polygons: vertices at increasing angles around a centre."""
    angles = sorted(draw(st.sets(st.integers(0, 359), min_size=3, max_size=40)))
    radii = draw(st.lists(st.floats(1.0, 60.0, allow_nan=False), min_size=len(angles), max_size=len(angles)))
    cx, cy = draw(st.floats(60.0, 200.0)), draw(st.floats(60.0, 200.0))
    pts = [(cx + r * math.cos(math.radians(a)), cy + r * math.sin(math.radians(a))) for a, r in zip(angles, radii)]
    return Polygon.from_points(pts)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(star_polygons(), st.sampled_from(["a", "b", "c"])), min_size=1, max_size=5))
def test_property_project_coco_project_round_trip(regions):
    project = _project(regions, width=300, height=300)
    coco, problems = export_coco(project)
    assert problems == []
    back = read_coco(json.loads(json.dumps(coco))).project
    got = back.images[0].regions
    assert [r.shape for r in got] == [shape for shape, _ in regions]  # exactly, floats survive JSON
    assert [back.class_of(r) for r in got] == [c for _, c in regions]
    # and the second trip is the identity
    assert project_to_coco(back) == coco


@settings(max_examples=40, deadline=None)
@given(st.lists(star_polygons(), min_size=1, max_size=4), st.integers(0, 5))
def test_property_coco_project_coco_round_trip(parts, category_id):
    data = {
        "images": [{"id": 0, "file_name": "x.png", "width": 300, "height": 300}],
        "categories": [{"id": category_id, "name": "thing", "supercategory": "s"}],
        "annotations": [
            {
                "id": 0,
                "image_id": 0,
                "category_id": category_id,
                "iscrowd": 0,
                "area": 1.0,
                "bbox": [0, 0, 1, 1],
                "segmentation": [[c for p in part.vertices() for c in p] for part in parts],
            }
        ],
    }
    assert project_to_coco(read_coco(data).project) == data


# ---- bad input ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "data, reason",
    [
        ([1, 2], "the top level is a list"),
        ({"annotations": [], "categories": []}, "no 'images' list"),
        ({"images": [], "categories": []}, "no 'annotations' list"),
        ({"images": [], "annotations": {}, "categories": []}, "no 'annotations' list"),
        ({"images": [], "annotations": []}, "no 'categories' list"),
    ],
)
def test_not_coco_raises_format_error_naming_the_file(tmp_path, data, reason):
    path = _write(tmp_path, data, "broken.json")
    with pytest.raises(FormatError) as err:
        read_coco(path)
    assert str(path) in str(err.value) and reason in str(err.value)


def test_format_error_names_the_source_of_a_dict():
    with pytest.raises(FormatError, match="upload.json: .*no 'images' list"):
        read_coco({"annotations": []}, source="upload.json")


def _bad_rle():
    return {"size": [fx.H, fx.W], "counts": "!!bad"}


BAD_ANNOTATIONS = {
    "unknown image": ({"image_id": 999}, "image id 999, which is not in 'images'", None),
    "unknown category": ({"category_id": 42}, "category id 42, which is not in 'categories'", "top.jpg"),
    "nan": ({"segmentation": [[1, 1, 20, float("nan"), 5, 20]]}, "not a finite number (nan)", "top.jpg"),
    "text": ({"segmentation": [[1, 1, 20, "x", 5, 20]]}, "not a finite number ('x')", "top.jpg"),
    "odd": ({"segmentation": [[1, 1, 20, 1, 5, 20, 7]]}, "odd number of coordinates (7)", "top.jpg"),
    "two points": ({"segmentation": [[1, 1, 20, 1]]}, "has 2 points; a polygon needs at least 3", "top.jpg"),
    "bad part": ({"segmentation": [[1, 1, 20, 1, 5, 20], [3, 3]]}, "polygon part 1 has 1 points", "top.jpg"),
    "rle garbage": ({"segmentation": _bad_rle()}, "invalid character '!'", "top.jpg"),
    "rle sum": ({"segmentation": {"size": [fx.H, fx.W], "counts": [5, 3]}}, "do not cover a 48x64 mask", "top.jpg"),
    "rle size": ({"segmentation": {"size": [0, 4], "counts": [0]}}, "RLE size [0, 4]", "top.jpg"),
    "rle empty": ({"segmentation": {"size": [2, 2], "counts": [4]}}, "the RLE mask is empty", "top.jpg"),
    "no segmentation": ({"segmentation": [], "bbox": None}, "has no segmentation and no bbox", "top.jpg"),
}


@pytest.mark.parametrize("case", list(BAD_ANNOTATIONS))
def test_bad_annotation_is_skipped_and_reported(tmp_path, case):
    change, message, image = BAD_ANNOTATIONS[case]
    data = fx.coco_dataset()
    bad = {"id": 99, "image_id": 0, "category_id": 0, "segmentation": [[1, 1, 20, 1, 5, 20]], "iscrowd": 0}
    bad.update(change)
    data["annotations"].insert(2, bad)
    path = _write(tmp_path, data, "bad.json")
    result = read_coco(path)
    assert len(result.problems) == 1, result.problems
    problem = result.problems[0]
    assert problem.kind == v.BAD_REGION and problem.file == str(path) and problem.image == image
    assert "annotation 99 (entry 2)" in problem.message and message in problem.message
    assert str(path) in str(problem)
    if image:
        assert problem.region == 1  # the second annotation of top.jpg in the file
    # the rest imports
    assert sum(len(im.regions) for im in result.project.images) == 5
    assert fx.normalised(project_to_coco(result.project)) == fx.normalised(fx.coco_dataset())


def test_bbox_only_annotation_becomes_an_editable_rect():
    data = fx.coco_dataset()
    data["annotations"].append(
        {"id": 50, "image_id": 7, "category_id": 0, "bbox": [3, 4, 10, 5], "iscrowd": 0, "area": 50, "segmentation": []}
    )
    project = read_coco(data).project
    region = project.images[1].regions[-1]
    assert region.shape == Rect(3.0, 4.0, 10.0, 5.0)
    ann = fx.annotation(project_to_coco(project), 50)
    assert ann["segmentation"] == [[3.0, 4.0, 13.0, 4.0, 13.0, 9.0, 3.0, 9.0]] and ann["area"] == 50.0


def test_duplicate_file_names_are_reported_and_merged():
    data = fx.coco_dataset()
    data["images"].append({"id": 20, "file_name": "top.jpg", "width": fx.W, "height": fx.H})
    data["annotations"].append(
        {"id": 60, "image_id": 20, "category_id": 0, "iscrowd": 0, "segmentation": [[1, 1, 9, 1, 9, 9]]}
    )
    result = read_coco(data, source="dup.json")
    assert [(p.kind, p.image, p.file) for p in result.problems] == [(v.DUPLICATE_IMAGE, "top.jpg", "dup.json")]
    assert "ids 0 and 20" in result.problems[0].message
    assert [im.filename for im in result.project.images] == ["top.jpg", "train/sub/b.png", fx.UNICODE_NAME]
    assert len(result.project.images[0].regions) == 3


def test_bad_images_and_categories_are_reported():
    data = fx.coco_dataset()
    data["images"].append({"id": 7, "file_name": "again.png"})
    data["images"].append({"file_name": "noid.png"})
    data["categories"].append({"id": 5, "name": "dupe"})
    data["categories"].append({"id": 9, "name": "gun"})
    data["annotations"].append({"id": 70, "image_id": 0, "category_id": 9, "segmentation": [[1, 1, 9, 1, 9, 9]]})
    result = read_coco(data, source="x.json")
    messages = [p.message for p in result.problems]
    assert messages == [
        "category id 5 is listed twice; the second ('dupe') is ignored",
        "category name 'gun' is used by two ids; they become one class",
        "image id 7 is listed twice; the second entry is ignored",
        "image entry 4 has no id or no file_name; skipped",
    ]
    assert result.project.class_names() == ["gun", "sword", "unused"]
    assert result.project.class_of(result.project.images[0].regions[-1]) == "gun"


def test_missing_image_files_are_reported(tmp_path):
    result = read_coco(fx.coco_dataset(), images=tmp_path)
    assert [(p.kind, p.image) for p in result.problems] == [
        (v.MISSING_IMAGE, "top.jpg"),
        (v.MISSING_IMAGE, "train/sub/b.png"),
        (v.MISSING_IMAGE, fx.UNICODE_NAME),
    ]


def test_rle_helpers_reject_what_pycocotools_would_misread():
    with pytest.raises(ValueError, match="ends in the middle"):
        mask_from_segmentation({"size": [2, 2], "counts": "o"})  # continuation bit set on the last char
    for rle in (fx.compressed_rle(fx.blob_mask()), fx.uncompressed_rle(fx.blob_mask())):
        np.testing.assert_array_equal(mask_from_segmentation(rle), fx.blob_mask())


def test_looks_like_coco():
    assert looks_like_coco(fx.coco_dataset())
    assert looks_like_coco({"images": [], "annotations": []})
    assert not looks_like_coco({"_via_img_metadata": {}})
    assert not looks_like_coco({"shapes": [], "imagePath": "a.jpg"})
    assert not looks_like_coco([{"images": []}])
