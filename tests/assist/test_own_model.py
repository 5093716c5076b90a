"""The project's own model as the assistant: a tiny Mask R-CNN trained here, its RoI heads run on
a box over backbone features computed once per image."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from annotator.assist import Assistant, GrabCutBackend, OwnModelBackend

from ..trainer.conftest import make_dataset, tiny_config

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    from trainer.run.engine import fit

    root = tmp_path_factory.mktemp("assist_model")
    coco = make_dataset(root / "data", n=8)
    cfg = tiny_config(coco, root / "data/images", root / "run", epochs=2, lr=0.02, box_score_thresh=0.0)
    events = list(fit(cfg))
    assert events[-1].kind == "finished", [getattr(e, "reason", "") for e in events if e.kind == "failed"]
    return root / "run" / "last.pth", root / "data/images"


def square_image(images):
    """img_000 holds a square (make_dataset: even images are squares)."""
    img = np.asarray(Image.open(images / "img_000.png").convert("RGB"))
    ys, xs = np.nonzero(img[:, :, 0] > 200)
    return img, (float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1))


def test_the_model_answers_a_box_with_a_mask_pasted_in_it_and_a_class(checkpoint):
    path, images = checkpoint
    img, box = square_image(images)
    backend = OwnModelBackend(path)
    p = backend.propose("img_000", img, box)
    assert p.backend == "model" and p.class_name in ("square", "disc") and 0 < p.score <= 1
    x0, y0, w, h = p.bbox()
    # the mask is pasted at full resolution inside the box (torchvision's paste grows it by a pixel)
    assert box[0] - 2 <= x0 and x0 + w <= box[2] + 2 and box[1] - 2 <= y0 and y0 + h <= box[3] + 2
    seg = backend._segmenter
    assert seg.has_features("img_000")
    seg.prepare("b", img)
    seg.prepare("c", img)
    seg.prepare("d", img)  # three more images: the first one's features are dropped
    assert not seg.has_features("img_000") and seg.has_features("d")


def test_clicks_refine_the_models_mask_with_grabcut(checkpoint):
    path, images = checkpoint
    img, box = square_image(images)
    truth = img[:, :, 0] > 200
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    p = OwnModelBackend(path).propose("img_000", img, box, [(cx, cy, True)])
    assert p.backend == "model+grabcut" and p.full_mask()[int(cy), int(cx)]
    inter, union = np.logical_and(p.full_mask(), truth).sum(), np.logical_or(p.full_mask(), truth).sum()
    assert inter / union >= 0.8


def test_a_missing_model_file_leaves_the_next_backend(tmp_path):
    img = np.full((60, 60, 3), 20, np.uint8)
    img[15:45, 15:45] = 220
    assistant = Assistant([OwnModelBackend(tmp_path / "gone.pth"), GrabCutBackend()])
    assert assistant.propose("k", img, (10, 10, 50, 50)).backend == "grabcut"
    assert "does not exist" in assistant.notes["model"]


def test_a_broken_model_file_is_a_note(tmp_path):
    bad = tmp_path / "best.pth"
    bad.write_bytes(b"not a checkpoint")
    img = np.full((60, 60, 3), 20, np.uint8)
    img[15:45, 15:45] = 220
    assistant = Assistant([OwnModelBackend(bad), GrabCutBackend()])
    assert assistant.propose("k", img, (10, 10, 50, 50)).backend == "grabcut"
    assert "best.pth" in assistant.notes["model"]
