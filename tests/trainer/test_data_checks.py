"""Data checks before training: self-intersecting polygons repaired and counted, tiny objects at the
input size, training images without objects, classes with few objects; one line, training goes on."""

from __future__ import annotations

import json
from pathlib import Path

from shapely.geometry import Polygon

from trainer.dataset.checks import FEW_OBJECTS, TINY_PX, repair_rings
from trainer.dataset.training_set import prepare_training

from .conftest import make_dataset, tiny_config

BOW_TIE = [10.0, 10.0, 40.0, 40.0, 40.0, 10.0, 10.0, 40.0]  # two triangles meeting at (25, 25)


def test_a_bow_tie_becomes_its_two_triangles_and_a_flat_ring_is_dropped():
    flat = [0.0, 0.0, 5.0, 5.0, 10.0, 10.0]
    rings, repaired, dropped = repair_rings([BOW_TIE, flat])
    assert (repaired, dropped) == (1, 0 + 1)
    parts = [Polygon(list(zip(r[0::2], r[1::2]))) for r in rings]
    assert len(parts) == 2 and all(p.is_valid for p in parts)
    assert abs(sum(p.area for p in parts) - 450.0) < 1e-6  # two triangles of 15 x 30 / 2
    valid = [[0.0, 0.0, 10.0, 0.0, 10.0, 10.0]]
    assert repair_rings(valid) == (valid, 0, 0)
    rle = {"size": [4, 4], "counts": "abc"}
    assert repair_rings(rle) == (rle, 0, 0)


def _edit(coco: Path, change) -> None:
    data = json.loads(coco.read_text())
    change(data)
    coco.write_text(json.dumps(data))


def test_training_warns_in_one_line_and_repairs_what_it_trains_on(tmp_path: Path):
    coco = make_dataset(tmp_path / "d", n=12, size=64, negatives=2)

    def damage(data: dict) -> None:
        anns = data["annotations"]
        anns[0]["segmentation"] = [BOW_TIE]
        anns[1]["bbox"] = [5, 5, 1, 30]  # 1 px wide at 64 px; the tiny config's input is 64 px too
        data["categories"].append({"id": 2, "name": "rare"})
        anns[2]["category_id"] = 2

    _edit(coco, damage)
    cfg = tiny_config(coco, coco.parent / "images", tmp_path / "run", val_fraction=0.0)
    prepared = prepare_training(cfg)
    lines = [w for w in prepared.warnings if w.startswith("Data checks:")]
    assert len(lines) == 1
    line = lines[0]
    assert "1 self-intersecting polygon repaired" in line
    assert f"1 object under {TINY_PX} px" in line
    assert "2 training images without objects" in line
    assert f"under {FEW_OBJECTS} training objects: 'rare' 1" in line
    repaired = next(a for anns in prepared.anns_by_image.values() for a in anns if a["id"] == 1)
    assert len(repaired["segmentation"]) == 2  # the bow tie's two triangles


def test_clean_data_says_nothing(tmp_path: Path):
    coco = make_dataset(tmp_path / "d", n=12, negatives=0)
    prepared = prepare_training(tiny_config(coco, coco.parent / "images", tmp_path / "run"))
    assert not [w for w in prepared.warnings if w.startswith("Data checks:")]
