"""Model registry by name: Mask R-CNN variants with heads sized for K classes.

``resolve_arch(config)`` turns a config into a JSON-safe architecture dict (stored in
checkpoints), ``build_model(arch, num_classes)`` builds it with random weights: no
download ever happens here (see ``trainer.model.weights``)."""

from __future__ import annotations

import copy
import functools
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torchvision.models import mobilenet_v3_large, resnet50
from torchvision.models.detection import MaskRCNN
from torchvision.models.detection.anchor_utils import AnchorGenerator
from torchvision.models.detection.backbone_utils import _mobilenet_extractor, _resnet_fpn_extractor
from torchvision.models.detection.faster_rcnn import FastRCNNConvFCHead, RPNHead
from torchvision.models.detection.mask_rcnn import MaskRCNNHeads
from torchvision.ops import misc as misc_nn_ops

from trainer.choices import ARCH_KEYS, NAMED_WEIGHTS
from trainer.errors import ConfigError, TrainerError
from trainer.model.names import FAST, MODEL_DEFAULTS, resolve_model_name

# The fast model's normalisation from scratch. Trained at batch 2, BatchNorm's running averages do
# not describe what the layers saw: on gun/sword photos (one seed, docs/learning.md) the same
# BatchNorm weights scored bbox AP 12.2 % with each image's own statistics ("local") against
# 6.6 % with the running ones after 160 iterations. GroupNorm, which needs no batch statistics at
# all, found the masks best: segm AP50 15.5 / 9.1 % after 128 / 160 iterations against 10.3 / 5.8 %
# for local BatchNorm and 0 / 0 % for running statistics (F1 0.20 / 0.12 vs 0.10 / 0.06 vs 0);
# after 192 GroupNorm and local BatchNorm were level (11.3 vs 12.7 %), running statistics 9.4 %.
SCRATCH_NORM = "group"


def _anchors(sizes: Any, ratios: Any, levels: int, name: str) -> tuple[list[list[float]], list[list[float]]]:
    if sizes and all(isinstance(s, (list, tuple)) for s in sizes):
        per_level = [list(s) for s in sizes]
        if len(per_level) != levels:
            raise ConfigError(
                f"'anchor_sizes' for {name} needs {levels} lists (one per FPN level), got {len(per_level)}."
            )
    elif levels == 5 and len(sizes) == 5:
        per_level = [[s] for s in sizes]  # ResNet FPN: one size per level, as torchvision does
    else:
        per_level = [list(sizes)] * levels
    counts = {len(s) for s in per_level}
    if len(counts) != 1:
        raise ConfigError("'anchor_sizes' must give the same number of sizes on every FPN level.")
    return per_level, [list(ratios)] * levels


def resolve_norm(norm: str, name: str, pretrained: bool) -> str:
    """``auto``: frozen BatchNorm over pretrained weights (as torchvision), and for the fast model
    from scratch the normalisation measured best on real photos (SCRATCH_NORM); the
    ResNet-50 v2 keeps torchvision's trainable BatchNorm."""
    if norm != "auto":
        return norm
    if name == "maskrcnn_resnet50_fpn_v2":
        return "batch"
    if pretrained:
        return "frozen"
    return SCRATCH_NORM if name == FAST else "batch"


def norm_of(arch: dict[str, Any]) -> str:
    """The normalisation an architecture was built with. Older checkpoints said it with
    ``frozen_bn`` (and had no ``norm`` before GroupNorm: BatchNorm)."""
    return "frozen" if arch.get("frozen_bn") else str(arch.get("norm", "batch"))


def warm_start_arch(weights: str, name: str) -> dict[str, Any] | None:
    """The network a Polymask checkpoint given as `weights` (a file) was trained with, when it is
    the same model `name`; None for coco / imagenet / none / last, a plain state dict or another model."""
    if weights in NAMED_WEIGHTS or not Path(weights).is_file():
        return None
    st = Path(weights).stat()
    arch = _checkpoint_arch(str(Path(weights).resolve()), st.st_mtime_ns, st.st_size)
    if arch is None or arch.get("model") != name:
        return None
    return copy.deepcopy(arch)


