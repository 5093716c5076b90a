import json

import numpy as np
import pytest
from PIL import Image
from pycocotools import mask as mask_utils

from trainer.augment.transforms import build_transforms
from trainer.dataset.decode import decode_segmentation, open_image
from trainer.dataset.instances import CocoInstances, EpochRandomSampler, GroupedBatchSampler
from trainer.dataset.prepared import prepare, stable_val_score
from trainer.errors import DatasetError

from .conftest import make_dataset


def test_polygon_and_rle_masks_agree():
    poly = [[2, 2, 12, 2, 12, 8, 2, 8]]
    m = decode_segmentation(poly, 16, 20)
    assert m.shape == (16, 20) and m.sum() == 60
    rle = mask_utils.encode(np.asfortranarray(m))
    assert (decode_segmentation({"size": rle["size"], "counts": rle["counts"].decode()}, 16, 20) == m).all()
    # uncompressed RLE, column-major run lengths, as CVAT writes it
    flat = m.flatten(order="F")
    runs, cur, n = [], 0, 0
    for v in flat:
        if v != cur:
            runs.append(n)
            cur, n = v, 0
        n += 1
    runs.append(n)
    assert (decode_segmentation({"size": [16, 20], "counts": runs}, 16, 20) == m).all()


def test_labels_are_remapped_and_negatives_kept(tmp_path):
    coco = make_dataset(tmp_path, n=6, negatives=2)
    p = prepare(str(coco), str(tmp_path / "images"), val_fraction=0.0)
    assert p.class_names == ["square", "disc"] and p.category_ids == [0, 1]
    ds = CocoInstances(p, p.train_ids, build_transforms(None, False))
    assert len(ds) == 8
    labels = set()
    empties = 0
    for i in range(len(ds)):
        img, t = ds[i]
        assert img.dtype.is_floating_point and img.shape[0] == 3
        assert t["masks"].shape[0] == t["boxes"].shape[0] == t["labels"].shape[0]
        labels |= set(t["labels"].tolist())
        empties += t["labels"].numel() == 0
    assert labels == {1, 2} and empties == 2


def test_exif_orientation_is_applied(tmp_path):
    arr = np.zeros((10, 30, 3), np.uint8)
    arr[:, :5] = 255  # bright stripe on the left of the stored pixels
    im = Image.fromarray(arr)
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise for display
    im.save(tmp_path / "r.jpg", exif=exif, quality=95)
    img, s = open_image(tmp_path / "r.jpg")
    assert img.size == (10, 30) and s == 1.0
    assert np.asarray(img)[:5].mean() > 200  # the stripe is now at the top


# (displayed size, EXIF orientation): landscape photos stored sideways (6, 8), a 12 MP one, a portrait one
REAL_PHOTOS = dict(sizes=((2048, 1536), (2048, 1536), (4000, 3000), (1536, 2048)), orientations=(6, 8, 1, 6), n=4)


def test_large_photos_are_scaled_once_and_masks_stay_on_their_objects(tmp_path):
    """A 2048x1536 photo is loaded at 640x480 for the fast model (not 320x240: the scale is taken from
    the original size, not from the JPEG draft), and after loading, EXIF rotation, resizing and the
    real training transforms (horizontal flip) every mask covers its rasterised polygon (IoU >= 0.95)."""
    import torch
    from torchvision.transforms.v2 import functional as TF

    from tests.real_photos import write_tutorial_layout
    from trainer.augment.transforms import training_dataset
    from trainer.dataset.decode import input_scale

    from .photo_coco import iou, photos_to_coco, raster

    photos = write_tutorial_layout(tmp_path, **REAL_PHOTOS)
    prepared = prepare(photos_to_coco(photos), str(photos.image_dir), val_fraction=0.0)
    arch = {"min_size": 320, "max_size": 640}  # the fast model's input
    ds = training_dataset(prepared, ["hflip"], arch)
    seen_flips = set()
    for idx in range(len(ds)):
        photo = photos.photo(ds.file_name(idx))
        s = input_scale((photo.width, photo.height), (320, 640))
        expected = (round(photo.width * s), round(photo.height * s))
        raw, _ = ds.load(idx)
        assert raw.size == expected, (photo, raw.size)
        if photo.width == 2048:
            assert raw.size == (640, 480)
        plain = TF.to_dtype(TF.to_image(raw), torch.float32, scale=True)
        for seed in range(6):  # the flip is random: check flipped and unflipped samples
            torch.manual_seed(seed)
            image, target = ds[idx]
            flipped = not torch.equal(image, plain)
            assert torch.equal(image, plain.flip(-1)) if flipped else True
            seen_flips.add(flipped)
            masks = target["masks"].numpy().astype(bool)
            assert len(masks) == len(photo.objects)
            sx, sy = expected[0] / photo.width, expected[1] / photo.height
            for (cls, pts), mask, box, label in zip(
                photo.objects, masks, target["boxes"].tolist(), target["labels"].tolist()
            ):
                truth = raster(pts, expected, sx, sy, flipped)
                assert iou(mask, truth) >= 0.95, (photo.filename, photo.orientation, flipped, iou(mask, truth))
                ys, xs = np.nonzero(truth)
                assert box == pytest.approx([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1], abs=2.5)
                assert prepared.class_names[label - 1] == cls
    assert seen_flips == {True, False}


