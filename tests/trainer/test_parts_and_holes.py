"""The trainer's target masks hold every part of an object and leave its holes out, for the
COCO the window and `polymask convert` write (parts as polygons, holes as RLE)."""

from __future__ import annotations

import numpy as np
from PIL import Image

from annotator.io.coco import project_to_coco, read_coco
from annotator.model import MultiPolygon, Polygon, own_data
from trainer.dataset.instances import CocoInstances
from trainer.dataset.prepared import prepare

from ..io import multipart_fixtures as fx


def test_target_mask_has_every_part_and_no_hole(tmp_path):
    Image.new("RGB", (160, 120), "gray").save(tmp_path / "ring.png")
    project = read_coco(fx.ring_coco()).project
    region = project.images[0].regions[0]
    own_data(region).pop("coco_read_as")  # as edited in the window: written from the shape
    extra = Polygon.from_points([(5, 90), (40, 90), (40, 115), (5, 115)])
    region.shape = region.shape.with_part(extra)  # a third part
    assert isinstance(region.shape, MultiPolygon) and len(region.shape.parts) == 3
    coco = project_to_coco(project)
    prepared = prepare(coco, str(tmp_path))
    masks = CocoInstances(prepared, list(prepared.images_by_id)).load(0)[1]["masks"]
    assert masks.shape[0] == 1  # one object
    expected = fx.ring_mask().copy()
    expected[90:115, 5:40] = 1
    np.testing.assert_array_equal(masks[0].numpy(), expected)
    assert masks[0].numpy()[60, 60] == 0  # the hole's centre
