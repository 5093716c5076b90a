"""``merge A.json B.json ... -o C.json``: several COCO files as one (see ``coco_merge``)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from trainer.config import atomic_write_text
from trainer.errors import TrainerError

EXIT_OK, EXIT_FAILED = 0, 1


def add_merge_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "merge",
        help="merge COCO files into one (classes matched by name, ids renumbered)",
        description="Merge COCO instance-segmentation files into one. Classes are matched by name; image and "
        "annotation ids are renumbered. Each file's images are looked for beside it, and the merged file names "
        "are written relative to the output file. An image listed by two files is an error.",
    )
    p.add_argument("inputs", nargs="+", metavar="COCO", help="COCO files to merge, in order")
    p.add_argument("-o", "--out", required=True, metavar="FILE", help="the merged COCO file to write")
    return p


def run_merge(args: argparse.Namespace) -> int:
    from trainer.dataset.coco_merge import merge_coco  # imports torch (through .data): not for `predict --help`

    out = Path(args.out)
    try:
        merged = merge_coco([(str(p), None) for p in args.inputs], relative_to=str(out.resolve().parent))
        for im in merged["images"]:
            del im["source_index"]
        atomic_write_text(out, json.dumps(merged))
    except TrainerError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_FAILED
    print(
        f"wrote {out}: {len(merged['images'])} images, {len(merged['annotations'])} annotations, "
        f"{len(merged['categories'])} classes ({', '.join(c['name'] for c in merged['categories'])}) "
        f"from {len(args.inputs)} files"
    )
    return EXIT_OK
