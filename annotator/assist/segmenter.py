"""The promptable segmenter backend: SAM 2.1-tiny (default) or EfficientSAM, run by ``osam`` on
ONNX Runtime (the optional extra ``polymask[assist]``). Both are Apache-2.0.

osam's model classes do the pre- and post-processing; Polymask fetches and checks the files
itself (``weights``: progress, cancel, a mirror, import by hand) and opens them with ONNX Runtime,
so osam never downloads behind the window's back. The image embedding is computed once per image
(``prepare``, in a worker) and kept for the last few images."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

import numpy as np

from .backends import AssistUnavailable
from .proposal import DEFAULT_TOLERANCE, Proposal
from .weights import ModelFile

SEGMENTERS = {"sam2:tiny": "Sam2Tiny", "efficientsam:10m": "EfficientSam10m"}
DEFAULT_SEGMENTER = "sam2:tiny"
INSTALL_HINT = "pip install 'polymask[assist]'"


def _model_class(model: str) -> Any:
    try:
        import onnxruntime  # noqa: F401
        import osam._models as models  # noqa: F401  (osam's model classes: pinned files and processing)
    except ImportError as e:
        raise AssistUnavailable(f"The promptable segmenter needs {e.name} ({INSTALL_HINT}).") from None
    if model not in SEGMENTERS:
        raise AssistUnavailable(f"Unknown segmenter {model!r}; choose one of {', '.join(SEGMENTERS)}.")
    return getattr(models, SEGMENTERS[model])


def model_files(model: str = DEFAULT_SEGMENTER) -> dict[str, ModelFile]:
    """The files ``model`` needs (role → file), with osam's pinned URLs and hashes."""
    cls = _model_class(model)
    return {role: ModelFile(blob.filename, blob.url, blob.hash.split(":", 1)[-1]) for role, blob in cls._blobs.items()}


class SegmenterBackend:
    def __init__(self, model: str = DEFAULT_SEGMENTER, files: dict[str, ModelFile] | None = None, cache_size: int = 3):
        self.name = model
        self._files = files
        self.cache_size = cache_size
        self._model: Any = None
        self._embeddings: OrderedDict[Hashable, Any] = OrderedDict()

    @staticmethod
    def known() -> tuple[str, ...]:
        return tuple(SEGMENTERS)

    def files(self) -> dict[str, ModelFile]:
        if self._files is None:
            self._files = model_files(self.name)
        return self._files

    def problem(self) -> str | None:
        try:
            missing = [f.name for f in self.files().values() if not f.present]
        except AssistUnavailable as e:
            return str(e)
        if missing:
            return f"{self.name}'s model files are not downloaded yet ({', '.join(missing)})."
        return None

    def _loaded(self) -> Any:
        if self._model is None:
            why = self.problem()
            if why:
                raise AssistUnavailable(why)
            import onnxruntime

            cls = _model_class(self.name)
            model = cls.__new__(cls)  # not cls(): its __init__ would download
            try:
                model._inference_sessions = {
                    role: onnxruntime.InferenceSession(str(f.path), providers=["CPUExecutionProvider"])
                    for role, f in self.files().items()
                }
            except Exception as e:  # noqa: BLE001  (a broken file: ONNX Runtime's own exception types)
                raise AssistUnavailable(f"Cannot open {self.name}'s model files: {str(e)[:200]}") from None
            self._model = model
        return self._model

    def prepare(self, key: Hashable, image: np.ndarray) -> None:
        if key in self._embeddings:
            self._embeddings.move_to_end(key)
            return
        self._embeddings[key] = self._loaded().encode_image(np.ascontiguousarray(image))
        while len(self._embeddings) > self.cache_size:
            self._embeddings.popitem(last=False)

    def propose(self, key, image, box, clicks=(), tolerance=DEFAULT_TOLERANCE) -> Proposal:
        from osam import types

        start = time.perf_counter()
        self.prepare(key, image)
        points, labels = [], []
        if box is not None:
            points += [[box[0], box[1]], [box[2], box[3]]]
            labels += [2, 3]  # SAM's box corners
        for x, y, positive in clicks:
            points.append([x, y])
            labels.append(1 if positive else 0)
        prompt = types.Prompt(points=np.array(points, np.float32), point_labels=np.array(labels, np.int32))
        request = types.GenerateRequest(model=self.name, image_embedding=self._embeddings[key], prompt=prompt)
        size = (int(image.shape[0]), int(image.shape[1]))
        annotations = self._loaded().generate(request).annotations
        if not annotations or annotations[0].mask is None:
            p = Proposal.from_mask(np.zeros((0, 0), bool), (0, 0), size, 0.0, self.name, None, tolerance)
        else:
            a = annotations[0]
            origin = (int(a.bounding_box.xmin), int(a.bounding_box.ymin))
            p = Proposal.from_mask(a.mask, origin, size, 1.0, self.name, None, tolerance)
        object.__setattr__(p, "seconds", time.perf_counter() - start)
        return p
