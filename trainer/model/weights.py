"""Initial weights: COCO (torchvision weights API + its cache), ImageNet backbone, none, a local .pth.

Loading is by name *and* shape, so the class-specific predictor layers (and an RPN head whose
anchor count changed) are skipped and stay freshly initialised for K classes. Downloaded files are
checked against the sha256 prefix in their names and read with ``weights_only=True``: a file in
the cache cannot run code."""

from __future__ import annotations

import hashlib
import os
import re
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

from trainer.errors import CheckpointError, WeightsUnavailableError
from trainer.model.names import FAST


def _coco_enum(arch: dict[str, Any]):
    name = arch["model"]
    if name == "maskrcnn_resnet50_fpn_v2":
        return MaskRCNN_ResNet50_FPN_V2_Weights.COCO_V1
    if name == "maskrcnn_resnet50_fpn":
        return MaskRCNN_ResNet50_FPN_Weights.COCO_V1
    # No COCO Mask R-CNN exists on MobileNet: use the Faster R-CNN one trained nearest our input size.
    return (
        FasterRCNN_MobileNet_V3_Large_320_FPN_Weights.COCO_V1
        if arch["min_size"] < 600
        else FasterRCNN_MobileNet_V3_Large_FPN_Weights.COCO_V1
    )


def _imagenet_enum(arch: dict[str, Any]):
    return MobileNet_V3_Large_Weights.IMAGENET1K_V1 if arch["model"] == FAST else ResNet50_Weights.IMAGENET1K_V1


def cache_path(weights_enum) -> Path:
    return Path(torch.hub.get_dir()) / "checkpoints" / os.path.basename(weights_enum.url)


_HASH_IN_NAME = re.compile(r"-([0-9a-f]{8,64})\.[^.]+$")


def sha256_prefix_in_name(file_name: str) -> str | None:
    """torchvision names its files ``name-<first hex digits of the sha256>.pth`` (torch.hub's convention)."""
    m = _HASH_IN_NAME.search(file_name)
    return m.group(1) if m else None


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_pretrained_file(path: Path, url: str) -> dict[str, torch.Tensor]:
    """Load a downloaded torchvision weights file safely: its sha256 must start with the prefix its
    name carries, and it is unpickled with ``weights_only=True`` (tensors and plain data only).

    torch.hub's own loader checks the hash only while downloading and unpickles a cached file in
    full, so a file planted in the cache could run code: it is never used here."""
    redo = f"Delete it and download {url} again, or train with weights 'none' or a local .pth file."
    expected = sha256_prefix_in_name(path.name)
    try:
        actual = _sha256(path)
    except OSError as e:
        raise WeightsUnavailableError(f"Cannot read the pretrained weights file {path}: {e.strerror or e}.") from None
    if expected is None or not actual.startswith(expected):
        raise WeightsUnavailableError(
            f"The pretrained weights file {path} is not the file torchvision publishes: its SHA-256 starts with "
            f"{actual[: len(expected or '') or 8]}, but its name says {expected or '(no hash in the name)'}. "
            f"It may be incomplete or tampered with, so it was not loaded. {redo}"
        )
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # noqa: BLE001 - UnpicklingError, RuntimeError, EOFError...
        first = (str(e).splitlines() or [type(e).__name__])[0][:200]
        raise WeightsUnavailableError(
            f"The pretrained weights file {path} cannot be loaded safely ({first}). {redo}"
        ) from None
    if not isinstance(state, dict) or not any(isinstance(v, torch.Tensor) for v in state.values()):
        raise WeightsUnavailableError(f"The pretrained weights file {path} holds no tensors. {redo}")
    return state


def fetch_state_dict(weights_enum) -> dict[str, torch.Tensor]:
    """From torch's hub cache, downloading if needed; offline → WeightsUnavailableError saying what to do."""
    url = weights_enum.url
    target = cache_path(weights_enum)
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        try:  # checks the sha256 prefix while downloading; writes a temp file, then renames it
            torch.hub.download_url_to_file(url, str(target), sha256_prefix_in_name(target.name), progress=False)
        except Exception as e:  # noqa: BLE001 - URLError, HTTPError, socket errors, hash mismatch...
            raise WeightsUnavailableError(
                f"Could not get the pretrained weights {target.name} ({type(e).__name__}: {e}). "
                f"Download {url} on a machine with internet and place it at {target} "
                "(torch's hub cache), or train with weights 'none', 'imagenet' or a local .pth file."
            ) from None
    return read_pretrained_file(target, url)


