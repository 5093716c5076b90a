"""What labelme itself makes of a labelme file: its instance masks, by labelme's rules.

labelme's ``utils.shape_to_mask`` draws each shape with PIL (polygon and oriented rectangle
filled, line / linestrip a 10 px stroke, point a 5 px disc, rectangle and circle filled) and
its ``examples/instance_segmentation/labelme2coco.py`` makes one instance of the shapes that
share a label and a ``group_id`` (a shape without one is an instance of its own), leaving out
``__ignore__``. This file encodes those rules (numpy and Pillow only); with the ``labelme``
package importable, ``instance_masks(..., use_labelme=True)`` reads the file with labelme's own
reader and draws with labelme's own ``shape_to_mask`` instead.

Also run under another Python (a venv holding labelme) by tests/benchmarks/labelme_agreement_bench.py.
"""

from __future__ import annotations

import base64
import io
import json
import math
import uuid
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

IGNORED = ("__ignore__",)


def shape_to_mask(img_shape, points, shape_type=None, line_width=10, point_size=5) -> np.ndarray:
    """labelme.utils.shape_to_mask, as labelme 5-7 write it."""
    mask = Image.fromarray(np.zeros(img_shape[:2], dtype=np.uint8))
    draw = ImageDraw.Draw(mask)
    xy = [tuple(p) for p in points]
    if shape_type == "circle":
        (cx, cy), (px, py) = xy
        d = math.hypot(cx - px, cy - py)
        draw.ellipse([cx - d, cy - d, cx + d, cy + d], outline=1, fill=1)
    elif shape_type == "rectangle":
        (x0, y0), (x1, y1) = xy
        draw.rectangle([min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)], outline=1, fill=1)
    elif shape_type in ("line", "linestrip"):
        draw.line(xy=xy, fill=1, width=line_width)
    elif shape_type == "point":
        (cx, cy), r = xy[0], point_size
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], outline=1, fill=1)
    elif shape_type in (None, "polygon", "oriented_rectangle"):
        draw.polygon(xy=xy, outline=1, fill=1)
    else:
        raise ValueError(f"shape_type={shape_type!r} is not supported")
    return np.array(mask, dtype=bool)


def _mask_of(shape: dict, height: int, width: int, draw) -> np.ndarray:
    if shape.get("shape_type") == "mask":  # labelme.utils.shapes_to_label's rule
        crop = np.asarray(Image.open(io.BytesIO(base64.b64decode(shape["mask"])))).astype(bool)
        if crop.ndim == 3:
            crop = crop[..., 0]
        (x1, y1), (x2, y2) = np.asarray(shape["points"]).astype(int)
        mask = np.zeros((height, width), dtype=bool)
        mask[y1 : y2 + 1, x1 : x2 + 1] = crop
        return mask
    if shape.get("shape_type") == "points":  # labelme 7: one disc per point
        return np.any([draw((height, width), [p], "point") for p in shape["points"]], axis=0)
    return draw((height, width), shape["points"], shape.get("shape_type") or "polygon")


def instance_masks(json_path, use_labelme: bool = False) -> dict:
    """{"imagePath", "height", "width", "instances": [(label, mask), ...]} as labelme2coco
    groups them (first appearance order). Sizes from the image (labelme's reader checks that
    imageHeight / imageWidth match it) when `use_labelme`, else from the file."""
    data = json.loads(Path(json_path).read_text(encoding="utf-8"))
    draw = shape_to_mask
    if use_labelme:
        from labelme import utils  # the real package

        try:
            from labelme._label_file import read_label_file

            loaded = read_label_file(str(json_path))
            shapes, image_data = loaded.shapes, loaded.image_data
        except ImportError:  # labelme 5
            from labelme import LabelFile

            lf = LabelFile(str(json_path))
            shapes, image_data = lf.shapes, lf.imageData
        image = utils.img_data_to_arr(image_data)
        height, width = image.shape[:2]
        draw = utils.shape_to_mask
        shapes = [{**s, "mask": data["shapes"][i].get("mask")} for i, s in enumerate(shapes)]
    else:
        shapes, height, width = data["shapes"], data["imageHeight"], data["imageWidth"]
    masks: dict = {}
    for shape in shapes:
        group = shape.get("group_id")
        key = (shape["label"], uuid.uuid1() if group is None else group)
        mask = _mask_of(shape, height, width, draw)
        masks[key] = masks[key] | mask if key in masks else mask
    return {
        "imagePath": data["imagePath"],
        "height": height,
        "width": width,
        "declared": (data.get("imageHeight"), data.get("imageWidth")),
        "instances": [(label, m) for (label, _), m in masks.items() if label not in IGNORED],
    }


def dump(folder: str, out: str, use_labelme: bool) -> None:
    """Every labelme file below `folder` as instance masks in `out` (packed .npz + index.json)."""
    index = []
    for n, path in enumerate(sorted(p for p in Path(folder).rglob("*.json") if not p.name.startswith("."))):
        got = instance_masks(path, use_labelme)
        packed = [np.packbits(m) for _, m in got["instances"]]
        np.savez_compressed(Path(out) / f"{n}.npz", *packed)
        index.append(
            {
                "file": str(path.relative_to(folder)),
                "imagePath": got["imagePath"],
                "height": got["height"],
                "width": got["width"],
                "declared": got["declared"],
                "labels": [label for label, _ in got["instances"]],
                "npz": f"{n}.npz",
            }
        )
    (Path(out) / "index.json").write_text(json.dumps(index), encoding="utf-8")


if __name__ == "__main__":  # python labelme_rules.py FOLDER OUT [--labelme]
    import sys

    dump(sys.argv[1], sys.argv[2], "--labelme" in sys.argv)
