"""JSON in and out: whatever is read can be written back, exactly."""

from __future__ import annotations

import json

import pytest

from annotator.io.jsonfile import copy_json, dumps_json, parse_json


@pytest.mark.parametrize("number", [2**64, 2**64 + 1, -(2**63) - 1, 10**30 + 7, 12345678901234567890123])
def test_integers_beyond_64_bits_are_read_exactly(number):
    """orjson reads them as floats (rounded); they must stay the integers they were."""
    assert parse_json(f'{{"v": [{number}]}}'.encode()) == {"v": [number]}


def test_a_long_run_of_digits_in_text_still_reads_correctly():
    assert parse_json(b'{"name": "1234567890123456789012345", "x": 1.5}') == {
        "name": "1234567890123456789012345",
        "x": 1.5,
    }


@pytest.mark.parametrize(
    "value",
    [
        {"big": 2**100, "neg": -(2**80)},
        {"name": "a\ud800b", "\udfff": 1},
        {"deep": json.loads("[" * 600 + "1" + "]" * 600)},  # orjson writes at most 255 levels
        {"mixed": [1.5, None, True, "é", {"k": [2**70]}]},
    ],
)
def test_what_orjson_cannot_write_is_written_as_valid_json(value):
    raw = dumps_json(value)
    assert parse_json(raw) == value
    assert json.loads(raw) == value  # the standard library reads it too


def test_non_finite_floats_are_written_as_null_on_both_paths():
    assert json.loads(dumps_json({"a": float("nan")})) == {"a": None}
    assert json.loads(dumps_json({"a": float("inf"), "b": 2**70})) == {"a": None, "b": 2**70}


def test_copy_json_copies_at_any_depth():
    deep: list = [{}]
    for _ in range(2999):
        deep = [deep]
    copied = copy_json({"x": deep})
    inner, original = copied["x"], deep
    for _ in range(3000):
        inner, original = inner[0], original[0]
    assert inner == {} and inner is not original
