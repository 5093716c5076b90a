"""What of a project "Learn as I label" sends to the live trainer (annotator.app.live_feed), on a
generated project: done images join, edits replace targets, images that leave are removed,
accepted predictions count, a done image is finished once with its pre-label and time."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from annotator.app.accept import accept_edit
from annotator.app.live_feed import Finish, LiveFeed, Put, Remove, is_accept, next_to_label
from annotator.model import Polygon, SetDone, SetShape
from tests.ui.training_fixtures import make_project


@dataclass
class FakeInstance:
    polygons: list
    score: float
    class_name: str


@pytest.fixture
def project(tmp_path):
    return make_project(tmp_path / "p", n=4, unlabelled=2)


def test_done_images_join_edits_replace_targets_and_images_that_leave_are_removed(project):
    feed = LiveFeed(project)
    assert [c["name"] for c in feed.categories] == ["square", "disc"]
    keys = [im.key for im in project.images]
    assert feed.sync(keys, 0.0, initial=True) == [], "nothing is done yet"
    SetDone(keys[0], True).apply(project)
    project.images[1].done = True
    ops = feed.sync(keys, 0.0, initial=True)
    assert [type(op) for op in ops] == [Put, Put], "images done before learning are put, not finished"
    assert ops[0].image["id"] == 1 and ops[0].annotations[0]["category_id"] == 1
    assert ops[0].path.endswith("img_000.png")
    assert feed.sync(keys, 0.0) == [], "unchanged images are not sent again"
    region = project.images[0].regions[0]
    moved = Polygon(tuple(x + 1 for x in region.shape.xs), region.shape.ys)
    SetShape(keys[0], region.id, region.shape, moved).apply(project)
    (op,) = feed.sync([keys[0]], 0.0)
    assert isinstance(op, Put) and op.image["id"] == 1
    assert op.annotations[0]["segmentation"][0][0] == pytest.approx(moved.xs[0]), "the edit replaced its targets"
    SetDone(keys[1], False).apply(project)
    assert feed.sync([keys[1]], 0.0) == [Remove(2)]
    project.images.pop(0)  # an image that left the project
    assert feed.sync(feed.all_keys(), 0.0) == [Remove(1)]


def test_a_done_image_is_finished_once_with_its_prelabel_and_the_time_spent(project):
    feed = LiveFeed(project)
    key = project.images[4].key  # unlabelled
    feed.shown(key, 100.0)
    feed.prelabels[key] = [{"category_id": 1, "segmentation": [[0, 0, 10, 0, 10, 10, 0, 10]]}]
    project.images[4].done = True
    feed.shown(None, 112.5)
    (op,) = feed.sync([key], 200.0)
    assert isinstance(op, Finish) and op.seconds == pytest.approx(12.5) and op.predicted == feed.prelabels[key]
    assert op.annotations == [], "a done image without shapes is a negative"
    project.images[4].done = False
    project.images[4].done = True
    assert feed.sync([key], 201.0) == [], "finished once"


def test_accepted_predictions_join_the_set_and_new_classes_are_left_out(project):
    feed = LiveFeed(project)
    key = project.images[5].key
    edit, _ = accept_edit(project, key, [FakeInstance([[1, 1, 20, 1, 20, 20]], 0.9, "square")])
    assert edit is not None and is_accept(edit) and not is_accept(SetDone(key, True))
    edit.apply(project)
    assert feed.sync([key], 0.0) == []
    feed.accepted.add(key)
    (op,) = feed.sync([key], 0.0)
    assert isinstance(op, Put) and len(op.annotations) == 1
    edit, _ = accept_edit(project, key, [FakeInstance([[30, 30, 40, 30, 40, 40]], 0.9, "kite")])
    assert edit is not None
    edit.apply(project)
    assert feed.sync([key], 0.0) == [], "a class added after learning started is left out"
    assert feed.new_classes == {"kite"}


def test_prelabel_annotations_are_what_the_threshold_shows(tmp_path):
    feed = LiveFeed(make_project(tmp_path / "q", n=2, unlabelled=0))
    shown = feed.prelabel_annotations(
        [FakeInstance([[0, 0, 9, 0, 9, 9]], 0.9, "square"), FakeInstance([[0, 0, 5, 0, 5, 5]], 0.3, "square")], 0.5
    )
    assert [a["score"] for a in shown] == [0.9] and shown[0]["category_id"] == 1


def test_next_to_label_skips_done_images_and_wraps(project):
    keys = [im.key for im in project.images]
    for i in (1, 2):
        project.images[i].done = True
    assert next_to_label(project, keys[0]) == keys[3]
    assert next_to_label(project, keys[5]) == keys[0]
    for im in project.images:
        im.done = True
    assert next_to_label(project, keys[0]) is None
