"""The score threshold a run suggests for predicting: the one with the best F1 on its validation
set, a detection counting as found when its mask overlaps an unmatched object of its class by
IoU ≥ 0.5 (pycocotools' matching), plus how the validation scores are spread."""

from __future__ import annotations

from typing import Any

import numpy as np
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from trainer.evaluation.evaluate import quiet

BINS = (0.0, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)


def best_f1_threshold(gt: COCO, results: list[dict]) -> dict[str, Any]:
    """{"score_threshold", "f1", "precision", "recall", "found", "objects"} at the best-F1 score
    (None without detections): ``found`` of the ``objects`` validation objects are matched."""
    if not results or not gt.getAnnIds():
        return _nothing(len(gt.getAnnIds(iscrowd=False)))
    with quiet():
        ev = COCOeval(gt, gt.loadRes(results), "segm")
        ev.params.iouThrs = np.array([0.5])
        ev.evaluate()
    all_areas = ev.params.areaRng[0]
    scores, hits, objects = [], [], 0
    for e in ev.evalImgs:
        if e is None or list(e["aRng"]) != list(all_areas):
            continue
        objects += int(np.count_nonzero(np.asarray(e["gtIgnore"]) == 0))
        keep = np.asarray(e["dtIgnore"][0]) == 0
        scores += list(np.asarray(e["dtScores"])[keep])
        hits += list(np.asarray(e["dtMatches"][0])[keep] > 0)
    order = np.argsort(-np.asarray(scores, float), kind="stable")
    s, tp = np.asarray(scores, float)[order], np.cumsum(np.asarray(hits, bool)[order])
    found = np.arange(1, len(s) + 1)
    f1 = 2 * tp / (found + objects)
    # Only the last detection of a run of equal scores is a threshold one can set.
    last_of_score = np.append(s[1:] != s[:-1], True)
    best = int(np.argmax(np.where(last_of_score, f1, -1)))
    if f1[best] == 0:  # nothing found at any threshold: no suggestion
        return _nothing(objects)
    return {
        "score_threshold": float(s[best]),
        "f1": float(f1[best]),
        "precision": float(tp[best] / found[best]),
        "recall": float(tp[best] / objects) if objects else 0.0,
        "found": int(tp[best]),
        "objects": int(objects),
    }


def _nothing(objects: int) -> dict[str, Any]:
    return {"score_threshold": None, "f1": 0.0, "precision": 0.0, "recall": 0.0, "found": 0, "objects": objects}


def score_distribution(results: list[dict], images: int) -> dict[str, Any]:
    """How many validation detections fall in each score bin, and how many images have one ≥ 0.5."""
    scores = np.asarray([r["score"] for r in results], float)
    counts, _ = np.histogram(scores, bins=BINS)
    with_half = len({r["image_id"] for r in results if r["score"] >= 0.5})
    return {
        "bins": list(BINS),
        "counts": counts.tolist(),
        "detections": int(len(scores)),
        "max": float(scores.max()) if len(scores) else None,
        "images_with_a_score_of_0.5": f"{with_half}/{images}",
    }
