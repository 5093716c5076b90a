"""An explicit validation file (`train --val COCO [--val-images DIR]`) and `merge A B -o C`."""

from __future__ import annotations

import json

import pytest

from trainer.__main__ import main
from trainer.config import TrainConfig
from trainer.dataset.coco_merge import merge_coco
from trainer.dataset.training_set import prepare_training
from trainer.errors import DatasetError

from .conftest import make_dataset


def with_folder(coco, folder: str = "images"):
    """File names relative to the COCO file, as most exports write them."""
    data = json.loads(coco.read_text())
    for im in data["images"]:
        im["file_name"] = f"{folder}/{im['file_name'].split('/')[-1]}"
    coco.write_text(json.dumps(data))
    return coco


@pytest.fixture
def two_sets(tmp_path):
    a = with_folder(make_dataset(tmp_path / "a", n=4, negatives=0))
    cats = [{"id": 5, "name": "disc"}, {"id": 9, "name": "square"}]
    b = with_folder(make_dataset(tmp_path / "b", n=3, negatives=0, seed=1, categories=cats))
    return a, b


def test_merge_matches_classes_by_name_and_renumbers(two_sets, tmp_path, capsys):
    a, b = two_sets
    out = tmp_path / "out" / "merged.json"
    out.parent.mkdir()
    assert main(["merge", str(a), str(b), "-o", str(out)]) == 0
    assert "7 images, 7 annotations, 2 classes (square, disc) from 2 files" in capsys.readouterr().out
    merged = json.loads(out.read_text())
    assert [c["name"] for c in merged["categories"]] == ["square", "disc"]
    assert [im["id"] for im in merged["images"]] == list(range(1, 8))
    assert [x["id"] for x in merged["annotations"]] == list(range(1, 8))
    by_image = {im["id"]: im["file_name"] for im in merged["images"]}
    source_b = json.loads(b.read_text())
    name_b = {c["id"]: c["name"] for c in source_b["categories"]}
    for ann, original in zip(merged["annotations"][4:], source_b["annotations"]):
        assert merged["categories"][ann["category_id"] - 1]["name"] == name_b[original["category_id"]]
        assert by_image[ann["image_id"]] == "../b/" + source_b["images"][original["image_id"] - 1]["file_name"]
    assert all((out.parent / f).is_file() for f in by_image.values())  # names resolve from the merged file


def test_merge_conflicts_are_clear_errors(two_sets, tmp_path, capsys):
    a, b = two_sets
    assert main(["merge", str(a), str(a), "-o", str(tmp_path / "m.json")]) == 1
    err = capsys.readouterr().err
    assert "img_000.png is listed by both" in err and str(a) in err and "Traceback" not in err
    twice = json.loads(b.read_text())
    twice["categories"][1]["name"] = "disc"
    bad = tmp_path / "twice.json"
    bad.write_text(json.dumps(twice))
    with pytest.raises(DatasetError, match=r"twice.json defines the class 'disc' twice"):
        merge_coco([(str(bad), str(tmp_path / "b/images"))])
    assert main(["merge", str(tmp_path / "none.json"), "-o", str(tmp_path / "m.json")]) == 1
    assert "The COCO file" in capsys.readouterr().err and not (tmp_path / "m.json").exists()


def test_val_file_is_the_validation_set(two_sets, tmp_path):
    a, b = two_sets
    cfg = TrainConfig(coco=str(a), val_coco=str(b), val_fraction=0.5)
    prepared = prepare_training(cfg)
    assert len(prepared.train_ids) == 4 and len(prepared.val_ids) == 3
    val_names = {prepared.images_by_id[i]["file_name"] for i in prepared.val_ids}
    assert all(n.startswith(str(b.parent / "images")) for n in val_names)
    assert prepared.class_names == ["square", "disc"]
    with pytest.raises(Exception, match="the validation COCO file .*missing.json does not exist"):
        cfg.replace(val_coco=str(tmp_path / "missing.json")).validate()


def test_train_cli_takes_val_and_val_images(two_sets, tmp_path, capsys):
    a, b = two_sets
    moved = tmp_path / "elsewhere"
    (b.parent / "images").rename(moved)
    common = ["train", "--coco", str(a), "--weights", "none", "--out", str(tmp_path / "run"), "--val", str(b)]
    with_folder(b, ".")
    code = main([*common, "--val-images", str(moved), "--preview-data", str(tmp_path / "p"), "--preview-count", "1"])
    assert code == 0, capsys.readouterr().err
    code = main([*common, "--preview-data", str(tmp_path / "p")])
    err = capsys.readouterr().err
    assert code == 1 and f"None of the 3 images listed in the validation file {b} could be read" in err
    assert "b/img_000.png" in err and "Traceback" not in err