@functools.lru_cache(maxsize=8)
def _checkpoint_arch(path: str, mtime_ns: int, size: int) -> dict[str, Any] | None:
    """A checkpoint file's arch, read once per version of the file: a run resolves its
    architecture more than once (data preparation, the engine) before it loads the weights."""
    from trainer.model.checkpoint import load_checkpoint

    try:
        obj = load_checkpoint(path, require_ours=False)
    except TrainerError:
        return None  # said when the weights are loaded
    arch = obj.get("arch") if isinstance(obj, dict) else None
    return arch if isinstance(arch, dict) else None


def resolve_arch(config) -> dict[str, Any]:
    """Everything that shapes the network, JSON-safe, with model defaults filled in. Starting from
    a checkpoint of ours (``weights`` a file), what the config leaves open (norm auto, sizes,
    anchors, trainable layers) follows that checkpoint's network, so its weights fit as trained
    (a GroupNorm run warm-started into frozen BatchNorm layers predicts nothing)."""
    name = resolve_model_name(config.model)
    d = MODEL_DEFAULTS[name]
    warm = warm_start_arch(config.weights, name)
    pretrained = config.weights not in ("none",) and (warm is None or norm_of(warm) == "frozen")
    norm = norm_of(warm) if warm is not None and config.norm == "auto" else resolve_norm(config.norm, name, pretrained)
    arch: dict[str, Any] = {"model": name, "norm": norm, "frozen_bn": norm == "frozen"}
    for k in ARCH_KEYS:
        v = getattr(config, k)
        arch[k] = (warm[k] if warm is not None and k in warm else d[k]) if v is None else v
    if config.min_size is not None and config.max_size is None:
        arch["max_size"] = max(arch["max_size"], config.min_size)
    if warm is not None and not config.anchor_sizes and not config.aspect_ratios:
        sizes, ratios = warm["anchor_sizes"], warm["aspect_ratios"]
    else:
        sizes, ratios = _anchors(
            config.anchor_sizes or d["anchor_sizes"], config.aspect_ratios or [0.5, 1.0, 2.0], d["levels"], name
        )
    arch["anchor_sizes"], arch["aspect_ratios"] = sizes, ratios
    tl = config.trainable_backbone_layers
    if tl is None and warm is not None:
        tl = warm.get("trainable_backbone_layers")
    arch["trainable_backbone_layers"] = min(
        d["max_trainable"], tl if tl is not None else (3 if pretrained else d["max_trainable"])
    )
    for k in ("rpn_nms_thresh", "rpn_batch_size_per_image", "detections_per_img", "box_score_thresh", "box_nms_thresh"):
        arch[k] = getattr(config, k)
    arch["rpn_score_thresh"] = d["rpn_score_thresh"]
    return arch


def _kwargs(arch: dict[str, Any]) -> dict[str, Any]:
    return dict(
        min_size=arch["min_size"],
        max_size=arch["max_size"],
        rpn_pre_nms_top_n_train=arch["rpn_pre_nms_top_n_train"],
        rpn_pre_nms_top_n_test=arch["rpn_pre_nms_top_n_test"],
        rpn_post_nms_top_n_train=arch["rpn_post_nms_top_n_train"],
        rpn_post_nms_top_n_test=arch["rpn_post_nms_top_n_test"],
        rpn_nms_thresh=arch["rpn_nms_thresh"],
        rpn_batch_size_per_image=arch["rpn_batch_size_per_image"],
        rpn_score_thresh=arch["rpn_score_thresh"],
        box_batch_size_per_image=arch["box_batch_size_per_image"],
        box_score_thresh=arch["box_score_thresh"],
        box_nms_thresh=arch["box_nms_thresh"],
        box_detections_per_img=arch["detections_per_img"],
    )


def _anchor_generator(arch: dict[str, Any]) -> AnchorGenerator:
    return AnchorGenerator(
        tuple(tuple(s) for s in arch["anchor_sizes"]), tuple(tuple(r) for r in arch["aspect_ratios"])
    )


