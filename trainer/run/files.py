"""The names of the files in a run folder, in one place: the engine writes them, the CLI, the
subprocess supervisor and the app read them."""

from __future__ import annotations

CONFIG = "config.json"  # the run's TrainConfig (TrainConfig.save)
DATASET = "dataset.json"  # an in-memory COCO dict, saved beside the config
LAST = "last.pth"  # the checkpoint of the latest epoch (what --resume continues)
BEST = "best.pth"  # the checkpoint with the best validation metric
METRICS = "metrics.jsonl"  # the run's events (steps, epochs, checkpoints...), one JSON line each
OLD_METRICS = "metrics.json"  # older runs' summary, still read for their threshold
PREVIEWS = "previews.json"  # the last epoch's preview predictions, kept by the window (its Previews dock)
SUMMARY = "summary.json"  # the run's outcome (best epoch, metrics, suggested threshold)
STDERR = "stderr.log"  # a subprocess run's stderr (python -m trainer run-json)
TENSORBOARD = "tensorboard"  # TensorBoard event files (a folder)
