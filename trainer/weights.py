"""Initial weights: COCO (torchvision weights API + its cache), ImageNet backbone, none, a local .pth.

Loading is by name *and* shape, so the class-specific predictor layers (and an RPN head whose
anchor count changed) are skipped and stay freshly initialised for K classes."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torchvision.models import MobileNet_V3_Large_Weights, ResNet50_Weights
from torchvision.models.detection import (
    FasterRCNN_MobileNet_V3_Large_320_FPN_Weights,
    FasterRCNN_MobileNet_V3_Large_FPN_Weights,
    MaskRCNN_ResNet50_FPN_V2_Weights,
    MaskRCNN_ResNet50_FPN_Weights,
)

from .errors import CheckpointError, WeightsUnavailableError
from .models import FAST


def _coco_enum(arch: dict[str, Any]):
    name = arch["model"]
    if name == "maskrcnn_resnet50_fpn_v2":
        return MaskRCNN_ResNet50_FPN_V2_Weights.COCO_V1
    if name == "maskrcnn_resnet50_fpn":
        return MaskRCNN_ResNet50_FPN_Weights.COCO_V1
    # No COCO Mask R-CNN exists on MobileNet: use the Faster R-CNN one trained nearest our input size.
    return (FasterRCNN_MobileNet_V3_Large_320_FPN_Weights.COCO_V1 if arch["min_size"] < 600
            else FasterRCNN_MobileNet_V3_Large_FPN_Weights.COCO_V1)


def _imagenet_enum(arch: dict[str, Any]):
    return MobileNet_V3_Large_Weights.IMAGENET1K_V1 if arch["model"] == FAST else ResNet50_Weights.IMAGENET1K_V1


def cache_path(weights_enum) -> Path:
    return Path(torch.hub.get_dir()) / "checkpoints" / os.path.basename(weights_enum.url)


def fetch_state_dict(weights_enum) -> dict[str, torch.Tensor]:
    """From torch's hub cache, downloading if needed; offline → WeightsUnavailableError saying what to do."""
    target = cache_path(weights_enum)
    try:
        return weights_enum.get_state_dict(progress=False, check_hash=True)
    except Exception as e:  # noqa: BLE001 - URLError, HTTPError, socket errors, hash mismatch...
        raise WeightsUnavailableError(
            f"Could not get the pretrained weights {target.name} ({type(e).__name__}: {e}). "
            f"Download {weights_enum.url} on a machine with internet and place it at {target} "
            "(torch's hub cache), or train with weights 'none', 'imagenet' or a local .pth file."
        ) from None


def load_matching(model: nn.Module, state: dict[str, torch.Tensor], prefix_map: dict[str, str] | None = None) -> tuple[int, list[str]]:
    """Copy tensors whose name and shape match; return (count loaded, names skipped for shape)."""
    own = model.state_dict()
    take, skipped = {}, []
    for k, v in state.items():
        key = k
        for old, new in (prefix_map or {}).items():
            if key.startswith(old):
                key = new + key[len(old):]
                break
        if key in own and hasattr(v, "shape"):
            if own[key].shape == v.shape:
                take[key] = v
            else:
                skipped.append(key)
    model.load_state_dict(take, strict=False)
    return len(take), skipped


def load_initial_weights(model: nn.Module, arch: dict[str, Any], weights: str) -> list[str]:
    """Apply ``weights`` (coco | imagenet | none | path). Returns messages worth showing the user."""
    if weights == "none":
        return []
    if weights == "coco":
        enum = _coco_enum(arch)
        n, skipped = load_matching(model, fetch_state_dict(enum))
        msgs = []
        if arch["model"] == FAST:
            msgs.append(f"Started from COCO Faster R-CNN weights ({os.path.basename(enum.url)}: backbone, RPN, "
                        "box head); no COCO Mask R-CNN exists for MobileNet, so the mask head starts untrained.")
        other = [k for k in skipped if "box_predictor" not in k and "mask_fcn_logits" not in k]
        if other:
            msgs.append(f"Re-initialised {len(other)} pretrained tensors whose shape differs from this "
                        f"configuration (e.g. {other[0]}): changed anchors?")
        return msgs
    if weights == "imagenet":
        enum = _imagenet_enum(arch)
        prefix = {"features.": "backbone.body."} if arch["model"] == FAST else {"": "backbone.body."}
        load_matching(model, fetch_state_dict(enum), prefix)
        return []
    return _load_local(model, Path(weights))


def _load_local(model: nn.Module, path: Path) -> list[str]:
    from .checkpoint import load_checkpoint

    obj = load_checkpoint(path, require_ours=False)
    state = obj.get("model", obj) if isinstance(obj, dict) else None
    if not isinstance(state, dict) or not any(hasattr(v, "shape") for v in state.values()):
        raise CheckpointError(f"{path} holds no model weights (expected a state dict or a checkpoint with 'model').")
    state = {k.removeprefix("module."): v for k, v in state.items()}  # saved from DDP
    n, skipped = load_matching(model, state)
    if n == 0:
        raise CheckpointError(f"No tensor in {path} fits this model ({len(state)} tensors, none with matching names "
                              "and shapes): is it a Mask R-CNN of the same kind?")
    return [f"Loaded {n} of {len(model.state_dict())} tensors from {path.name}"
            + (f"; {len(skipped)} re-initialised for a different shape (class count)." if skipped else ".")]
