"""Which unlabelled image to label next (annotator.app.uncertainty)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from annotator.app.uncertainty import image_uncertainty, order_by_uncertainty


def scored(*scores: float) -> list:
    return [SimpleNamespace(score=s) for s in scores]


def test_uncertainty_orders_borderline_first():
    preds = {"sure": scored(0.98, 0.02), "coin": scored(0.5), "empty": [], "mid": scored(0.7)}
    assert image_uncertainty([0.5]) == pytest.approx(1.0)
    assert image_uncertainty([]) == 0.5
    assert [k for k, _ in order_by_uncertainty(preds, ["sure", "coin", "empty", "mid"])] == [
        "coin",
        "mid",
        "empty",
        "sure",
    ]


def test_scores_below_the_floor_count_as_nothing_seen():
    assert image_uncertainty([0.01, 0.02]) == 0.5
