"""Pre-label an image with a checkpoint, as COCO annotations (polygons with the user's class ids):
the ``predict`` a ``LiveSession`` is given. The predictor is kept while the checkpoint file is
unchanged, and reloaded when live training writes a newer one."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from trainer.dataset.decode import open_image
from trainer.inference.predict import Predictor


class CheckpointPredictor:
    def __init__(self, score_threshold: float = 0.5, device: str = "cpu", threads: int | None = None):
        self.score_threshold, self.device, self.threads = score_threshold, device, threads
        self._key: tuple[str, int] | None = None
        self._predictor: Predictor | None = None

    def predictor(self, checkpoint: Path) -> Predictor:
        st = os.stat(checkpoint)
        key = (str(checkpoint), st.st_mtime_ns)
        if self._predictor is None or key != self._key:
            self._predictor, self._key = Predictor.from_checkpoint(checkpoint, self.device), key
        return self._predictor

    def __call__(self, checkpoint: Path, image_path: str) -> list[dict[str, Any]]:
        if self.threads:
            import torch

            torch.set_num_threads(self.threads)
        p = self.predictor(checkpoint)
        image, _ = open_image(image_path)
        out = []
        for inst in p.predict(image, self.score_threshold):
            polys = [q for q in inst.polygons if len(q) >= 6]
            if polys:
                cat = p.category_ids[inst.label - 1]
                out.append({"category_id": cat, "segmentation": polys, "score": float(inst.score)})
        return out
