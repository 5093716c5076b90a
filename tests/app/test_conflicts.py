"""Conflict detection and the per-image three-way merge (Qt-free)."""

from __future__ import annotations

import copy
import os

from annotator.app.conflicts import copy_path, merge, merge_projects, project_from, unchanged
from annotator.io.disk_state import read_state
from annotator.io.native import load_project, save_project, to_native
from annotator.model import ImageRecord, Project, Rect, Region


def project(tmp_path, n=3) -> Project:
    images = [ImageRecord(filename=f"img_{i}.png", size=100 + i, width=64, height=48) for i in range(n)]
    return Project(images=images, path=tmp_path / "polymask.json", image_root=tmp_path)


def native(p: Project) -> dict:
    return copy.deepcopy(to_native(p))


def add_rect(data: dict, index: int, x=1.0) -> str:
    key = list(data["_via_img_metadata"])[index]
    data["_via_img_metadata"][key]["regions"].append(
        {"shape_attributes": {"name": "rect", "x": x, "y": 2, "width": 3, "height": 4}, "region_attributes": {}}
    )
    return key


def test_changes_to_different_images_merge(tmp_path):
    base = native(project(tmp_path))
    theirs, mine = copy.deepcopy(base), copy.deepcopy(base)
    k_theirs = add_rect(theirs, 0)
    k_mine = add_rect(mine, 2)
    result = merge(base, theirs, mine)
    assert result.ok and result.conflicts == []
    assert result.from_theirs == [k_theirs] and result.from_mine == [k_mine]
    regions = {k: len(v["regions"]) for k, v in result.data["_via_img_metadata"].items()}
    assert regions == {k: (1 if k in (k_theirs, k_mine) else 0) for k in base["_via_img_metadata"]}
    assert result.data["_via_image_id_list"] == base["_via_image_id_list"]


def test_the_same_image_changed_on_both_sides_is_a_conflict_and_nothing_merges(tmp_path):
    base = native(project(tmp_path))
    theirs, mine = copy.deepcopy(base), copy.deepcopy(base)
    add_rect(theirs, 1, x=5)
    add_rect(mine, 1, x=9)
    add_rect(mine, 2)  # a change of mine elsewhere does not make the merge go ahead
    result = merge(base, theirs, mine)
    assert not result.ok
    assert result.conflicts == ["img_1.png"]


def test_identical_changes_and_learnt_sizes_do_not_conflict(tmp_path):
    p = project(tmp_path)
    p.images[1].width = p.images[1].height = None
    base = native(p)
    theirs, mine = copy.deepcopy(base), copy.deepcopy(base)
    key = add_rect(theirs, 0)
    add_rect(mine, 0)  # the same edit on both sides
    k1 = list(base["_via_img_metadata"])[1]
    theirs["_polymask"]["images"][k1] = {"width": 64, "height": 48, "done": False}  # they looked at image 1
    add_rect(mine, 1)  # I edited it
    result = merge(base, theirs, mine)
    assert result.ok, result.conflicts
    assert len(result.data["_via_img_metadata"][key]["regions"]) == 1
    assert result.data["_polymask"]["images"][k1]["width"] == 64


def test_added_and_deleted_images(tmp_path):
    base = native(project(tmp_path))
    theirs, mine = copy.deepcopy(base), copy.deepcopy(base)
    gone = list(base["_via_img_metadata"])[0]
    del theirs["_via_img_metadata"][gone]
    theirs["_via_image_id_list"].remove(gone)
    theirs["_via_img_metadata"]["new.png9"] = {"filename": "new.png", "size": 9, "regions": [], "file_attributes": {}}
    theirs["_via_image_id_list"].append("new.png9")
    result = merge(base, theirs, mine)
    assert result.ok
    assert list(result.data["_via_img_metadata"]) == [*base["_via_image_id_list"][1:], "new.png9"]
    # deleted there, edited here: a conflict, not a silent loss of my edit
    add_rect(mine, 0)
    assert merge(base, theirs, mine).conflicts == ["img_0.png"]


def test_project_settings_merge_per_key(tmp_path):
    base = native(project(tmp_path))
    theirs, mine = copy.deepcopy(base), copy.deepcopy(base)
    theirs["_polymask"]["runs"] = [{"dir": "runs/a"}]
    mine["_polymask"]["class_colours"] = {"cat": "#ff0000"}
    result = merge(base, theirs, mine)
    assert result.ok
    assert result.data["_polymask"]["runs"] == [{"dir": "runs/a"}]
    assert result.data["_polymask"]["class_colours"] == {"cat": "#ff0000"}
    mine["_polymask"]["runs"] = [{"dir": "runs/b"}]
    assert merge(base, theirs, mine).conflicts == ["project setting 'runs'"]


def test_merge_projects_from_files_gives_a_loadable_project(tmp_path):
    p = project(tmp_path)
    save_project(p)
    base = read_state(p.path)
    theirs = load_project(p.path).project
    theirs.images[0].regions.append(Region(Rect(1, 2, 3, 4)))
    save_project(theirs)
    p.images[2].regions.append(Region(Rect(5, 6, 7, 8)))  # mine, in memory
    result = merge_projects(base.data, read_state(p.path).data, p)
    assert result.ok
    merged = project_from(result.data, p)
    assert [len(im.regions) for im in merged.images] == [1, 0, 1]
    assert merged.path == p.path and merged.images[0].width == 64


def test_unchanged_sees_other_writers_but_not_a_touch(tmp_path):
    p = project(tmp_path)
    save_project(p)
    state = read_state(p.path)
    assert unchanged(state, p.path)
    os.utime(p.path, ns=(state.mtime_ns + 5_000_000_000,) * 2)  # touched, same bytes
    assert unchanged(state, p.path)
    other = load_project(p.path).project
    other.images[0].done = True
    save_project(other)
    assert not unchanged(state, p.path)
    assert not unchanged(None, p.path)  # a file appeared where we expected none
    p.path.unlink()
    assert unchanged(state, p.path)  # deleted: writing it again loses nothing


def test_copy_path_never_overwrites(tmp_path):
    path = tmp_path / "polymask.json"
    first = copy_path(path, "theirs")
    first.write_text("{}")
    second = copy_path(path, "theirs")
    assert first.name.startswith("polymask.theirs-") and first.suffix == ".json"
    assert second != first and not second.exists()
