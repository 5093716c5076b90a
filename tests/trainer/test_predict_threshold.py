"""Reading the score threshold a run suggests from its folder (issue 12, item 5, the window's side)."""

from __future__ import annotations

import json

from trainer.evaluation.suggested_threshold import suggested_threshold


def test_found_in_summary_metrics_or_the_newest_log_record(tmp_path):
    ck = tmp_path / "best.pth"
    assert suggested_threshold(ck) is None  # a run folder with nothing recorded
    (tmp_path / "metrics.jsonl").write_text(
        json.dumps({"kind": "epoch", "score_threshold": 0.4})
        + "\n"
        + json.dumps({"kind": "finished", "summary": {"score_threshold": 0.35}})
        + "\n"
        + '{"kind": "step", "score_thresh'  # a live run's torn last line
    )
    assert suggested_threshold(ck) == 0.35
    (tmp_path / "metrics.json").write_text(json.dumps({"score_threshold": 0.3}))
    assert suggested_threshold(ck) == 0.3
    (tmp_path / "summary.json").write_text(json.dumps({"best": {"score_threshold": 0.2}}))
    assert suggested_threshold(ck) == 0.2


def test_values_that_are_not_scores_are_ignored(tmp_path):
    ck = tmp_path / "last.pth"
    (tmp_path / "summary.json").write_text(json.dumps({"score_threshold": 1.7}))
    (tmp_path / "metrics.json").write_text("{not json")
    (tmp_path / "metrics.jsonl").write_text(json.dumps({"score_threshold": True}) + "\n")
    assert suggested_threshold(ck) is None
