"""best.pth by smoothed mask + box AP, ties by validation loss; the suggested score threshold (best F1)."""

from __future__ import annotations

import numpy as np
from pycocotools import mask as mask_utils

from trainer.evaluation.evaluate import coco_from_dict
from trainer.evaluation.score_threshold import best_f1_threshold, score_distribution
from trainer.model.selection import epoch_record, is_better, selection_key


def chosen_epoch(per_epoch: list[tuple[float, float, float]]) -> int:
    """The epoch best.pth ends on for (segm AP, box AP, val loss) per epoch, as the engine decides."""
    history, best, best_epoch = [], None, None
    for epoch, (segm, box, loss) in enumerate(per_epoch, 1):
        history.append(epoch_record(epoch, {"segm_AP": segm, "bbox_AP": box}, {"total": loss}))
        key = selection_key(history)
        if is_better(key, best):
            best, best_epoch = key, epoch
    return best_epoch


def test_one_lucky_epoch_does_not_win_over_a_steadily_better_stretch():
    # epoch 3 has the single highest mask AP, but its box AP is poor and the epochs around it are low
    figures = [(0.05, 0.05, 2.0), (0.06, 0.08, 1.8), (0.30, 0.05, 1.7), (0.18, 0.20, 1.5), (0.22, 0.25, 1.4)]
    assert chosen_epoch(figures) == 5


def test_ties_in_ap_go_to_the_lower_validation_loss():
    assert chosen_epoch([(0.0, 0.0, 3.0), (0.0, 0.0, 2.0), (0.0, 0.0, 1.0)]) == 3
    assert chosen_epoch([(0.0, 0.0, 1.0), (0.0, 0.0, 2.0), (0.0, 0.0, 3.0)]) == 1


def test_a_checkpoint_from_before_smoothing_is_beaten_by_a_better_ap():
    assert is_better([0.3, -1.0], 0.2) and not is_better([0.1, -1.0], 0.2)
    assert epoch_record(1, {"segm_AP": None, "bbox_AP": None}, {}) is None


def _square(x: int, y: int, s: int = 10, size: int = 64) -> dict:
    m = np.zeros((size, size), np.uint8)
    m[y : y + s, x : x + s] = 1
    rle = mask_utils.encode(np.asfortranarray(m))
    return {"size": [size, size], "counts": rle["counts"].decode("ascii")}


def test_threshold_is_the_score_with_the_best_f1_at_iou_half():
    spots = [(2, 2), (30, 2), (2, 30)]  # three objects on one image
    gt = coco_from_dict(
        {
            "images": [{"id": 1, "width": 64, "height": 64, "file_name": "a.png"}],
            "categories": [{"id": 7, "name": "thing"}],
            "annotations": [
                {"id": i + 1, "image_id": 1, "category_id": 7, "iscrowd": 0, "area": 100.0, "bbox": [x, y, 10, 10]}
                | {"segmentation": _square(x, y)}
                for i, (x, y) in enumerate(spots)
            ],
        }
    )

    def det(score, at):
        x, y = at
        return {"image_id": 1, "category_id": 7, "score": score, "segmentation": _square(x, y), "bbox": [x, y, 10, 10]}

    miss = (45, 45)
    results = [det(0.9, spots[0]), det(0.8, miss), det(0.7, spots[1]), det(0.3, spots[2]), det(0.2, (50, 30))]
    # F1 at 0.9: 2/4 = .5; 0.8: 2/5 = .4; 0.7: 4/6 = .67; 0.3: 6/7 = .86; 0.2: 6/8 = .75
    choice = best_f1_threshold(gt, results)
    assert choice["score_threshold"] == 0.3
    assert choice["f1"] == np.float64(6 / 7) and choice["precision"] == 0.75 and choice["recall"] == 1.0
    assert best_f1_threshold(gt, [det(0.9, miss)])["score_threshold"] is None  # nothing found: no suggestion
    spread = score_distribution(results, images=1)
    assert spread["counts"] == [0, 0, 0, 1, 1, 0, 0, 0, 1, 1, 1] and spread["detections"] == 5 and spread["max"] == 0.9
    assert spread["images_with_a_score_of_0.5"] == "1/1"
