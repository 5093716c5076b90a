"""labelme's own example folders through Polymask and back: labelme -> project -> labelme
(`polymask convert --to labelme`, also with --embed-images) and -> COCO. Counts what changed
shape by shape (label, type, points, group_id, flags, description, other keys), image flags
and unknown top-level keys, and compares the instance masks labelme itself derives from the
original and the written files (its reader and shape_to_mask, grouped as labelme2coco).

Prints one JSON line per run: per folder, shapes in / out, shapes that differ, keys lost,
the smallest mask IoU, COCO objects and what `convert` printed (notes / warnings).

    python tests/benchmarks/labelme_examples_bench.py --examples LABELME/examples --out DIR \\
        [--labelme-python /path/to/venv-with-labelme/bin/python]

(LABELME: a checkout of github.com/wkentaro/labelme; the folders used are
instance_segmentation/data_annotated, primitives and tutorial.)
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from annotator.cli import main as polymask  # noqa: E402
from tests.benchmarks.labelme_agreement_bench import labelme_masks  # noqa: E402

FOLDERS = ("instance_segmentation/data_annotated", "primitives", "tutorial")
_SHAPE_DEFAULTS = {"group_id": None, "description": "", "flags": {}, "mask": None}


def _shape(s: dict) -> dict:
    """A shape as labelme loads it: missing keys at labelme's defaults, points as floats."""
    out = {**_SHAPE_DEFAULTS, **{k: v for k, v in s.items() if v is not None or k not in _SHAPE_DEFAULTS}}
    out["description"] = out["description"] or ""
    out["points"] = [[float(x), float(y)] for x, y in s["points"]]
    out.setdefault("shape_type", "polygon")
    return out


def _run(args: list[str]) -> tuple[int, list[str]]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = polymask(args)
    return code, [line for line in err.getvalue().splitlines() if line]


def _diff(original: Path, written: Path) -> dict:
    a = json.loads(original.read_text(encoding="utf-8"))
    b = json.loads(written.read_text(encoding="utf-8"))
    sa, sb = [_shape(s) for s in a["shapes"]], [_shape(s) for s in b["shapes"]]
    differing = sum(x != y for x, y in zip(sa, sb)) + abs(len(sa) - len(sb))
    top = {k for k in a if k not in ("shapes", "imageData", "imagePath", "version")}
    return {
        "shapes_in": len(sa),
        "shapes_out": len(sb),
        "shapes_differing": differing,
        "keys_lost": sorted(k for k in top if a[k] != b.get(k)),
        "image_data": [a.get("imageData") is not None, b.get("imageData") is not None],
    }


def _mask_iou(dir_a: Path, dir_b: Path) -> float | None:
    ia = json.loads((dir_a / "index.json").read_text(encoding="utf-8"))
    ib = json.loads((dir_b / "index.json").read_text(encoding="utf-8"))
    worst = 1.0
    for ea, eb in zip(ia, ib):
        if ea["labels"] != eb["labels"] or (ea["height"], ea["width"]) != (eb["height"], eb["width"]):
            return 0.0
        na, nb = np.load(dir_a / ea["npz"]), np.load(dir_b / eb["npz"])
        for i in range(len(ea["labels"])):
            ma, mb = np.unpackbits(na[f"arr_{i}"]), np.unpackbits(nb[f"arr_{i}"])
            worst = min(worst, float((ma & mb).sum()) / max(1, float((ma | mb).sum())))
    return worst if ia else None


def one(folder: Path, out: Path, python: str | None, embed: bool) -> dict:
    src = out / "input"
    shutil.copytree(folder, src)  # extraction writes beside the input: never into the checkout
    written = out / "labelme"
    code, lines = _run(["convert", str(src), str(written), "--to", "labelme", *(["--embed-images"] if embed else [])])
    files = sorted(p for p in src.rglob("*.json"))
    diffs = [_diff(p, written / p.relative_to(src)) for p in files]
    coco_code, coco_lines = _run(["convert", str(src), str(out / "coco.json"), "--to", "coco"])
    coco = json.loads((out / "coco.json").read_text(encoding="utf-8"))
    mine = labelme_masks(written, out / "masks-written", python)
    labelme_masks(src, out / "masks-input", python)
    return {
        "files": len(files),
        "labelme_exit": code,
        "shapes_in": sum(d["shapes_in"] for d in diffs),
        "shapes_out": sum(d["shapes_out"] for d in diffs),
        "shapes_differing": sum(d["shapes_differing"] for d in diffs),
        "keys_lost": sorted({k for d in diffs for k in d["keys_lost"]}),
        "image_data_in_out": [sum(d["image_data"][0] for d in diffs), sum(d["image_data"][1] for d in diffs)],
        "min_instance_mask_iou": _mask_iou(out / "masks-input", out / "masks-written"),
        "convert_said": lines,
        "coco_exit": coco_code,
        "coco_objects": len(coco["annotations"]),
        "coco_said": coco_lines,
        "drawn_by": mine,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", required=True, help="labelme's examples folder")
    parser.add_argument("--out", required=True, help="a new folder for the copies and exports")
    parser.add_argument("--labelme-python", help="a Python with the labelme package (default: this one, else rules)")
    args = parser.parse_args()
    results = {}
    for name in FOLDERS:
        for embed in (False, True):
            key = name + (" --embed-images" if embed else "")
            out = Path(args.out) / key.replace("/", "_").replace(" ", "")
            results[key] = one(Path(args.examples) / name, out, args.labelme_python, embed)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
