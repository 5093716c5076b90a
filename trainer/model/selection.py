"""Which epoch's weights become best.pth: not the noisiest single figure (one epoch's mask AP on
a dozen validation objects), but the mean of mask and box AP over the last few evaluated epochs,
with ties (e.g. every AP still 0 early in a run from scratch) going to the lower validation loss."""

from __future__ import annotations

import math
from typing import Any

WINDOW = 3
BEST_BY = (
    f"mean of mask (segm) AP and box AP over the last {WINDOW} evaluated epochs; ties go to the lower validation loss"
)


def epoch_record(epoch: int, metrics: dict[str, Any], val_losses: dict[str, float]) -> dict[str, Any] | None:
    """What selection keeps of one evaluated epoch (None when it has no AP to go by)."""
    aps = [float(metrics[k]) for k in ("segm_AP", "bbox_AP") if _finite(metrics.get(k))]
    if not aps:
        return None
    loss = val_losses.get("total")
    return {"epoch": epoch, "ap": sum(aps) / len(aps), "val_loss": loss if loss is not None else math.inf}


def _finite(v: Any) -> bool:
    return isinstance(v, (int, float)) and math.isfinite(v)


def selection_key(history: list[dict[str, Any]]) -> list[float]:
    """Higher is better; compares as a list: [smoothed AP, minus smoothed validation loss]."""
    recent = history[-WINDOW:]
    ap = sum(r["ap"] for r in recent) / len(recent)
    loss = sum(r["val_loss"] for r in recent) / len(recent)
    return [ap, -loss if math.isfinite(loss) else -math.inf]


def is_better(key: list[float], best: Any) -> bool:
    """``best`` is the key kept in the checkpoint (a bare number in runs from before smoothing)."""
    if best is None:
        return True
    if isinstance(best, (int, float)):
        best = [float(best), -math.inf]
    return key > list(best)