def _build_r50_v2(arch: dict[str, Any], num_classes: int) -> MaskRCNN:
    # Mirrors torchvision.models.detection.maskrcnn_resnet50_fpn_v2 (BatchNorm everywhere, or GroupNorm).
    heads = _group_norm if norm_of(arch) == "group" else nn.BatchNorm2d
    backbone = _resnet_fpn_extractor(
        resnet50(norm_layer=norm_layer(arch)), arch["trainable_backbone_layers"], norm_layer=heads
    )
    ag = _anchor_generator(arch)
    rpn_head = RPNHead(backbone.out_channels, ag.num_anchors_per_location()[0], conv_depth=2)
    box_head = FastRCNNConvFCHead((backbone.out_channels, 7, 7), [256] * 4, [1024], norm_layer=heads)
    mask_head = MaskRCNNHeads(backbone.out_channels, [256] * 4, 1, norm_layer=heads)
    return MaskRCNN(
        backbone,
        num_classes=num_classes,
        rpn_anchor_generator=ag,
        rpn_head=rpn_head,
        box_head=box_head,
        mask_head=mask_head,
        **_kwargs(arch),
    )


def _build_r50(arch: dict[str, Any], num_classes: int) -> MaskRCNN:
    # Mirrors torchvision.models.detection.maskrcnn_resnet50_fpn.
    backbone = _resnet_fpn_extractor(resnet50(norm_layer=norm_layer(arch)), arch["trainable_backbone_layers"])
    return MaskRCNN(backbone, num_classes=num_classes, rpn_anchor_generator=_anchor_generator(arch), **_kwargs(arch))


def _group_norm(channels: int) -> nn.GroupNorm:
    return nn.GroupNorm(math.gcd(channels, 16), channels)


def _local_batch_norm(channels: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(channels, track_running_stats=False)


# GroupNorm does not depend on the batch: BatchNorm statistics over a CPU batch of two images
# can be too noisy to evaluate with (Wu & He, 2018). Local: BatchNorm without running averages
# (the batch's own statistics, in training and prediction). Frozen: pretrained statistics, as torchvision.
NORM_LAYERS: dict[str, Callable[[int], nn.Module]] = {
    "batch": nn.BatchNorm2d,
    "local": _local_batch_norm,
    "group": _group_norm,
    "frozen": misc_nn_ops.FrozenBatchNorm2d,
}


def norm_layer(arch: dict[str, Any]) -> Callable[[int], nn.Module]:
    """The backbone's normalisation layer."""
    return NORM_LAYERS[norm_of(arch)]


def _build_mobilenet(arch: dict[str, Any], num_classes: int) -> MaskRCNN:
    # As fasterrcnn_mobilenet_v3_large_fpn, plus a two-layer mask head (four 256-channel convs
    # per RoI would cost more than the whole backbone at this input size).
    backbone = _mobilenet_extractor(
        mobilenet_v3_large(norm_layer=norm_layer(arch)), True, arch["trainable_backbone_layers"]
    )
    mask_head = MaskRCNNHeads(backbone.out_channels, [256, 256], 1)
    return MaskRCNN(
        backbone,
        num_classes=num_classes,
        rpn_anchor_generator=_anchor_generator(arch),
        mask_head=mask_head,
        **_kwargs(arch),
    )


BUILDERS: dict[str, Callable[[dict[str, Any], int], MaskRCNN]] = {
    "maskrcnn_resnet50_fpn_v2": _build_r50_v2,
    "maskrcnn_resnet50_fpn": _build_r50,
    FAST: _build_mobilenet,
}


def build_model(arch: dict[str, Any], num_classes: int) -> MaskRCNN:
    """``num_classes`` counts the background: K classes → K + 1."""
    return BUILDERS[arch["model"]](arch, num_classes)


def resolve_device(spec: str = "auto") -> torch.device:
    spec = (spec or "auto").lower()
    if spec == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        dev = torch.device(spec)
    except RuntimeError:
        raise ConfigError(f"Unknown device '{spec}'; use auto, cpu, cuda, cuda:N or mps.") from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError(f"Device '{spec}' was asked for but no CUDA GPU is available here; use --device cpu or auto.")
    if dev.type == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise ConfigError(
            "Device 'mps' was asked for but Apple's Metal backend is not available here; use --device cpu."
        )
    return dev
