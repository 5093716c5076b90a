"""Property-based round trips: VIA -> project -> VIA and COCO -> project -> COCO keep
unknown keys of any name (coco_url, labelme..., lone surrogates) and integers of any
size exactly; labelme -> project -> labelme keeps every shape, group, flag and unknown key. tests/benchmarks/roundtrip_bench.py runs the same checks thousands of times."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from .labelme_strategies import labelme_file, labelme_round_trip
from .roundtrip_strategies import coco_file, coco_round_trip, via_file, via_round_trip

FEW = settings(
    max_examples=50,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@FEW
@given(via_file())
def test_via_round_trip_keeps_everything(data):
    assert via_round_trip(data) == []


@FEW
@given(coco_file())
def test_coco_round_trip_keeps_everything(data):
    assert coco_round_trip(data) == []


@FEW
@given(labelme_file())
def test_labelme_round_trip_keeps_everything(data):
    """Every shape type (labelme 7's included), groups across types, flags, descriptions and
    unknown keys survive labelme -> project -> labelme (issue 27)."""
    assert labelme_round_trip(data) == []


def test_via_keys_named_like_other_formats_and_big_integers_survive(tmp_path):
    """The cases the issue names, spelled out: VIA's own coco_url, a labelme key, 2**53 + 1."""
    data = {
        "a.jpg12": {
            "filename": "a.jpg",
            "size": 2**64 + 3,
            "coco_url": "http://images.cocodataset.org/a.jpg",
            "labelme_note": {"n": 2**70},
            "regions": [
                {
                    "shape_attributes": {
                        "name": "polygon",
                        "all_points_x": [2**53 + 1, 5, 9],
                        "all_points_y": [0, 2**60 + 7, 3],
                    },
                    "region_attributes": {"class": "cat"},
                    "coco_id": 2**63 + 1,
                    "labelme": {"group_id": 3},
                }
            ],
            "file_attributes": {},
        }
    }
    assert via_round_trip(data) == []
