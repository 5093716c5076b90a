"""Recolouring and reordering classes (issue 25, item 1): model edits, undone exactly, kept in
the project file and in VIA's options / COCO's categories order."""

from __future__ import annotations

import copy
import json

import pytest

from annotator.io import load_project, save_project
from annotator.io.coco import project_to_coco
from annotator.io.via import to_via_project
from annotator.model import (
    AttributeDef,
    ImageRecord,
    KeepFirstClass,
    MoveClass,
    Polygon,
    Project,
    Region,
    SetClassColour,
    move_class,
    several_classes,
)


def _project() -> Project:
    square = Polygon.from_points([(1, 1), (20, 1), (20, 20), (1, 20)])
    image = ImageRecord("a.jpg", size=5, width=64, height=64)
    image.regions = [
        Region(square, {"kind": "gun"}),
        Region(square, {"kind": "sword"}),
        Region(square, {"kind": "axe"}),
    ]
    attrs = {"kind": AttributeDef("kind", "dropdown", options={"gun": "", "sword": ""})}  # axe only on a region
    project = Project(images=[image], region_attributes=attrs, class_attribute="kind")
    project.class_colours()  # (every class edit makes the colour table; compare from there)
    return project


def _state(project):
    return copy.deepcopy(
        (project.region_attributes, project.polymask, [r.attributes for _, r in project.iter_regions()])
    )


def test_moving_a_class_changes_the_order_everywhere_and_undoes_exactly():
    project = _project()
    before = _state(project)
    assert project.class_names() == ["gun", "sword", "axe"]
    edit = MoveClass("axe", 0)
    edit.apply(project)
    assert project.class_names() == ["axe", "gun", "sword"]
    assert list(project.class_def.options) == ["axe", "gun", "sword"]  # now an option, in VIA's order
    via = to_via_project(project)
    assert list(via["_via_attributes"]["region"]["kind"]["options"]) == ["axe", "gun", "sword"]
    assert [c["name"] for c in project_to_coco(project)["categories"]] == ["axe", "gun", "sword"]
    edit.revert(project)
    assert _state(project) == before


def test_move_class_steps_and_stops_at_the_ends():
    project = _project()
    assert move_class(project, "gun", -1) is None and move_class(project, "axe", 1) is None
    assert move_class(project, "nope", 1) is None
    edit = move_class(project, "gun", 1)
    edit.apply(project)
    assert project.class_names() == ["sword", "gun", "axe"]


def test_recolouring_is_kept_in_the_project_file_and_undone(tmp_path):
    project = _project()
    edit = SetClassColour("sword", "#FF8800")
    edit.apply(project)
    assert project.class_colours() == {"sword": "#ff8800"}
    path = save_project(project, tmp_path / "p.json")
    assert load_project(path).project.class_colours() == {"sword": "#ff8800"}
    assert json.loads(path.read_text())["_polymask"]["class_colours"] == {"sword": "#ff8800"}
    edit.revert(project)
    assert project.class_colours() == {}


@pytest.mark.parametrize("bad", ["orange", "#12345", "#ggg000"])
def test_a_colour_must_be_hex(bad):
    with pytest.raises(ValueError, match="#rrggbb"):
        SetClassColour("gun", bad).apply(_project())


def test_recolouring_a_class_that_does_not_exist_is_refused():
    with pytest.raises(ValueError, match="no class 'bow'"):
        SetClassColour("bow", "#000000").apply(_project())


def _checkbox_project() -> Project:
    square = Polygon.from_points([(1, 1), (20, 1), (20, 20), (1, 20)])
    image = ImageRecord("a.jpg", size=5)
    image.regions = [
        Region(square, {"name": {"sword": True, "gun": True}}),
        Region(square, {"name": {"sword": True}}),
        Region(square, {"name": ["sword", "gun"]}),  # some tools write checkbox values as lists
        Region(square, {"name": {}}),
    ]
    attrs = {"name": AttributeDef("name", "checkbox", options={"gun": "", "sword": ""})}
    project = Project(images=[image], region_attributes=attrs, class_attribute="name")
    project.class_colours()
    return project


def test_regions_with_several_classes_are_found_and_keep_the_first_in_one_undoable_step():
    project = _checkbox_project()
    first, plain, listed, empty = project.images[0].regions
    assert [(rid, ticked) for _, rid, ticked in several_classes(project)] == [
        (first.id, ["gun", "sword"]),
        (listed.id, ["gun", "sword"]),
    ]
    before = _state(project)
    edit = KeepFirstClass()
    edit.apply(project)
    assert first.attributes["name"] == {"gun": True} and listed.attributes["name"] == {"gun": True}
    assert plain.attributes["name"] == {"sword": True} and empty.attributes["name"] == {}
    assert several_classes(project) == [] and project.class_def.type == "checkbox"
    edit.revert(project)
    assert _state(project) == before


def test_a_text_class_attribute_has_no_order_to_change():
    project = _project()
    project.class_def.type = "text"  # VIA writes no options for text attributes
    assert move_class(project, "sword", -1) is None
