"""The promptable segmenter backend through osam: a tiny SAM 2.1-shaped ONNX model (real input and
output names), a fake osam model (the prompt it is given), and the fall-back when it cannot run."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from annotator.assist import Assistant, GrabCutBackend, SegmenterBackend
from annotator.assist import segmenter as segmenter_module
from annotator.assist.weights import ModelFile, sha256_of

from .tiny_onnx import build_sam2


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def placed(paths: dict[str, Path]) -> dict[str, ModelFile]:
    """Model files put where the loader looks, as a download or an import would."""
    files = {}
    for role, p in paths.items():
        f = ModelFile(p.name, f"http://127.0.0.1:9/{p.name}", sha256_of(p))
        f.path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(p, f.path)
        files[role] = f
    return files


def test_tiny_sam2_onnx_runs_through_osam(home, tmp_path):
    enc, dec = build_sam2(tmp_path / "onnx")
    backend = SegmenterBackend("sam2:tiny", placed({"encoder": enc, "decoder": dec}))
    assert backend.problem() is None
    image = np.random.default_rng(0).integers(0, 255, (90, 120, 3)).astype(np.uint8)
    p = backend.propose("a", image, (10, 10, 50, 60), [(20, 20, True), (5, 5, False)])
    # the tiny decoder's logits are positive everywhere: the whole image, as one 4-vertex polygon
    assert (p.backend, p.image_size, p.bbox(), p.vertex_count()) == ("sam2:tiny", (90, 120), [0, 0, 120, 90], 4)
    assert p.full_mask().all()


class FakeSam:
    """Stands in for an osam model class: records what it is asked."""

    _blobs: dict = {}
    encoded: list = []
    prompts: list = []

    def encode_image(self, image):
        from osam import types

        FakeSam.encoded.append(image.shape)
        return types.ImageEmbedding(
            original_height=image.shape[0], original_width=image.shape[1], embedding=np.zeros((1, 2, 2), np.float32)
        )

    def generate(self, request):
        from osam import types

        assert request.image_embedding.original_width == 60
        FakeSam.prompts.append((request.prompt.points.tolist(), request.prompt.point_labels.tolist()))
        mask = np.ones((20, 30), bool)
        box = types.BoundingBox(xmin=5, ymin=7, xmax=34, ymax=26)
        return types.GenerateResponse(model="sam2:tiny", annotations=[types.Annotation(mask=mask, bounding_box=box)])


def test_box_corners_and_clicks_reach_the_model_and_the_embedding_is_cached(home, tmp_path, monkeypatch):
    (tmp_path / "w").write_bytes(b"weights")
    monkeypatch.setattr(segmenter_module, "_model_class", lambda name: FakeSam)
    monkeypatch.setattr("onnxruntime.InferenceSession", lambda path, providers: object())
    FakeSam.encoded, FakeSam.prompts = [], []
    backend = SegmenterBackend("sam2:tiny", placed({"encoder": tmp_path / "w"}))
    image = np.zeros((50, 60, 3), np.uint8)
    p = backend.propose("k", image, (1, 2, 40, 45), [(10, 11, True), (30, 31, False)])
    backend.propose("k", image, None, [(12, 13, True)])
    assert FakeSam.encoded == [(50, 60, 3)]  # once per image
    assert FakeSam.prompts == [
        ([[1, 2], [40, 45], [10, 11], [30, 31]], [2, 3, 1, 0]),
        ([[12, 13]], [1]),
    ]
    assert p.origin == (5, 7) and p.mask.shape == (20, 30) and p.backend == "sam2:tiny"


def test_missing_files_fall_back_to_grabcut_with_a_note(home):
    image = np.full((80, 80, 3), 20, np.uint8)
    image[20:60, 20:60] = (230, 40, 40)
    assistant = Assistant([SegmenterBackend("sam2:tiny"), GrabCutBackend()])
    p = assistant.propose("k", image, (15, 15, 65, 65))
    assert p.backend == "grabcut"
    assert "not downloaded yet" in assistant.notes["sam2:tiny"] and "sam2.1_tiny.onnx" in assistant.notes["sam2:tiny"]


def test_without_osam_the_note_says_what_to_install(home, monkeypatch):
    monkeypatch.setitem(sys.modules, "osam", None)
    monkeypatch.setitem(sys.modules, "osam._models", None)
    why = SegmenterBackend("sam2:tiny").problem()
    assert why is not None and "polymask[assist]" in why


def test_a_broken_model_file_is_a_note_not_a_crash(home, tmp_path):
    (tmp_path / "enc.onnx").write_bytes(b"not onnx")
    (tmp_path / "dec.onnx").write_bytes(b"not onnx either")
    broken = SegmenterBackend("sam2:tiny", placed({"encoder": tmp_path / "enc.onnx", "decoder": tmp_path / "dec.onnx"}))
    assistant = Assistant([broken, GrabCutBackend()])
    image = np.full((40, 40, 3), 20, np.uint8)
    image[10:30, 10:30] = 200
    assert assistant.propose("k", image, (5, 5, 35, 35)).backend == "grabcut"
    assert "Cannot open sam2:tiny" in assistant.notes["sam2:tiny"]


def test_osam_pins_the_files_of_the_default_segmenter():
    files = segmenter_module.model_files("sam2:tiny")
    assert {f.name for f in files.values()} == {"sam2.1_tiny_preprocess.onnx", "sam2.1_tiny.onnx"}
    assert all(len(f.sha256) == 64 for f in files.values())
