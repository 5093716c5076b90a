"""The score threshold a run suggests for predicting (chosen on its validation set), read from
the run folder's files without torch, so the window can start its score slider there.

Looked for as a ``score_threshold`` number in 0..1, at the top level of a record or one level
down (e.g. ``{"summary": {"score_threshold": 0.3}}``): in summary.json, then metrics.json, then
the newest metrics.jsonl record holding one. Runs that recorded none give None."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

KEY = "score_threshold"


def suggested_threshold(checkpoint: str | os.PathLike) -> float | None:
    """The suggestion of the run whose folder holds ``checkpoint``, or None."""
    run = Path(checkpoint).parent
    for name in ("summary.json", "metrics.json"):
        found = _in_record(_read_json(run / name))
        if found is not None:
            return found
    try:
        lines = (run / "metrics.jsonl").read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    for line in reversed(lines):
        if KEY in line:  # most lines are steps: parse only the candidates
            found = _in_record(_parse(line))
            if found is not None:
                return found
    return None


def _read_json(path: Path) -> Any:
    try:
        return _parse(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return None


def _parse(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:  # a torn last line of a live run, or a hand-edited file
        return None


def _in_record(record: Any) -> float | None:
    if not isinstance(record, dict):
        return None
    for value in [record.get(KEY)] + [v.get(KEY) for v in record.values() if isinstance(v, dict)]:
        if isinstance(value, (int, float)) and not isinstance(value, bool) and 0.0 <= value <= 1.0:
            return float(value)
    return None


POOR_F1 = 0.3  # below this F1 on the validation images, the model misses or invents most objects


def poor_fit_note(choice: Any) -> str | None:
    """In words, when a run's best validation F1 (``score_threshold_choice`` in summary.json) is poor:
    "this model finds 4 of 50 validation objects (F1 0.08); label more images or train longer"."""
    if not isinstance(choice, dict) or not isinstance(choice.get("f1"), (int, float)):
        return None
    f1, found, objects = float(choice["f1"]), choice.get("found"), choice.get("objects")
    if f1 >= POOR_F1:
        return None
    finds = f"finds {found} of {objects} validation objects" if objects else "finds few validation objects"
    return f"this model {finds} (best F1 {f1:.2f}); label more images or train longer"


def run_note(checkpoint: str | os.PathLike) -> str | None:
    """``poor_fit_note`` of the run whose folder holds ``checkpoint`` (None when it has no summary)."""
    summary = _read_json(Path(checkpoint).parent / "summary.json")
    return poor_fit_note(summary.get("score_threshold_choice")) if isinstance(summary, dict) else None
