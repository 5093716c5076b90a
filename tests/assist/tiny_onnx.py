"""A SAM 2.1-shaped encoder and decoder with a few random weights, built with onnx: the real
input and output names and ranks of the files osam's Sam2 runs, 64 px instead of 1024."""

from __future__ import annotations

from pathlib import Path

import numpy as np

SIDE = 64  # the encoder's input side (SAM 2.1: 1024)


def _save(graph, path: Path) -> Path:
    import onnx

    model = onnx.helper.make_model(graph, opset_imports=[onnx.helper.make_opsetid("", 17)])
    model.ir_version = 8  # what every ONNX Runtime since 1.14 reads
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def _weight(name: str, shape, rng, low=0.01, high=0.1):
    from onnx import numpy_helper

    return numpy_helper.from_array(rng.uniform(low, high, shape).astype(np.float32), name)


def build_sam2(folder: Path, seed: int = 0) -> tuple[Path, Path]:
    """(encoder, decoder) .onnx files. The decoder's mask logits are positive everywhere (positive
    weights over a positive embedding): a proposal of the whole image, whatever the prompt."""
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(seed)
    f32 = TensorProto.FLOAT
    enc = helper.make_graph(
        [
            helper.make_node("Relu", ["input"], ["x"]),
            helper.make_node("Conv", ["x", "w1"], ["high_res_features1"], strides=[4, 4], kernel_shape=[4, 4]),
            helper.make_node("Conv", ["x", "w2"], ["high_res_features2"], strides=[8, 8], kernel_shape=[8, 8]),
            helper.make_node("Conv", ["x", "w0"], ["image_embeddings"], strides=[16, 16], kernel_shape=[16, 16]),
        ],
        "encoder",
        [helper.make_tensor_value_info("input", f32, [1, 3, SIDE, SIDE])],
        [
            helper.make_tensor_value_info("image_embeddings", f32, [1, 8, 4, 4]),
            helper.make_tensor_value_info("high_res_features1", f32, [1, 4, 16, 16]),
            helper.make_tensor_value_info("high_res_features2", f32, [1, 4, 8, 8]),
        ],
        [_weight("w0", (8, 3, 16, 16), rng), _weight("w1", (4, 3, 4, 4), rng), _weight("w2", (4, 3, 8, 8), rng)],
    )
    dec = helper.make_graph(
        [
            helper.make_node("Conv", ["image_embeddings", "wd", "bd"], ["low"]),
            helper.make_node("Resize", ["low", "", "low_scales"], ["low_res_masks"], mode="linear"),
            helper.make_node("Concat", ["batch_and_masks", "orig_im_size"], ["out_size"], axis=0),
            helper.make_node("Resize", ["low", "", "", "out_size"], ["masks"], mode="linear"),
            helper.make_node("ReduceMean", ["low"], ["iou_predictions"], axes=[2, 3], keepdims=0),
        ],
        "decoder",
        [
            helper.make_tensor_value_info("image_embeddings", f32, [1, 8, 4, 4]),
            helper.make_tensor_value_info("high_res_features1", f32, [1, 4, 16, 16]),
            helper.make_tensor_value_info("high_res_features2", f32, [1, 4, 8, 8]),
            helper.make_tensor_value_info("point_coords", f32, [1, None, 2]),
            helper.make_tensor_value_info("point_labels", f32, [1, None]),
            helper.make_tensor_value_info("mask_input", f32, [1, 1, 256, 256]),
            helper.make_tensor_value_info("has_mask_input", f32, [1]),
            helper.make_tensor_value_info("orig_im_size", TensorProto.INT64, [2]),
        ],
        [
            helper.make_tensor_value_info("masks", f32, [1, 3, None, None]),
            helper.make_tensor_value_info("iou_predictions", f32, [1, 3]),
            helper.make_tensor_value_info("low_res_masks", f32, [1, 3, 16, 16]),
        ],
        [
            _weight("wd", (3, 8, 1, 1), rng),
            numpy_helper.from_array(np.full(3, 0.5, np.float32), "bd"),
            numpy_helper.from_array(np.array([1, 1, 4, 4], np.float32), "low_scales"),
            numpy_helper.from_array(np.array([1, 3], np.int64), "batch_and_masks"),
        ],
    )
    folder.mkdir(parents=True, exist_ok=True)
    return _save(enc, folder / "sam2.1_tiny_preprocess.onnx"), _save(dec, folder / "sam2.1_tiny.onnx")
