"""Coordinates are written to 0.01 px, integers stay integers (issue 25, item 6)."""

from __future__ import annotations

import json

from annotator.io import load_project, save_project
from annotator.io.numbers import coordinate_out
from annotator.io.via import read_via
from annotator.model import AttributeDef, ImageRecord, MultiPolygon, Polygon, Project, Region

from .file_grid import on_file_grid


def _project(*shapes) -> Project:
    image = ImageRecord("a.jpg", size=10, width=500, height=400)
    image.regions = [Region(s, {"class": "gun"}) for s in shapes]
    attrs = {"class": AttributeDef("class", "radio", options={"gun": ""})}
    return Project(images=[image], region_attributes=attrs, class_attribute="class")


def _points(path):
    data = json.loads(path.read_text(encoding="utf-8"))
    (image,) = data["_via_img_metadata"].values()
    return [(r["shape_attributes"]["all_points_x"], r["shape_attributes"]["all_points_y"]) for r in image["regions"]]


def test_coordinate_out_rounds_to_a_hundredth_and_keeps_integers():
    assert coordinate_out(12.345678) == 12.35
    assert coordinate_out(7) == 7 and type(coordinate_out(7)) is int
    assert coordinate_out(10.0) == 10 and type(coordinate_out(10.0)) is int
    assert coordinate_out(3.999) == 4 and type(coordinate_out(3.999)) is int
    assert coordinate_out(2**60) == 2**60  # big integers stay exact


def test_a_brushed_outline_is_saved_to_a_hundredth_and_reads_back_on_that_grid(tmp_path):
    brushed = Polygon((10.123456789, 200.987654321, 150.5), (20.000000001, 40.33333333, 300.126))
    path = save_project(_project(brushed), tmp_path / "p.json")
    assert _points(path) == [([10.12, 200.99, 150.5], [20, 40.33, 300.13])]
    assert "10.123" not in path.read_text(encoding="utf-8")
    again = load_project(path).project
    assert again.images[0].regions[0].shape == on_file_grid(brushed)


def test_a_file_of_integers_stays_a_file_of_integers(tmp_path):
    via = {
        "a.jpg10": {
            "filename": "a.jpg",
            "size": 10,
            "regions": {
                "0": {
                    "shape_attributes": {"name": "polygon", "all_points_x": [1, 50, 9], "all_points_y": [2, 3, 40]},
                    "region_attributes": {"class": "gun"},
                }
            },
            "file_attributes": {},
        }
    }
    path = save_project(read_via(via).project, tmp_path / "p.json")
    ((xs, ys),) = _points(path)
    assert (xs, ys) == ([1, 50, 9], [2, 3, 40]) and all(type(v) is int for v in xs + ys)


def test_holes_survive_the_rounding(tmp_path):
    outer = Polygon((0.001, 100.004, 100.0, 0.0), (0.0, 0.0, 80.126, 80.0))
    hole = Polygon((20.333, 40.666, 30.5), (20.111, 20.999, 50.555))
    holed = MultiPolygon(((outer, (hole,)), (Polygon((200.0, 260.0, 230.0), (10.0, 10.0, 60.0)), ())))
    again = load_project(save_project(_project(holed), tmp_path / "p.json")).project
    shape = again.images[0].regions[0].shape
    assert isinstance(shape, MultiPolygon) and shape.parts[0][1], "the hole was lost"
    assert shape == on_file_grid(holed)
