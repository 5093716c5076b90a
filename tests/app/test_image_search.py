"""Where images are found: the search the window and every command share (annotator.app)."""

from __future__ import annotations

import json
import os

import pytest

from annotator import io as pio
from annotator.app.image_search import locate_images

from ..real_photos import write_tutorial_layout

SMALL = ((64, 48),)


@pytest.mark.parametrize("layout, sub", [("weapons", "data"), ("balloon", "train")])
def test_images_in_a_sub_folder_beside_the_json_are_found(tmp_path, layout, sub):
    photos = write_tutorial_layout(tmp_path, layout, sizes=SMALL, n=3)
    project = pio.open_path(photos.json_path).project
    search = locate_images(project, near=tmp_path)
    assert (search.root, search.how) == (tmp_path / sub, "sub-folder")
    assert (search.found, search.total, search.missing) == (3, 3, [])


def test_the_folder_holding_most_listed_names_wins(tmp_path):
    photos = write_tutorial_layout(tmp_path, "balloon", sizes=SMALL, n=4)
    (tmp_path / "val").mkdir()
    os.link(photos.image_dir / "photo_000.jpg", tmp_path / "val" / "photo_000.jpg")  # val/ holds one of four
    project = pio.open_path(photos.json_path).project
    assert locate_images(project, near=tmp_path).root == tmp_path / "train"


def test_images_beside_the_file_come_before_sub_folders(tmp_path):
    photos = write_tutorial_layout(tmp_path, "weapons", sizes=SMALL, n=2)
    for p in photos.image_dir.iterdir():
        os.link(p, tmp_path / p.name)
    project = pio.open_path(photos.json_path).project
    search = locate_images(project, near=tmp_path)
    assert (search.root, search.how) == (tmp_path, "stored")  # the reader's folder: beside the file


def test_via_default_filepath_is_followed_relative_to_the_file(tmp_path):
    photos = write_tutorial_layout(tmp_path / "proj", "weapons", sizes=SMALL, n=2)
    (tmp_path / "photos").mkdir()
    photos.image_dir.rename(tmp_path / "photos" / "set1")  # three levels away: no sub-folder search finds it
    data = json.loads(photos.json_path.read_text())
    data["_via_settings"]["core"]["default_filepath"] = "../photos/set1/"
    photos.json_path.write_text(json.dumps(data))
    project = pio.open_path(photos.json_path).project
    search = locate_images(project, near=photos.json_path.parent)
    assert (search.how, search.found) == ("default_filepath", 2)
    assert search.root.resolve() == (tmp_path / "photos" / "set1").resolve()


def test_a_stored_folder_that_holds_the_images_is_kept(tmp_path):
    photos = write_tutorial_layout(tmp_path, "weapons", sizes=SMALL, n=2)
    project = pio.open_path(photos.json_path).project
    project.image_root = photos.image_dir
    search = locate_images(project, near=tmp_path)
    assert (search.root, search.how, search.looked_in) == (photos.image_dir, "stored", [str(photos.image_dir)])


def test_search_is_bounded_in_depth_and_says_where_it_looked(tmp_path):
    photos = write_tutorial_layout(tmp_path, "weapons", sizes=SMALL, n=2)
    deep = tmp_path / "a" / "b" / "c"
    deep.parent.mkdir(parents=True)
    photos.image_dir.rename(deep)
    project = pio.open_path(photos.json_path).project
    search = locate_images(project, near=tmp_path)
    assert (search.how, search.found, search.total) == ("not found", 0, 2)
    assert search.missing == ["photo_000.jpg", "photo_001.jpg"]
    assert "None of the 2 images were found" in search.summary() and "sub-folders" in search.summary()
    assert locate_images(project, near=tmp_path, depth=3).root == deep


def test_a_given_folder_is_used_even_when_images_are_missing(tmp_path):
    photos = write_tutorial_layout(tmp_path, "weapons", sizes=SMALL, n=2)
    project = pio.open_path(photos.json_path).project
    search = locate_images(project, near=tmp_path, given=tmp_path / "elsewhere")
    assert (search.root, search.how, search.found) == (tmp_path / "elsewhere", "given", 0)


def test_urls_are_not_looked_for(tmp_path):
    photos = write_tutorial_layout(tmp_path, "weapons", sizes=SMALL, n=2)
    project = pio.open_path(photos.json_path).project
    project.images[0].filename = "https://example.com/x.jpg"
    search = locate_images(project, near=tmp_path)
    assert (search.root, search.found, search.total) == (photos.image_dir, 1, 1)
