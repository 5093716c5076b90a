"""Objects in several parts and with holes, as the formats hold them.

``labelme_example_coco`` has the structure of labelme's own COCO example
(examples/instance_segmentation/data_dataset_coco: three VOC photos of 500x338 and
500x375, twelve objects with float coordinates, a ``_background_`` category 0 and
null supercategories, class names with spaces and a slash, and two objects in several
parts: a person in two polygons, one of them a thin four-point sliver, and a sofa in four,
parts far apart and touching other objects; one outline doubles back on itself in a spike
and one has a vertex on the image's left edge). Coordinates are generated here, not copied. ``ring_object`` is an object with a hole, as an RLE.
"""

from __future__ import annotations

import math

import numpy as np
from pycocotools import mask as mask_utils

SIZES = [(500, 338), (500, 375), (500, 375)]
CATEGORIES = [
    "_background_",
    "aeroplane",
    "bicycle",
    "bird",
    "boat",
    "bottle",
    "bus",
    "car",
    "cat",
    "chair",
    "cow",
    "diningtable",
    "dog",
    "horse",
    "motorbike",
    "person",
    "potted plant",
    "sheep",
    "sofa",
    "train",
    "tv/monitor",
]


def star(cx: float, cy: float, r: float, n: int, phase: float) -> list[float]:
    """A float polygon of n vertices around (cx, cy), radius varying (not convex)."""
    out = []
    for k in range(n):
        a = 2 * math.pi * k / n + phase
        rr = r * (0.65 + 0.35 * math.sin(3 * a + phase))
        out += [cx + rr * math.cos(a) + 0.8142292490119, cy + rr * math.sin(a) + 0.33596837944665]
    return out


def sliver(x: float, y: float) -> list[float]:
    """A thin four-point part, a few pixels wide."""
    return [x + 2.8, y, x - 1.2, y + 3.0, x - 2.2, y + 12.0, x + 0.8, y + 15.0]


def spiked(flat: list[float], at: int) -> list[float]:
    """`flat` with an outline that runs out in a thin spike after vertex `at` and back."""
    x, y = flat[2 * at], flat[2 * at + 1]
    return flat[: 2 * at + 2] + [x - 7.0, y + 26.0, x - 1.0, y + 1.0] + flat[2 * at + 2 :]


def on_left_edge(flat: list[float]) -> list[float]:
    """`flat` with its leftmost vertex moved onto x = 0."""
    xs = flat[0::2]
    i = xs.index(min(xs))
    return flat[: 2 * i] + [0.0] + flat[2 * i + 1 :]


def _ann(ann_id, image_id, category, parts):
    flat = [c for p in parts for c in p]
    xs, ys = flat[0::2], flat[1::2]
    return {
        "id": ann_id,
        "image_id": image_id,
        "category_id": category,
        "segmentation": parts,
        "area": 0.0,
        "bbox": [min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)],
        "iscrowd": 0,
    }