def test_missing_image_is_skipped_with_a_warning(tmp_path):
    coco = make_dataset(tmp_path, n=6)
    (tmp_path / "images/img_002.png").unlink()
    (tmp_path / "images/img_003.png").write_bytes(b"not a png")
    p = prepare(str(coco), str(tmp_path / "images"))
    text = " ".join(p.warnings)
    assert "img_002.png" in text and "not in" in text
    assert "img_003.png" in text and "unreadable" in text
    assert len(p.train_ids) + len(p.val_ids) == 5


def test_empty_dataset_and_missing_files_are_clear_errors(tmp_path):
    coco = make_dataset(tmp_path, n=2)
    with pytest.raises(DatasetError, match="could be read from .*nowhere"):
        prepare(str(coco), str(tmp_path / "nowhere"))
    empty = tmp_path / "empty.json"
    empty.write_text(json.dumps({"images": [], "annotations": [], "categories": [{"id": 1, "name": "a"}]}))
    with pytest.raises(DatasetError, match="empty.json has no images"):
        prepare(str(empty), str(tmp_path))
    with pytest.raises(DatasetError, match="does not exist"):
        prepare(str(tmp_path / "nope.json"), str(tmp_path))


def test_class_without_examples_is_a_clear_error(tmp_path):
    coco = make_dataset(
        tmp_path, n=4, categories=[{"id": 0, "name": "square"}, {"id": 1, "name": "disc"}, {"id": 7, "name": "sword"}]
    )
    with pytest.raises(DatasetError, match=r"'sword' \(category id 7\).*no annotations"):
        prepare(str(coco), str(tmp_path / "images"))


def test_roboflow_parent_category_is_dropped(tmp_path):
    cats = [
        {"id": 0, "name": "weapons", "supercategory": "none"},
        {"id": 1, "name": "square", "supercategory": "weapons"},
        {"id": 2, "name": "disc", "supercategory": "weapons"},
    ]
    coco = make_dataset(tmp_path, n=4, categories=cats[1:])
    d = json.loads(coco.read_text())
    d["categories"] = cats
    p = prepare(d, str(tmp_path / "images"))
    assert p.class_names == ["square", "disc"] and any("weapons" in w for w in p.warnings)


def test_split_is_stable_and_user_split_wins(tmp_path):
    coco = make_dataset(tmp_path, n=20)
    a = prepare(str(coco), str(tmp_path / "images"), val_fraction=0.3)
    b = prepare(str(coco), str(tmp_path / "images"), val_fraction=0.3)
    assert a.val_ids == b.val_ids and a.val_ids and a.train_ids
    assert stable_val_score("x/y.jpg") == stable_val_score("x/y.jpg")
    split = {"img_000.png": "val", "img_001.png": "val"}
    c = prepare(str(coco), str(tmp_path / "images"), val_fraction=0.0, split=split)
    assert sorted(c.val_ids) == [1, 2]


def test_grouped_batches_same_count_for_every_shape_mix():
    for groups in ([0] * 7, [0, 1] * 5, [1, 1, 0, 1, 0, 0, 0, 1, 1]):
        s = GroupedBatchSampler(EpochRandomSampler(len(groups), seed=3), groups, 2)
        batches = list(s)
        assert len(batches) == len(s)
        assert sorted(i for b in batches for i in b) == list(range(len(groups)))
