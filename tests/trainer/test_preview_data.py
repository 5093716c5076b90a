"""``train --preview-data DIR``: the training samples as the model sees them, checked against the
ground truth on real-sized, EXIF-rotated photos."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image
from pycocotools import mask as mask_utils

from tests.real_photos import write_tutorial_layout
from trainer.__main__ import main
from trainer.dataset.decode import input_scale

from .photo_coco import iou, photos_to_coco, raster
from .test_data import REAL_PHOTOS


def test_preview_data_writes_aligned_samples_and_does_not_train(tmp_path, capsys):
    photos = write_tutorial_layout(tmp_path / "weapons", **REAL_PHOTOS)
    coco = tmp_path / "coco.json"
    coco.write_text(json.dumps(photos_to_coco(photos)))
    out, run = tmp_path / "preview", tmp_path / "run"
    code = main(
        [
            "train",
            "--coco",
            str(coco),
            "--images",
            str(photos.image_dir),
            "--model",
            "fast",
            "--weights",
            "none",
            "--out",
            str(run),
            "--set",
            "val_fraction=0",
            "--set",
            'augment=["hflip"]',
            "--preview-data",
            str(out),
            "--preview-count",
            "3",
        ]
    )
    assert code == 0, capsys.readouterr().err
    assert not run.exists()  # nothing trained
    samples = json.loads((out / "samples.json").read_text())["samples"]
    assert len(samples) == 3
    for sample in samples:
        photo = photos.photo(sample["file_name"])
        assert sample["source"].endswith(photo.filename)
        s = input_scale((photo.width, photo.height), (320, 640))
        size = (round(photo.width * s), round(photo.height * s))
        assert tuple(sample["input_size"]) == size  # 2048x1536 -> 640x480, 4000x3000 -> 640x480
        with Image.open(out / sample["image"]) as overlay:
            assert overlay.size == size
        instances = sample["instances"]
        assert [i["label"] for i in instances] == [cls for cls, _ in photo.objects]
        masks = [mask_utils.decode(i["segmentation"]).astype(bool) for i in instances]
        assert [int(m.sum()) for m in masks] == [i["mask_area"] for i in instances]
        sx, sy = size[0] / photo.width, size[1] / photo.height
        # The flip is random: the sample is aligned when every mask matches the truth, flipped or not.
        best = max(
            min(iou(m, raster(pts, size, sx, sy, flip)) for m, (_, pts) in zip(masks, photo.objects))
            for flip in (False, True)
        )
        assert best >= 0.95, (photo.filename, photo.orientation, best)
        for inst, m in zip(instances, masks):
            ys, xs = np.nonzero(m)
            assert inst["box"] == pytest.approx([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1], abs=2.5)
    assert "3 training samples as the model sees them" in capsys.readouterr().out


def test_preview_data_reports_bad_input_without_a_traceback(tmp_path, capsys, dataset):
    code = main(
        [
            "train",
            "--coco",
            str(tmp_path / "missing.json"),
            "--images",
            str(tmp_path),
            "--preview-data",
            str(tmp_path / "p"),
        ]
    )
    err = capsys.readouterr().err
    assert code != 0 and "missing.json" in err and "Traceback" not in err
    (tmp_path / "a_file").write_text("")
    code = main(
        [
            "train",
            "--coco",
            str(dataset),
            "--images",
            str(dataset.parent / "images"),
            "--preview-data",
            str(tmp_path / "a_file" / "p"),
        ]
    )
    err = capsys.readouterr().err
    assert code == 1 and "cannot write the preview" in err and "a_file" in err
    assert main(["train", "--coco", "x.json", "--preview-data", str(tmp_path / "p"), "--preview-count", "0"]) == 2
