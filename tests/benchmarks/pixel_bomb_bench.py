"""Peak memory of `polymask predict` on a 169-megapixel PNG (13000 x 13000, issue 23 item 8).

Writes the PNG (a few MB: flat colour compresses) and an untrained fast-model checkpoint
into --work, runs predict in a child process and reports its peak resident memory
(ru_maxrss) and exit code as one JSON line. --code runs another checkout (for a before
figure: `git archive OLD | tar -x -C DIR`).

    python tests/benchmarks/pixel_bomb_bench.py --work DIR [--code DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SIDE = 13_000


def prepare(work: Path) -> tuple[Path, Path]:
    from PIL import Image

    from tests.tiny_training import TINY
    from tests.trainer.conftest import untrained_checkpoint
    from trainer.config import TrainConfig
    from trainer.model.registry import resolve_arch

    work.mkdir(parents=True, exist_ok=True)
    png, ckpt = work / "bomb_13000.png", work / "untrained.pth"
    if not png.exists():
        Image.MAX_IMAGE_PIXELS = None
        Image.new("RGB", (SIDE, SIDE), (90, 120, 200)).save(png)
    if not ckpt.exists():
        untrained_checkpoint(ckpt, resolve_arch(TrainConfig(**TINY)), [1, 2])
    return png, ckpt


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--code", type=Path, default=REPO)
    args = parser.parse_args()
    png, ckpt = prepare(args.work)
    env = {**os.environ, "PYTHONPATH": str(args.code)}
    cmd = [sys.executable, "-m", "annotator.cli", "predict", "--checkpoint", str(ckpt), str(png)]
    cmd += ["--out", str(args.work / "results.json"), "--device", "cpu"]
    t = time.perf_counter()
    r = subprocess.run(cmd, cwd=args.work, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - t
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    said = [line for line in r.stderr.splitlines() if line.strip()][-1:] or [""]
    print(
        json.dumps(
            {
                "image": f"{SIDE}x{SIDE}",
                "megapixels": SIDE * SIDE / 1e6,
                "peak_rss_mb": round(peak_mb),
                "seconds": round(seconds, 1),
                "exit": r.returncode,
                "said": said[0][:300],
                "code": str(args.code),
            }
        )
    )


if __name__ == "__main__":
    main()