def labelme_example_coco() -> dict:
    images = [
        {
            "license": 0,
            "url": None,
            "file_name": f"JPEGImages/2011_{n:06d}.jpg",
            "height": h,
            "width": w,
            "date_captured": None,
            "id": i,
        }
        for i, ((w, h), n) in enumerate(zip(SIZES, (3, 25, 6)))
    ]
    anns = [
        _ann(0, 0, 15, [star(250, 210, 90, 40, 0.1)]),
        _ann(1, 0, 15, [star(440, 210, 80, 44, 0.3), sliver(368, 170)]),  # two parts
        _ann(2, 0, 5, [star(378, 186, 20, 9, 0.5)]),
        _ann(3, 1, 6, [star(260, 200, 170, 30, 0.7)]),
        _ann(4, 1, 6, [on_left_edge(star(55, 190, 50, 11, 0.9))]),
        _ann(5, 1, 7, [star(455, 212, 40, 6, 1.1)]),
        _ann(6, 2, 15, [star(170, 220, 70, 28, 1.3)]),
        _ann(7, 2, 15, [spiked(star(240, 195, 60, 22, 1.5), 5)]),
        _ann(8, 2, 15, [star(315, 200, 55, 16, 1.7)]),
        _ann(9, 2, 9, [star(330, 300, 150, 18, 1.9)]),
        _ann(10, 2, 15, [star(425, 98, 22, 6, 2.1)]),
        _ann(
            11,
            2,
            18,
            [
                star(100, 190, 70, 9, 2.3),
                star(82, 300, 20, 3, 2.5),
                star(415, 185, 60, 9, 2.7),
                star(240, 270, 18, 4, 2.9),
            ],
        ),  # four parts
    ]
    for a in anns:  # pixel areas, as labelme2coco writes them
        h, w = SIZES[a["image_id"]][1], SIZES[a["image_id"]][0]
        a["area"] = float(mask_utils.area(mask_utils.merge(mask_utils.frPyObjects(a["segmentation"], h, w))))
    return {
        "info": {
            "description": None,
            "url": None,
            "version": None,
            "year": 2020,
            "contributor": None,
            "date_created": "2020-01-26 05:46:30",
        },
        "licenses": [{"url": None, "id": 0, "name": None}],
        "images": images,
        "type": "instances",
        "annotations": anns,
        "categories": [{"supercategory": None, "id": i, "name": n} for i, n in enumerate(CATEGORIES)],
    }


def ring_mask(h: int = 120, w: int = 160) -> np.ndarray:
    """A disk with a hole and a separate square: one object in two parts, one with a hole."""
    yy, xx = np.mgrid[0:h, 0:w]
    d2 = (xx - 60) ** 2 + (yy - 60) ** 2
    mask = ((d2 <= 45**2) & (d2 > 20**2)).astype(np.uint8)
    mask[20:50, 120:150] = 1
    return mask


def ring_coco() -> dict:
    mask = ring_mask()
    rle = mask_utils.encode(np.asfortranarray(mask))
    return {
        "images": [{"id": 1, "file_name": "ring.png", "width": mask.shape[1], "height": mask.shape[0]}],
        "annotations": [
            {
                "id": 1,
                "image_id": 1,
                "category_id": 1,
                "iscrowd": 0,
                "segmentation": {"size": list(mask.shape), "counts": rle["counts"].decode()},
                "area": float(mask.sum()),
                "bbox": [15.0, 15.0, 135.0, 90.0],
            }
        ],
        "categories": [{"id": 1, "name": "ring"}],
    }


def masks_by_annotation(coco: dict) -> list[np.ndarray]:
    """Each annotation's mask as pycocotools rasterises it, in annotation order."""
    sizes = {im["id"]: (im["height"], im["width"]) for im in coco["images"]}
    out = []
    for a in coco["annotations"]:
        h, w = sizes[a["image_id"]]
        seg = a["segmentation"]
        rle = (
            mask_utils.merge(mask_utils.frPyObjects(seg, h, w))
            if isinstance(seg, list)
            else mask_utils.frPyObjects(seg, h, w)
            if isinstance(seg.get("counts"), list)
            else {"size": seg["size"], "counts": seg["counts"].encode()}
        )
        out.append(mask_utils.decode(rle))
    return out


def iou(a: np.ndarray, b: np.ndarray) -> float:
    union = np.logical_or(a, b).sum()
    return float(np.logical_and(a, b).sum() / union) if union else 1.0


def target_mask(h: int = 100, w: int = 120) -> np.ndarray:
    """A square ring with a square inside its hole (a part within another part's hole), and a
    pixel inside the hole touching the ring corner-to-corner only, as masks hold them."""
    mask = np.zeros((h, w), np.uint8)
    mask[10:90, 10:90] = 1
    mask[30:70, 30:70] = 0
    mask[45:55, 45:55] = 1
    mask[30, 40] = 1  # a bump on the hole's top edge...
    mask[31, 41] = 1  # ...and its diagonal neighbour
    return mask
