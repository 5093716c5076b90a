"""Property-based round trips at scale: VIA -> project -> VIA and COCO -> project -> COCO,
>= 2,000 generated files each (unknown keys of any name, integers of any size, lone
surrogates), each checked directly and through the native project file. Also the peak
memory of opening the 39-byte RLE bomb (a 70000x70000 mask).

Prints one JSON line: cases, failures and seconds per format, rle_bomb_peak_mb.

    python tests/benchmarks/roundtrip_bench.py [--cases 2000]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402

from tests.io.roundtrip_strategies import coco_file, coco_round_trip, via_file, via_round_trip  # noqa: E402


def run(strategy, check, cases: int) -> dict:
    counts = {"cases": 0, "failures": 0, "first_failure": None}

    @settings(
        max_examples=cases,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def each(data):
        counts["cases"] += 1
        try:
            differs = check(data)
        except Exception as exc:  # a crash counts as a failure, and the run goes on
            differs = [f"{type(exc).__name__}: {exc}"]
        if differs:
            counts["failures"] += 1
            counts["first_failure"] = counts["first_failure"] or differs[0][:200]

    start = time.perf_counter()
    each()
    counts["seconds"] = round(time.perf_counter() - start, 1)
    return counts


def rle_bomb_peak_mb() -> float:
    from annotator.io import open_path
    from tests.io.malformed_corpus import RLE_BOMB, coco

    data = coco()
    data["annotations"][0]["segmentation"] = RLE_BOMB
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bomb.json"
        path.write_text(json.dumps(data), encoding="utf-8")
        tracemalloc.start()
        open_path(path)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return round(peak / 1e6, 2)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--cases", type=int, default=2000)
    args = ap.parse_args()
    # Temp files on a RAM disk when there is one: the checks fsync every save.
    if os.path.isdir("/dev/shm"):
        tempfile.tempdir = "/dev/shm"
    out = {
        "via": run(via_file(), via_round_trip, args.cases),
        "coco": run(coco_file(), coco_round_trip, args.cases),
        "rle_bomb_peak_mb": rle_bomb_peak_mb(),
        "python": sys.version.split()[0],
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
