"""One rule for a class's colour (annotator.ui.theme), used by the class panel, the
prediction overlay and the training previews."""

from __future__ import annotations

from annotator.model import AttributeDef, Project
from annotator.ui.theme import CLASS_PALETTE, NO_CLASS_COLOUR, class_colour, class_colours


def project_with(*names: str) -> Project:
    attrs = {"class": AttributeDef("class", "radio", options=dict.fromkeys(names, ""))}
    return Project(images=[], region_attributes=attrs, class_attribute="class")


def test_a_class_has_the_colour_the_class_panel_shows():
    project = project_with("cat", "dog")
    project.class_colours()["dog"] = "#123456"
    assert {n: class_colour(project, n) for n in ("cat", "dog")} == class_colours(project)
    assert class_colour(project, "dog") == "#123456" and class_colour(project, "cat") == CLASS_PALETTE[0]


def test_a_name_the_project_lacks_takes_the_next_free_colour_and_none_is_grey():
    project = project_with("cat")
    assert class_colour(project, "bird") == CLASS_PALETTE[1]
    assert class_colour(project, None) == NO_CLASS_COLOUR
    assert class_colour(None, "bird") == CLASS_PALETTE[0]
