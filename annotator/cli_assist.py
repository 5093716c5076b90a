"""`polymask assist IMAGE --box X,Y,W,H [--point X,Y[,0|1]]...`: the window's Assist tool from a
terminal; prints the proposal as one JSON object (COCO-style segmentation, bbox, score, backend)."""

from __future__ import annotations

import json
import sys


def add_assist_parser(sub) -> None:
    p = sub.add_parser(
        "assist",
        help="a polygon of the object in a box (or under clicks), as JSON",
        description="Propose the polygon of one object from a box and/or clicks, with the project's own model, "
        "a promptable segmenter (polymask[assist]) or GrabCut, the first usable in that order unless --backend says.",
    )
    p.add_argument("image", help="an image file")
    p.add_argument("--box", metavar="X,Y,W,H", help="the object's box in image pixels")
    p.add_argument(
        "--point",
        metavar="X,Y[,1|0]",
        action="append",
        default=[],
        help="a click: 1 on the object (default), 0 background",
    )
    p.add_argument("--checkpoint", metavar="C", help="a trained model (best.pth of a run): the first backend tried")
    p.add_argument("--backend", choices=("grabcut", "osam", "model", "model+grabcut"), help="use only this backend")
    p.add_argument("--tolerance", type=float, metavar="PX", help="polygon simplification in pixels (default 2)")


def _numbers(text: str, counts: tuple[int, ...], what: str) -> list[float]:
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        values = []
    if len(values) not in counts:
        raise ValueError(f"--{what} {text!r}: expected {' or '.join(str(c) for c in counts)} comma-separated numbers")
    return values


def run_assist(args, fail) -> int:
    from .assist import DEFAULT_TOLERANCE, Assistant, AssistUnavailable, backends_named, default_backends
    from .io.images import ImageReadError, load_image

    try:
        box = None
        if args.box:
            x, y, w, h = _numbers(args.box, (4,), "box")
            if w <= 0 or h <= 0:
                raise ValueError(f"--box {args.box!r}: width and height must be positive")
            box = (x, y, x + w, y + h)
        clicks = []
        for text in args.point:
            v = _numbers(text, (2, 3), "point")
            clicks.append((v[0], v[1], len(v) == 2 or v[2] != 0))
    except ValueError as e:
        return fail(str(e))
    if box is None and not clicks:
        return fail("give a --box or at least one --point")
    try:
        import numpy as np

        image = np.asarray(load_image(args.image))
    except ImageReadError as e:
        return fail(str(e), 1)
    try:
        if args.backend:
            backends = backends_named(args.backend, args.checkpoint)
        else:
            backends = default_backends(args.checkpoint)
        assistant = Assistant(backends)
        tolerance = DEFAULT_TOLERANCE if args.tolerance is None else args.tolerance
        proposal = assistant.propose(args.image, image, box, clicks, tolerance)
    except AssistUnavailable as e:
        return fail(str(e), 1)
    for name, why in assistant.notes.items():
        print(f"note: {name} skipped: {why}", file=sys.stderr)
    out = proposal.to_json()
    out["image"] = str(args.image)
    out["seconds"] = round(proposal.seconds, 3)
    print(json.dumps(out))
    return 0 if not proposal.empty else 1
