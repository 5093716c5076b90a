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
