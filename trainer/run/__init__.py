"""One training run: the epoch loop (``engine.fit``), one epoch, DDP, the run folder's files and logs."""
