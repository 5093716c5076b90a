"""The models by name, torch-free: each architecture's default sizes and the aliases a config may use
(``fast``, ``accurate``). ``config_checks`` resolves a name here without loading torch; ``registry``
builds the network."""

from __future__ import annotations

from typing import Any

from trainer.dataset.checks import DEFAULT_INPUT
from trainer.errors import ConfigError

FAST = "maskrcnn_mobilenet_v3_large_fpn"
ALIASES = {"fast": FAST, "accurate": "maskrcnn_resnet50_fpn_v2", "mobilenet": FAST}

_R50 = dict(
    min_size=800,
    max_size=1333,
    rpn_pre_nms_top_n_train=2000,
    rpn_pre_nms_top_n_test=1000,
    rpn_post_nms_top_n_train=2000,
    rpn_post_nms_top_n_test=1000,
    box_batch_size_per_image=512,
    rpn_score_thresh=0.0,
    anchor_sizes=[[32], [64], [128], [256], [512]],
    levels=5,
    max_trainable=5,
)
MODEL_DEFAULTS: dict[str, dict[str, Any]] = {
    "maskrcnn_resnet50_fpn_v2": dict(_R50),
    "maskrcnn_resnet50_fpn": dict(_R50),
    # Small input, few proposals, a lighter mask head: CPU-friendly (see train_bench.py).
    FAST: dict(
        min_size=DEFAULT_INPUT[0],
        max_size=DEFAULT_INPUT[1],
        rpn_pre_nms_top_n_train=1000,
        rpn_pre_nms_top_n_test=150,
        rpn_post_nms_top_n_train=500,
        rpn_post_nms_top_n_test=150,
        box_batch_size_per_image=128,
        rpn_score_thresh=0.05,
        anchor_sizes=[[32, 64, 128, 256, 512]] * 3,
        levels=3,
        max_trainable=6,
    ),
}


def resolve_model_name(name: str) -> str:
    key = ALIASES.get(str(name).lower(), str(name).lower())
    if key not in MODEL_DEFAULTS:
        choices = ", ".join(list(MODEL_DEFAULTS) + list(ALIASES))
        raise ConfigError(f"Unknown model '{name}'; choose one of {choices}.")
    return key
