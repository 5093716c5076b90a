import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.io import FormatError, open_path, read_file
from annotator.io.via import image_metadata, read_via, to_via_project
from annotator.model import DEFAULT_CLASS, Ellipse, Point, Polyline, Rect
from annotator.model.attributes import AmbiguousClass

from .via_fixtures import tutorial_project, via1_balloon, via2_annotations


def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_via1_balloon_dict_regions_and_default_class(tmp_path):
    result = read_file(write(tmp_path, "via_region_data.json", via1_balloon()))
    assert result.format == "via"
    project = result.project
    assert [im.filename for im in project.images] == ["24631331976_defa3bb61f_k.jpg", "16335852991_f55de7958d_k.jpg"]
    assert len(project.images[0].regions) == 2 and project.images[1].regions == []
    assert project.class_names() == [DEFAULT_CLASS]
    assert project.class_of(project.images[0].regions[0]) == DEFAULT_CLASS
    # the repeated closing vertex carries nothing: four distinct points remain
    assert len(project.images[0].regions[0].shape.outline()) == 4
    # VIA 1.x keys that VIA 2 dropped survive
    assert project.images[0].extra == {"fileref": "", "base64_img_data": ""}


def test_tutorial_project_checkbox_classes_and_polylines(tmp_path):
    result = read_file(write(tmp_path, "via_project.json", tutorial_project()))
    project = result.project
    assert result.format == "via-project"
    assert project.class_attribute == "name"
    assert project.class_names() == ["gun", "sword"]
    # _via_image_id_list decides the order
    assert [im.filename for im in project.images] == ["sword2.jpg", "gun1.jpg"]
    gun = project.images[1].regions[0]
    assert isinstance(gun.shape, Polyline) and gun.shape.has_area
    assert project.class_of(gun) == "gun"
    sword_regions = project.images[0].regions
    assert isinstance(sword_regions[0].shape, Rect)
    with pytest.raises(AmbiguousClass):
        project.class_of(sword_regions[0])
    with pytest.raises(AmbiguousClass):
        project.class_of(sword_regions[1])
    assert isinstance(sword_regions[2].shape, Ellipse) and sword_regions[2].shape.theta == 0.5
    assert isinstance(sword_regions[3].shape, Point)
    assert {a.type for a in project.region_attributes.values()} == {"checkbox", "radio", "dropdown", "text", "image"}


def test_ambiguous_regions_are_listed_not_guessed(tmp_path, capsys):
    from annotator.model import project_problems

    project = read_file(write(tmp_path, "p.json", tutorial_project())).project
    kinds = [(p.image, p.region, p.kind) for p in project_problems(project)]
    assert ("sword2.jpg", 0, "ambiguous-class") in kinds
    assert ("sword2.jpg", 1, "ambiguous-class") in kinds


def test_class_attribute_can_be_named(tmp_path):
    project = read_file(write(tmp_path, "p.json", tutorial_project()), class_attribute="colour").project
    assert project.class_attribute == "colour"
    with pytest.raises(FormatError, match="no region attribute named 'nope'"):
        read_file(write(tmp_path, "q.json", tutorial_project()), class_attribute="nope")


def test_via2_annotations_only_infers_attribute_types(tmp_path):
    project = read_file(write(tmp_path, "a.json", via2_annotations())).project
    assert project.region_attributes["class"].type == "text"
    assert project.region_attributes["occluded"].type == "checkbox"
    assert project.class_attribute == "class"
    assert project.class_names() == ["cat"]


def test_project_round_trip_loses_nothing():
    data = tutorial_project()
    again = to_via_project(read_via(json.loads(json.dumps(data))).project)
    assert again == data


def test_annotations_round_trip_loses_nothing():
    data = via2_annotations()
    assert image_metadata(read_via(json.loads(json.dumps(data))).project) == data


def test_via1_converts_to_via2_with_same_content():
    project = read_via(via1_balloon()).project
    out = image_metadata(project)
    key = "24631331976_defa3bb61f_k.jpg668058"
    assert out[key]["regions"][1] == via1_balloon()[key]["regions"]["1"]
    assert isinstance(out[key]["regions"], list)


coord = st.integers(-50, 5000) | st.floats(-50, 5000, allow_nan=False).map(lambda v: round(v, 2))  # files hold 0.01 px


