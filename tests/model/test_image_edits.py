"""The image list's edits (add, remove from the project, ignore a file) and the drawing order
(bring to front / send to back): each undone exactly, and the typed project data that keeps
the image shown, the brush size and the ignored files across a save and a load."""

from __future__ import annotations

import copy

import pytest

from annotator.io.native import load_project, save_project
from annotator.model import AddImages, IgnoreImages, ImageRecord, Project, Rect, Region, RemoveImages, RestackRegions


def project_of(*names: str) -> Project:
    return Project(images=[ImageRecord(n, size=100 + i) for i, n in enumerate(names)])


def listing(project):
    return [im.filename for im in project.images], list(project.polymask.ignored_images)


def test_remove_takes_images_out_keeps_their_regions_for_undo_and_ignores_their_names():
    p = project_of("a.jpg", "b.jpg", "c.jpg")
    b = p.images[1]
    b.regions.append(Region(Rect(1, 2, 3, 4)))
    before = copy.deepcopy(listing(p))
    edit = RemoveImages([b.key])
    edit.apply(p)
    assert listing(p) == (["a.jpg", "c.jpg"], ["b.jpg"])
    assert edit.scope().project
    edit.revert(p)
    assert listing(p) == before
    assert p.images[1] is b and len(b.regions) == 1  # the same record, regions and all


def test_add_appends_and_unignores_and_undo_restores_the_ignored_list():
    p = project_of("a.jpg")
    IgnoreImages(["new.jpg", "other.jpg"]).apply(p)
    edit = AddImages([ImageRecord("new.jpg", size=7)])
    edit.apply(p)
    assert listing(p) == (["a.jpg", "new.jpg"], ["other.jpg"])
    edit.revert(p)
    assert listing(p) == (["a.jpg"], ["other.jpg", "new.jpg"])


def test_adding_an_image_already_listed_is_refused_and_changes_nothing():
    p = project_of("a.jpg")
    with pytest.raises(ValueError, match="a.jpg is in the project already"):
        AddImages([ImageRecord("a.jpg", size=100)]).apply(p)
    assert listing(p) == (["a.jpg"], [])


def test_ignore_twice_is_one_entry_and_undo_takes_off_only_what_it_added():
    p = project_of("a.jpg")
    first = IgnoreImages(["x.jpg"])
    first.apply(p)
    second = IgnoreImages(["x.jpg", "y.jpg"])
    second.apply(p)
    assert p.polymask.ignored_images == ["x.jpg", "y.jpg"]
    second.revert(p)
    assert p.polymask.ignored_images == ["x.jpg"]


@pytest.mark.parametrize("to_front, order", [(True, ["r0", "r2", "r1"]), (False, ["r1", "r0", "r2"])])
def test_restack_moves_the_selected_regions_to_the_end_or_start_and_undo_restores(to_front, order):
    p = project_of("a.jpg")
    im = p.images[0]
    im.regions = [Region(Rect(i, i, 5, 5), {"n": f"r{i}"}) for i in range(3)]
    edit = RestackRegions(im.key, [im.regions[1].id], to_front)
    edit.apply(p)
    assert [r.attributes["n"] for r in im.regions] == order
    edit.revert(p)
    assert [r.attributes["n"] for r in im.regions] == ["r0", "r1", "r2"]


def test_the_image_shown_the_brush_and_ignored_files_survive_save_and_load(tmp_path):
    p = project_of("a.jpg", "b.jpg")
    p.path = tmp_path / "polymask.json"
    p.image_root = tmp_path
    p.polymask.current_image = "b.jpg"
    p.polymask.brush_radius = 25.0
    p.polymask.ignored_images = ["junk.png"]
    save_project(p)
    again = load_project(p.path).project.polymask
    assert (again.current_image, again.brush_radius, again.ignored_images) == ("b.jpg", 25.0, ["junk.png"])


def test_a_malformed_remembered_value_is_kept_as_read_not_used(tmp_path):
    p = project_of("a.jpg")
    p.path = tmp_path / "polymask.json"
    p.polymask.extra["brush_radius"] = "big"  # as another tool might write it
    save_project(p)
    again = load_project(p.path).project.polymask
    assert again.brush_radius is None and again.extra["brush_radius"] == "big"


def test_the_undo_texts_count_images_in_the_right_number():
    one, two = ImageRecord("a.jpg", size=1), ImageRecord("b.jpg", size=1)
    assert AddImages([one]).text == "Add 1 image"
    assert AddImages([one, two]).text == "Add 2 images"
    assert RemoveImages([one.key, two.key]).text == "Remove 2 images from the project"
    assert IgnoreImages(["c.jpg"]).text == "Ignore 1 new image"
