"""Polymask's own data as a typed object: what this version knows is typed, the rest (a newer
version's keys, a run record's extra fields, a value of the wrong type) is written back as read.
Image sizes are learnt in one place and reach the next snapshot; a snapshot is the project as it
was, whatever is edited after it."""

from __future__ import annotations

import json

from annotator.io import load_project, save_project
from annotator.io.via import read_via
from annotator.model import Polygon, PolymaskData, Region, RunRecord, SnapshotCache
from tests.io.via_fixtures import tutorial_project


def test_unknown_keys_and_run_fields_survive_a_load_and_save(tmp_path):
    path = save_project(read_via(tutorial_project()).project, tmp_path / "polymask.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    data["_polymask"]["from_a_newer_version"] = {"x": [1, 2]}
    data["_polymask"]["split"] = {"a.jpg": "val"}
    data["_polymask"]["runs"] = [{"dir": "runs/a", "status": "finished", "seed_used": 7}]
    path.write_text(json.dumps(data), encoding="utf-8")
    project = load_project(path).project
    assert project.polymask.split == {"a.jpg": "val"}
    (run,) = project.polymask.runs
    assert run.dir == "runs/a" and run.status == "finished" and run.extra == {"seed_used": 7}
    save_project(project)
    again = json.loads(path.read_text(encoding="utf-8"))["_polymask"]
    assert again["from_a_newer_version"] == {"x": [1, 2]}
    assert again["runs"][0]["seed_used"] == 7 and again["runs"][0]["status"] == "finished"


def test_a_value_of_the_wrong_type_is_kept_as_read():
    data = PolymaskData.from_dict({"split": "all val", "runs": [{"dir": "a"}, 3]})
    assert data.split is None and data.runs == []
    assert data.to_dict()["split"] == "all val" and data.to_dict()["runs"] == [{"dir": "a"}, 3]


def test_a_run_record_reads_back_what_it_wrote():
    run = RunRecord(dir="runs/b", model="fast", status="stopped", metrics={"segm_AP": 0.4}, extra={"note": "x"})
    assert RunRecord.from_dict(run.to_dict()) == run


def test_a_learnt_size_reaches_the_next_snapshot_and_a_snapshot_keeps_its_state():
    project = read_via(tutorial_project()).project
    cache = SnapshotCache()
    im = project.images[0]
    first = project.snapshot(cache)
    assert project.learn_size(im, 640, 480) and not project.learn_size(im, 640, 480)
    second = project.snapshot(cache)  # nothing marked changed: only the learnt size says so
    assert (second.images[0].width, second.images[0].height) == (640, 480)
    assert first.images[0].width != 640
    im.regions.append(Region(shape=Polygon((1.0, 5.0, 5.0), (1.0, 1.0, 5.0))))
    project.polymask.runs.append(RunRecord(dir="runs/c"))
    assert len(second.images[0].regions) == len(im.regions) - 1 and second.polymask.runs == []
