"""Is BatchNorm's running statistics what spoils a from-scratch run? Evaluates a run's checkpoint on
its own validation images twice: as trained (running statistics, as predict uses it) and, for a
BatchNorm model, with each image's own statistics (running statistics dropped). One JSON line.

    python tests/benchmarks/bn_stats_probe.py RUN/last.pth
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.benchmarks.segm_quality_bench import evaluate_model  # noqa: E402
from trainer.config import TrainConfig  # noqa: E402
from trainer.dataset.training_set import prepare_training  # noqa: E402
from trainer.evaluation.evaluate import coco_from_dict  # noqa: E402
from trainer.evaluation.score_threshold import best_f1_threshold  # noqa: E402
from trainer.model.checkpoint import load_checkpoint  # noqa: E402
from trainer.model.registry import build_model  # noqa: E402


def figures(model, prepared) -> dict:
    t0 = time.perf_counter()
    metrics, results = evaluate_model(model, prepared)
    choice = best_f1_threshold(coco_from_dict(prepared.val_ground_truth()), results)
    shown = {k: round(100 * v, 2) for k, v in metrics.items() if v is not None}
    return shown | {k: choice[k] for k in ("f1", "found", "objects")} | {"s": round(time.perf_counter() - t0)}


def main() -> None:
    path = Path(sys.argv[1])
    ckpt = load_checkpoint(path)
    prepared = prepare_training(TrainConfig.from_dict(ckpt["config"]))
    model = build_model(ckpt["arch"], len(prepared.class_names) + 1)
    model.load_state_dict(ckpt["model"])
    model.eval()
    out = {"checkpoint": str(path), "epoch": ckpt["epoch"], "norm": ckpt["arch"]["norm"]}
    out["running_stats"] = figures(model, prepared)
    if ckpt["arch"]["norm"] == "batch":
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.track_running_stats, m.running_mean, m.running_var = False, None, None
        out["per_image_stats"] = figures(model, prepared)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