@st.composite
def via_regions(draw):
    kind = draw(st.sampled_from(["polygon", "polyline", "rect", "circle", "ellipse", "point"]))
    if kind in ("polygon", "polyline"):
        n = draw(st.integers(3, 12))
        shape = {
            "name": kind,
            "all_points_x": draw(st.lists(coord, min_size=n, max_size=n)),
            "all_points_y": draw(st.lists(coord, min_size=n, max_size=n)),
        }
    elif kind == "rect":
        shape = {
            "name": kind,
            "x": draw(coord),
            "y": draw(coord),
            "width": draw(coord.filter(lambda v: v >= 0)),
            "height": draw(coord.filter(lambda v: v >= 0)),
        }
    elif kind == "circle":
        shape = {"name": kind, "cx": draw(coord), "cy": draw(coord), "r": draw(coord)}
    elif kind == "ellipse":
        shape = {"name": kind, "cx": draw(coord), "cy": draw(coord), "rx": draw(coord), "ry": draw(coord)}
    else:
        shape = {"name": kind, "cx": draw(coord), "cy": draw(coord)}
    attrs = draw(st.fixed_dictionaries({"name": st.sampled_from(["a", "b", "ünï"])}))
    return {"shape_attributes": shape, "region_attributes": attrs}


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.text(min_size=1, max_size=12).filter(lambda s: s.strip()),
            st.integers(0, 10**7),
            st.lists(via_regions(), max_size=5),
        ),
        max_size=6,
        unique_by=lambda t: t[0],
    )
)
def test_any_via2_annotations_round_trip(images):
    data = {
        f"{name}{size}": {"filename": name, "size": size, "regions": regions, "file_attributes": {}}
        for name, size, regions in images
    }
    assert image_metadata(read_via(json.loads(json.dumps(data))).project) == data


# ---- bad input ------------------------------------------------------------------------
def test_malformed_json_names_the_file(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"a": [1, 2', encoding="utf-8")
    with pytest.raises(FormatError, match=r"broken.json: is not valid JSON: .* line 1"):
        read_file(path)


def test_wrong_top_level_type(tmp_path):
    with pytest.raises(FormatError, match="list.json: is not a VIA, COCO or labelme file"):
        read_file(write(tmp_path, "list.json", [1, 2, 3]))


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(FormatError, match="nowhere.json: does not exist"):
        open_path(tmp_path / "nowhere.json")


def test_bad_regions_are_skipped_and_listed(tmp_path):
    good = {
        "shape_attributes": {"name": "polygon", "all_points_x": [0, 5, 5], "all_points_y": [0, 0, 5]},
        "region_attributes": {},
    }
    bad = [
        {"shape_attributes": {"name": "polygon", "all_points_x": [0, 5, 5], "all_points_y": [0, 5]}},
        {"shape_attributes": {"name": "polygon", "all_points_x": [0, "x", 5], "all_points_y": [0, 5, 5]}},
        {"shape_attributes": {"name": "polygon", "all_points_x": [0, math.nan, 5], "all_points_y": [0, 5, 5]}},
        {"shape_attributes": {"name": "hexagon"}},
        {"shape_attributes": {"name": "rect", "x": 1}},
        "not a region",
    ]
    data = {"img_é.jpg10": {"filename": "img_é.jpg", "size": 10, "regions": [good, *bad], "file_attributes": {}}}
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data), encoding="utf-8")  # json writes NaN as NaN, as some tools do
    before = path.read_bytes()
    result = read_file(path)
    assert len(result.project.images[0].regions) == 1
    messages = [str(p) for p in result.problems]
    assert len(messages) == len(bad)
    assert all("bad.json" in m and "img_é.jpg" in m for m in messages)
    assert "all_points_x has 3 values but all_points_y has 2" in messages[0]
    assert "region 2" in messages[1] and "not a number" in messages[1]
    assert "not a finite number" in messages[2]
    assert "unknown shape 'hexagon'" in messages[3]
    assert "rect is missing y, width, height" in messages[4]
    assert path.read_bytes() == before  # input never modified


def test_negative_coordinates_are_imported_and_listed(tmp_path):
    data = {
        "a.jpg1": {
            "filename": "a.jpg",
            "size": 1,
            "file_attributes": {},
            "regions": [
                {
                    "shape_attributes": {"name": "polygon", "all_points_x": [-5, 5, 5], "all_points_y": [0, 0, 5]},
                    "region_attributes": {},
                }
            ],
        }
    }
    from annotator.model import project_problems

    project = read_file(write(tmp_path, "neg.json", data)).project
    project.images[0].width, project.images[0].height = (10, 10)
    assert [p.kind for p in project_problems(project)] == ["outside-image"]
