"""One project file per opened annotation file, found again on every open (annotator.app)."""

from __future__ import annotations

import json

import pytest

from annotator import io as pio
from annotator.app.project_location import open_for_editing, project_file_for
from annotator.io.errors import FormatError

from ..real_photos import write_tutorial_layout

SMALL = ((64, 48),)


def regions(project):
    return sum(len(im.regions) for im in project.images)


def save(opened):
    pio.save_project(opened.project)
    return opened.project.path


@pytest.mark.parametrize("layout, sub", [("weapons", "data"), ("balloon", "train")])
def test_first_open_imports_into_name_polymask_json_with_images_located(tmp_path, layout, sub):
    photos = write_tutorial_layout(tmp_path, layout, sizes=SMALL, n=3)
    opened = open_for_editing(photos.json_path)
    assert opened.created and opened.imported_from == photos.json_path
    assert opened.project.path == tmp_path / "via_region_data.polymask.json"
    assert opened.project.image_root == tmp_path / sub and opened.images.complete
    assert opened.project.polymask.source["file"] == "via_region_data.json"
    assert not opened.project.path.exists()  # nothing is written here; the caller saves


def test_reopening_the_annotation_file_returns_to_its_project_every_time(tmp_path):
    photos = write_tutorial_layout(tmp_path, "weapons", sizes=SMALL, n=3)
    total = regions(open_for_editing(photos.json_path).project)
    path = None
    for round_ in range(3):  # open, delete a region, save, three times over
        opened = open_for_editing(photos.json_path)
        assert opened.created == (round_ == 0)
        assert regions(opened.project) == total - round_
        assert opened.source_changed is None
        next(im for im in opened.project.images if im.regions).regions.pop()
        path = save(opened)
    assert path == project_file_for(photos.json_path)
    assert sorted(p.name for p in tmp_path.glob("*.json")) == ["via_region_data.json", "via_region_data.polymask.json"]
    again = open_for_editing(photos.json_path)
    assert regions(again.project) == total - 3
    assert again.project.image_root == photos.image_dir  # stored, found again without a search


def test_a_changed_source_is_reported_not_reimported(tmp_path):
    photos = write_tutorial_layout(tmp_path, "weapons", sizes=SMALL, n=2)
    opened = open_for_editing(photos.json_path)
    opened.project.images[0].regions.clear()
    save(opened)
    data = json.loads(photos.json_path.read_text())
    data["_via_settings"]["project"]["name"] = "changed in VIA"
    photos.json_path.write_text(json.dumps(data))
    again = open_for_editing(photos.json_path)
    assert not again.created and again.project.images[0].regions == []
    assert "via_region_data.json changed since it was imported" in again.source_changed


def test_the_same_bytes_with_a_new_mtime_are_not_a_change(tmp_path):
    photos = write_tutorial_layout(tmp_path, "weapons", sizes=SMALL, n=2)
    save(open_for_editing(photos.json_path))
    photos.json_path.write_bytes(photos.json_path.read_bytes())
    assert open_for_editing(photos.json_path).source_changed is None


def test_opening_the_folder_picks_up_its_annotation_file_then_its_project(tmp_path):
    photos = write_tutorial_layout(tmp_path, "weapons", sizes=SMALL, n=2)
    first = open_for_editing(tmp_path)
    assert first.created and first.imported_from == photos.json_path
    assert first.project.path == tmp_path / "via_region_data.polymask.json" and regions(first.project) == 3
    first.project.images[0].regions.clear()
    save(first)
    again = open_for_editing(tmp_path)
    assert not again.created and again.project.path == first.project.path
    assert regions(again.project) == 3 - len(photos.photos[0].objects)
    assert open_for_editing(photos.json_path).project.path == first.project.path


def test_a_folder_with_several_annotation_files_starts_its_own_project_and_says_so(tmp_path):
    photos = write_tutorial_layout(tmp_path, "weapons", sizes=SMALL, n=2)
    (photos.image_dir / "a.json").write_text(photos.json_path.read_text())
    (photos.image_dir / "b.json").write_text(photos.json_path.read_text())
    opened = open_for_editing(photos.image_dir)
    assert opened.created and opened.project.path == photos.image_dir / "polymask.json"
    assert regions(opened.project) == 0
    assert "a.json, b.json" in opened.notes[0]


def test_a_project_over_the_same_images_is_listed_before_a_second_is_made(tmp_path):
    photos = write_tutorial_layout(tmp_path, "weapons", sizes=SMALL, n=2)
    save(open_for_editing(photos.image_dir))  # a folder project over data/
    opened = open_for_editing(photos.json_path)
    assert opened.created and opened.others == [photos.image_dir / "polymask.json"]


def test_a_broken_project_file_is_an_error_and_never_replaced(tmp_path):
    photos = write_tutorial_layout(tmp_path, "weapons", sizes=SMALL, n=2)
    own = project_file_for(photos.json_path)
    own.write_text("{ broken")
    with pytest.raises(FormatError, match="via_region_data.polymask.json"):
        open_for_editing(photos.json_path)
    assert own.read_text() == "{ broken"


def test_a_project_file_opens_as_itself(tmp_path):
    photos = write_tutorial_layout(tmp_path, "weapons", sizes=SMALL, n=2)
    path = save(open_for_editing(photos.json_path))
    opened = open_for_editing(path)
    assert not opened.created and opened.project.path == path and opened.images.complete
    photos.json_path.write_text("{}")  # the source changed: said however the project is opened
    assert "changed since it was imported" in open_for_editing(path).source_changed


def test_a_symlinked_project_file_is_resolved_once_and_saved_through_to_its_target(tmp_path):
    # issue 23, item 4: saving replaced the link with a file (the target went stale) and
    # images were looked for beside the link.
    from PIL import Image

    from annotator.app.checked_save import save_checked
    from annotator.io.disk_state import read_state
    from annotator.io.native import save_project
    from annotator.model import ImageRecord, Project

    real = tmp_path / "real"
    real.mkdir()
    Image.new("RGB", (8, 6)).save(real / "a.png")
    save_project(Project(images=[ImageRecord(filename="a.png")]), real / "polymask.json")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    link = elsewhere / "polymask.json"
    link.symlink_to(real / "polymask.json")

    opened = open_for_editing(link)
    project = opened.project
    assert project.path == real / "polymask.json" and opened.link == link
    assert project.image_root == real and opened.images.complete
    project.images[0].done = True
    assert not save_checked(project, read_state(project.path)).error
    assert link.is_symlink() and link.resolve() == real / "polymask.json"
    assert open_for_editing(link).project.images[0].done
    assert not (elsewhere / "polymask.json.bak").exists()
