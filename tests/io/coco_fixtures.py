"""COCO fixtures written from the format's description (cocodataset.org/#format-data).

Instance segmentation: `images` (id, file_name, width, height), `categories`
(id, name, supercategory), `annotations` (id, image_id, category_id,
segmentation, area, bbox [x, y, w, h], iscrowd). `segmentation` is a list of
flat polygons [x0, y0, x1, y1, ...] (one object may have several parts) or an RLE
{"size": [h, w], "counts": ...}: counts a list of run lengths (uncompressed,
column-major, starting with a run of zeros) or COCO's compressed string.
"""

from __future__ import annotations

import copy

import numpy as np
from PIL import Image
from pycocotools import mask as mask_utils

W, H = 64, 48


def blob_mask() -> np.ndarray:
    """A rectangle and a disk, apart: an RLE with two blobs and no holes."""
    yy, xx = np.mgrid[0:H, 0:W]
    mask = ((xx >= 4) & (xx < 20) & (yy >= 6) & (yy < 30)).astype(np.uint8)
    mask[(xx - 42) ** 2 + (yy - 24) ** 2 <= 100] = 1
    return mask


def uncompressed_rle(mask: np.ndarray) -> dict:
    """Run lengths over the mask in column-major order, starting with zeros (the spec)."""
    flat = mask.ravel(order="F")
    runs, current, n = [], 0, 0
    for px in flat:
        if px != current:
            runs.append(n)
            current, n = px, 0
        n += 1
    runs.append(n)
    return {"size": [int(mask.shape[0]), int(mask.shape[1])], "counts": runs}


def compressed_rle(mask: np.ndarray) -> dict:
    rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
    return {"size": [int(v) for v in rle["size"]], "counts": rle["counts"].decode("ascii")}


UNICODE_NAME = "ünïcødé/画像 1.jpg"


def coco_dataset() -> dict:
    """Image id 0, category id 0, sub-folders, unicode names, multi-part polygons,
    compressed and uncompressed RLE, iscrowd, unknown keys everywhere."""
    crowd = blob_mask()
    return {
        "info": {"description": "fixture", "year": 2024, "contributor": "tests"},
        "licenses": [{"id": 1, "name": "CC-BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/"}],
        "images": [
            {
                "id": 0,
                "file_name": "top.jpg",
                "width": W,
                "height": H,
                "license": 1,
                "date_captured": "2024-01-01 10:00:00",
            },
            {"id": 7, "file_name": "train/sub/b.png", "width": W, "height": H},
            {"id": 3, "file_name": UNICODE_NAME, "width": W, "height": H, "flickr_url": ""},
        ],
        "categories": [
            {"id": 0, "name": "gun", "supercategory": "weapon"},
            {"id": 5, "name": "sword", "supercategory": "weapon", "keypoints": []},
            {"id": 2, "name": "unused"},
        ],
        # Deliberately not grouped by image.
        "annotations": [
            {
                "id": 10,
                "image_id": 0,
                "category_id": 0,
                "segmentation": [[2, 2, 30, 2, 2, 30]],
                "area": 392.0,
                "bbox": [2, 2, 28, 28],
                "iscrowd": 0,
            },
            {
                "id": 12,
                "image_id": 7,
                "category_id": 0,
                "segmentation": compressed_rle(blob_mask()),
                "area": float(blob_mask().sum()),
                "bbox": [4, 6, 48, 28],
                "iscrowd": 0,
            },
            {
                "id": 13,
                "image_id": 3,
                "category_id": 5,
                "segmentation": uncompressed_rle(crowd),
                "area": float(crowd.sum()),
                "bbox": [4, 6, 48, 28],
                "iscrowd": 1,
            },
            # Three parts; the largest (the second) is the one shown for editing.
            {
                "id": 11,
                "image_id": 0,
                "category_id": 5,
                "segmentation": [
                    [40, 2, 44, 2, 44, 6, 40, 6],
                    [35, 10, 60, 10, 60, 40, 35, 40],
                    [50.5, 42.25, 55.5, 42.25, 53, 46.75],
                ],
                "area": 782.25,
                "bbox": [35, 2, 25, 44.75],
                "iscrowd": 0,
            },
            {
                "id": 4,
                "image_id": 7,
                "category_id": 5,
                "segmentation": [[1.5, 40.25, 10.75, 40.5, 6.125, 46.0]],
                "area": 25.0,
                "bbox": [1.5, 40.25, 9.25, 5.75],
                "iscrowd": 0,
                "attributes": {"occluded": True},
            },
        ],
    }


def annotation(coco: dict, ann_id) -> dict:
    return next(a for a in coco["annotations"] if a["id"] == ann_id)


def normalised(coco: dict) -> dict:
    """The dict with annotations in id order (our writer groups them by image)."""
    out = copy.deepcopy(coco)
    out["annotations"].sort(key=lambda a: a["id"])
    return out


def write_images(folder, coco: dict) -> None:
    for entry in coco["images"]:
        path = folder / entry["file_name"]
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (entry["width"], entry["height"]), (90, 120, 150)).save(path)
