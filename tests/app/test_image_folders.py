"""What the image folders hold that the project does not list (and the reverse), the records
of files to add, and the lookups behind Go to image and next / previous unlabelled."""

from __future__ import annotations

from pathlib import Path

from annotator.app.image_folders import find_image, image_folders, new_records, relative_names, scan, unlabelled
from annotator.model import ImageRecord, Project, Rect, Region


def touch(path: Path, size: int = 10) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * size)
    return path


def project_over(root: Path, names: list[str]) -> Project:
    for n in names:
        touch(root / n)
    return Project(images=[ImageRecord(n, size=10) for n in names], path=root / "p.json", image_root=root)


def test_new_files_in_the_projects_folders_are_found_not_other_folders_or_other_files(tmp_path):
    root = tmp_path / "data"
    p = project_over(root, ["a.jpg", "sub/b.jpg"])
    touch(root / "c.JPG")
    touch(root / "sub/d.png")
    touch(root / "notes.txt")
    touch(root / ".hidden.jpg")
    touch(root / "runs/preview.png")  # a folder without project images is not looked into
    found = scan(p)
    assert image_folders(p) == ["", "sub"]
    assert found.new == ["c.JPG", "sub/d.png"]
    assert found.gone == []
    assert found.where(["c.JPG"]) == "data/" and found.where(found.new) == "2 folders"


def test_ignored_files_are_not_offered_and_vanished_files_are_named(tmp_path):
    root = tmp_path / "data"
    p = project_over(root, ["a.jpg", "b.jpg"])
    touch(root / "c.jpg")
    (root / "b.jpg").unlink()
    p.polymask.ignored_images = ["c.jpg"]
    found = scan(p)
    assert (found.new, found.gone) == ([], ["b.jpg"])


def test_new_records_read_sizes_now_and_skip_listed_and_vanished_names(tmp_path):
    root = tmp_path / "data"
    p = project_over(root, ["a.jpg"])
    touch(root / "n.jpg", size=1234)
    records = new_records(p, ["a.jpg", "n.jpg", "gone.jpg", "n.jpg"])
    assert [(r.filename, r.size) for r in records] == [("n.jpg", 1234)]
    assert records[0].key == "n.jpg1234"  # VIA's key: name + size


def test_chosen_files_outside_the_image_folder_are_told_apart(tmp_path):
    root = tmp_path / "data"
    p = project_over(root, ["a.jpg"])
    inside = touch(root / "sub/new.jpg")
    outside = touch(tmp_path / "elsewhere/x.jpg")
    not_image = touch(root / "readme.txt")
    assert relative_names(p, [str(inside), str(outside), str(not_image)]) == (
        ["sub/new.jpg"],
        [str(outside), str(not_image)],
    )


def test_unlabelled_skips_images_with_regions_or_done_and_wraps_round():
    p = Project(images=[ImageRecord(f"{i}.jpg", size=i) for i in range(5)])
    p.images[1].regions.append(Region(Rect(0, 0, 1, 1)))
    p.images[3].done = True
    assert unlabelled(p, 0, 1) == 2
    assert unlabelled(p, 2, 1) == 4
    assert unlabelled(p, 4, 1) == 0  # round to the start
    assert unlabelled(p, 2, -1) == 0
    assert unlabelled(p, 0, -1) == 4  # round to the end
    for im in p.images:
        im.done = True
    assert unlabelled(p, 0, 1) is None


def test_find_image_by_number_whole_name_base_name_or_a_unique_part():
    p = Project(images=[ImageRecord(n, size=1) for n in ["data/gun_01.jpg", "data/gun_02.jpg", "data/sword_01.jpg"]])
    assert find_image(p, "2") == (1, "")
    assert find_image(p, " data/SWORD_01.jpg ") == (2, "")
    assert find_image(p, "gun_02.jpg") == (1, "")
    assert find_image(p, "sword") == (2, "")
    assert find_image(p, "9") == (None, "There is no image 9: the project has 3 images")
    assert find_image(p, "gun") == (None, "2 images have 'gun' in their name: type more of it")
    assert find_image(p, "axe") == (None, "No image named 'axe'")
