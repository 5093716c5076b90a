"""The pre-flight check before training (annotator.app.preflight): what to fix, in words."""

from __future__ import annotations

from annotator.app.preflight import preflight
from annotator.model import Polygon, Region
from tests.ui.training_fixtures import make_project


def test_preflight_says_what_to_fix(tmp_path):
    project = make_project(tmp_path / "p", n=4, unlabelled=1)
    assert preflight(project) == []
    for im in project.images:
        im.regions.clear()
    assert [i.kind for i in preflight(project)] == ["no-annotations"]
    project = make_project(tmp_path / "q", n=4, unlabelled=0)
    project.images[0].regions.append(Region(shape=Polygon.from_points([(1, 1), (9, 1), (9, 9)]), attributes={}))
    project.region_attributes["class"].options["triangle"] = ""
    (tmp_path / "q" / project.images[1].filename).unlink()
    kinds = {i.kind: i for i in preflight(project)}
    assert set(kinds) == {"no-class", "empty-class", "missing-images"}
    assert "triangle" in kinds["empty-class"].message
    assert project.images[1].filename in kinds["missing-images"].message


def test_no_project_is_one_blocking_issue():
    assert [(i.kind, i.blocking) for i in preflight(None)] == [("no-project", True)]


def test_data_notes_name_tiny_objects_empty_images_and_scarce_classes_without_blocking(tmp_path):
    from annotator.app.preflight import data_notes

    project = make_project(tmp_path / "p", n=12, unlabelled=0)
    assert data_notes(project) == []  # 64-px images at a 320-px input: nothing small, 6 of each class
    sliver = Region(shape=Polygon.from_points([(1, 1), (60, 1), (60, 1.5), (1, 1.5)]), attributes={"class": "disc"})
    project.images[0].regions.append(sliver)  # 0.5 px tall: 2.5 px at 320 px
    project.images[1].regions.clear()
    project.images[1].done = True
    project.region_attributes["class"].options["rare"] = ""
    project.images[2].regions[0].attributes["class"] = "rare"
    notes = {i.kind: i for i in data_notes(project)}
    assert set(notes) == {"tiny-objects", "no-objects", "few-objects"}
    assert not any(i.blocking for i in notes.values())
    assert notes["tiny-objects"].images == [project.images[0].filename]
    assert notes["no-objects"].images == [project.images[1].filename]
    assert "'rare' (1)" in notes["few-objects"].message
    assert data_notes(project, input_size=(1280, 1280))[0].kind == "no-objects"  # 10 px at 1280: not tiny
