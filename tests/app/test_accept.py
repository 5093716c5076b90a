"""Accepting predictions (annotator.app.accept) and what the counts say (prediction_counts):
one object per instance, never a ring under 3 vertices, and words for an empty list."""

from __future__ import annotations

from dataclasses import dataclass, field

from annotator.app.accept import accept_edit
from annotator.app.prediction_counts import batch_message, count, next_list_reason
from annotator.model import AttributeDef, ImageRecord, MultiPolygon, Polygon, Project


@dataclass
class Inst:
    score: float
    class_name: str = "gun"
    polygons: list = field(default_factory=list)


SQUARE = [10, 10, 30, 10, 30, 30, 10, 30]


def project() -> Project:
    attrs = {"class": AttributeDef("class", "radio", options={"gun": "", "sword": ""})}
    return Project(
        images=[ImageRecord(filename="a.png", width=100, height=80)], region_attributes=attrs, class_attribute="class"
    )


def test_accepted_count_is_the_objects_added():
    p = project()
    key = p.images[0].key
    instances = [
        Inst(0.9, polygons=[SQUARE]),
        Inst(0.8, "sword", polygons=[SQUARE, [50, 50, 70, 50, 60, 75]]),  # one object in two parts
        Inst(0.7, polygons=[]),  # an empty mask: nothing to add
        Inst(0.6, polygons=[[1, 1, 5, 5]]),  # 2 vertices: not a polygon
    ]
    edit, ids = accept_edit(p, key, instances)
    edit.apply(p)
    regions = p.images[0].regions
    assert len(ids) == len(regions) == 2  # the two with outlines, one object each
    assert isinstance(regions[0].shape, Polygon)
    assert isinstance(regions[1].shape, MultiPolygon) and len(regions[1].shape.parts) == 2
    assert [p.class_of(r) for r in regions] == ["gun", "sword"]
    edit.revert(p)
    assert p.images[0].regions == []
    assert accept_edit(p, key, instances[2:]) == (None, [])


def test_outlines_are_clipped_to_the_image():
    p = project()
    edit, _ = accept_edit(p, p.images[0].key, [Inst(0.9, polygons=[[-5, -5, 120, 0, 120, 90]])])
    edit.apply(p)
    shape = p.images[0].regions[0].shape
    assert min(shape.xs) == 0 and max(shape.xs) == 100 and max(shape.ys) == 80


def test_an_empty_list_says_why():
    found = [Inst(0.41, polygons=[SQUARE]), Inst(0.2, polygons=[SQUARE])]
    counts = count(found, [], 0.83)
    assert counts.why_empty() == "No object at or above 0.83; best score 0.41 (2 below) — lower Min score?"
    assert count([], [], 0.5).why_empty() == "The model found nothing on this image."
    assert count(None, [], 0.5).why_empty() is None  # not predicted: nothing to explain
    empty_masks = [Inst(0.9), Inst(0.7), Inst(0.3, polygons=[SQUARE])]
    counts = count(empty_masks, empty_masks[:2], 0.5)
    assert counts.shown == 0 and counts.no_outline == 2 and counts.below == 1
    assert counts.why_empty() == (
        "2 at or above 0.50 with an empty mask (no outline to accept; train longer?); 1 below 0.50."
    )
    listed = count(found, found[:1], 0.3)
    assert listed.why_empty() is None and listed.footer() == "Not listed: 1 below 0.30."


def test_the_batch_message_says_how_many_were_predicted():
    results = {"a": [Inst(0.9, polygons=[SQUARE])], "b": [Inst(0.2, polygons=[SQUARE])], "c": []}
    keys = ["a", "b", "c"] + [f"x{i}" for i in range(37)]
    assert batch_message(results, keys, 0.5) == (
        "3 of 40 unlabelled images predicted; 37 to go (1 with an object at or above 0.50)."
    )
    assert batch_message(results, ["a", "b", "c"], 0.1) == (
        "3 of 3 unlabelled images predicted (2 with an object at or above 0.10)."
    )
    assert batch_message(results, [], 0.5).startswith("No unlabelled images")


def test_the_next_list_says_why_it_is_empty():
    assert next_list_reason(True, 0, 0, False).startswith("Nothing to rank")
    assert next_list_reason(False, 5, 0, False) == "5 unlabelled images, not ranked: no model to predict with yet."
    assert next_list_reason(True, 1, 0, False) == "1 unlabelled image, not ranked yet: click Predict unlabelled."
    assert "click Predict unlabelled" in next_list_reason(True, 5, 0, False)
    assert next_list_reason(True, 5, 0, True).startswith("Ranking once")
    assert next_list_reason(True, 5, 2, False) is None
