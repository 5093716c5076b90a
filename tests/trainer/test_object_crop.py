"""Augmentation keeps objects: zoom crops hold an object, never pad, re-fit boxes to masks;
augmentation_stats measures padding, dropped objects and the train/test object scale."""

from __future__ import annotations

import torch
from torchvision import tv_tensors
from torchvision.transforms import v2

from trainer.augment.object_crop import ObjectZoomCrop
from trainer.augment.stats import augmentation_stats
from trainer.augment.transforms import build_transforms
from trainer.dataset.instances import CocoInstances
from trainer.dataset.prepared import prepare

from .conftest import make_dataset


def sample(h=120, w=160, objects=((10, 10, 20, 20), (130, 90, 20, 20))):
    image = tv_tensors.Image(torch.rand(3, h, w) + 0.1)  # no black pixel
    masks = torch.zeros(len(objects), h, w, dtype=torch.uint8)
    for m, (x, y, bw, bh) in zip(masks, objects):
        m[y : y + bh, x : x + bw] = 1
    boxes = [[x, y, x + bw, y + bh] for x, y, bw, bh in objects]
    target = {
        "boxes": tv_tensors.BoundingBoxes(
            torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4), format="XYXY", canvas_size=(h, w)
        ),
        "labels": torch.arange(1, len(objects) + 1),
        "masks": tv_tensors.Mask(masks),
        "image_id": 1,
    }
    return image, target


def test_zoom_crops_keep_an_object_whole_and_never_pad():
    crop = ObjectZoomCrop(max_zoom=1.5, p=1.0)
    zooms = []
    for seed in range(60):
        torch.manual_seed(seed)
        image, target = crop(*sample())
        h, w = image.shape[-2:]
        zooms.append(120 / h)
        assert h <= 120 and w <= 160 and abs(w / h - 160 / 120) < 0.02  # the image's shape: a zoom for the model
        assert (image > 0).all()  # nothing padded
        assert len(target["labels"]) >= 1
        areas = target["masks"].flatten(1).sum(1)
        assert (areas > 0).all() and 400 in areas.tolist()  # one object always whole (20x20)
        for box, mask in zip(target["boxes"].tolist(), target["masks"]):
            ys, xs = torch.nonzero(mask, as_tuple=True)
            assert box == [xs.min().item(), ys.min().item(), xs.max().item() + 1, ys.max().item() + 1]
    assert min(zooms) >= 1.0 and max(zooms) <= 1.51 and max(zooms) > 1.3


def test_an_image_without_objects_is_cropped_anywhere_and_half_are_left_whole():
    torch.manual_seed(0)
    image, target = ObjectZoomCrop(p=1.0)(*sample(objects=()))
    assert image.shape[-1] < 160 and len(target["labels"]) == 0
    kept = 0
    for seed in range(40):
        torch.manual_seed(seed)
        kept += ObjectZoomCrop(p=0.5)(*sample())[0].shape[-1] == 160
    assert 10 <= kept <= 30


def test_stats_measure_padding_drops_and_scale(tmp_path):
    coco = make_dataset(tmp_path / "d", n=6, size=64, negatives=0)
    prepared = prepare(str(coco), str(tmp_path / "d/images"), 0.0)
    indices = list(range(6))

    def stats(transforms):
        torch.manual_seed(0)
        ds = CocoInstances(prepared, prepared.train_ids, transforms, max_scale_for=(64, 64))
        return augmentation_stats(ds, 64, 64, indices)

    plain = stats(build_transforms(["hflip"], True))
    assert plain["padding_fraction"] == 0 and plain["instances_dropped"] == 0
    assert plain["train_test_scale_median"] == 1.0
    # a canvas twice the size, the image in a corner: 3/4 black, objects at half the test scale
    padded = stats(v2.Compose([v2.ToImage(), v2.Pad([0, 0, 64, 64]), v2.ToDtype(torch.float32, scale=True)]))
    assert abs(padded["padding_fraction"] - 0.75) < 0.05 and padded["train_test_scale_median"] == 0.5
    # a 4-pixel centre crop loses the objects away from the centre
    corner = stats(
        v2.Compose([v2.ToImage(), v2.CenterCrop(4), v2.SanitizeBoundingBoxes(), v2.ToDtype(torch.float32, scale=True)])
    )
    assert corner["samples_losing_every_object"] > 0 and corner["instances_dropped"] > 0
    zoomed = stats(build_transforms(["hflip", "scale_jitter"], True))
    assert zoomed["samples_losing_every_object"] == 0 and zoomed["padding_fraction"] == 0
    assert 1.0 <= zoomed["train_test_scale_median"] <= 1.5