def load_matching(
    model: nn.Module, state: dict[str, torch.Tensor], prefix_map: dict[str, str] | None = None
) -> tuple[int, list[str]]:
    """Copy tensors whose name and shape match; return (count loaded, names skipped for shape)."""
    own = model.state_dict()
    take, skipped = {}, []
    for k, v in state.items():
        key = k
        for old, new in (prefix_map or {}).items():
            if key.startswith(old):
                key = new + key[len(old) :]
                break
        if key in own and hasattr(v, "shape"):
            if own[key].shape == v.shape:
                take[key] = v
            else:
                skipped.append(key)
    model.load_state_dict(take, strict=False)
    return len(take), skipped


def _loaded_message(source: str, file_name: str, model: nn.Module, n: int) -> str:
    total = len(model.state_dict())
    return (
        f"Started from {source} weights ({file_name}): loaded {n} of this model's {total} tensors; "
        f"{total - n} start freshly initialised."
    )


def _load_pretrained(
    model: nn.Module, enum, source: str, prefix_map: dict[str, str] | None = None
) -> tuple[int, list[str]]:
    state = fetch_state_dict(enum)
    n, skipped = load_matching(model, state, prefix_map)
    if n == 0:
        raise WeightsUnavailableError(
            f"No tensor in the {source} weights file {cache_path(enum)} fits this model "
            f"({len(state)} tensors, none with matching names and shapes): is it the "
            f"right file? Delete it and download {enum.url} again."
        )
    return n, skipped


def load_initial_weights(model: nn.Module, arch: dict[str, Any], weights: str) -> list[str]:
    """Apply ``weights`` (coco | imagenet | none | path). Returns messages worth showing the user,
    the first saying how many tensors were loaded and how many start fresh."""
    if weights == "none":
        return []
    if weights == "coco":
        enum = _coco_enum(arch)
        n, skipped = _load_pretrained(model, enum, "COCO")
        msgs = [_loaded_message("COCO", os.path.basename(enum.url), model, n)]
        if arch["model"] == FAST:
            msgs.append(
                "No COCO Mask R-CNN exists for MobileNet: the backbone, RPN and box head come from COCO "
                "Faster R-CNN, and the mask head starts untrained."
            )
        other = [k for k in skipped if "box_predictor" not in k and "mask_fcn_logits" not in k]
        if other:
            msgs.append(
                f"Re-initialised {len(other)} pretrained tensors whose shape differs from this "
                f"configuration (e.g. {other[0]}): changed anchors?"
            )
        return msgs
    if weights == "imagenet":
        enum = _imagenet_enum(arch)
        prefix = {"features.": "backbone.body."} if arch["model"] == FAST else {"": "backbone.body."}
        n, _ = _load_pretrained(model, enum, "ImageNet", prefix)
        return [_loaded_message("ImageNet", os.path.basename(enum.url), model, n)]
    return _load_local(model, Path(weights))


def _load_local(model: nn.Module, path: Path) -> list[str]:
    from trainer.model.checkpoint import load_checkpoint

    obj = load_checkpoint(path, require_ours=False)
    state = obj.get("model", obj) if isinstance(obj, dict) else None
    if not isinstance(state, dict) or not any(hasattr(v, "shape") for v in state.values()):
        raise CheckpointError(f"{path} holds no model weights (expected a state dict or a checkpoint with 'model').")
    state = {k.removeprefix("module."): v for k, v in state.items()}  # saved from DDP
    n, skipped = load_matching(model, state)
    if n == 0:
        raise CheckpointError(
            f"No tensor in {path} fits this model ({len(state)} tensors, none with matching names "
            "and shapes): is it a Mask R-CNN of the same kind?"
        )
    return [
        f"Loaded {n} of {len(model.state_dict())} tensors from {path.name}"
        + (f"; {len(skipped)} re-initialised for a different shape (class count)." if skipped else ".")
    ]
