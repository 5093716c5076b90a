"""The names a training configuration may use: loss names, augmentations, optimisers, schedules,
normalisations and the settings that size the network. Torch-free; ``config`` builds its defaults
from them and ``config_checks`` checks against them, and neither imports the other for it."""

from __future__ import annotations

LOSS_NAMES = ("loss_classifier", "loss_box_reg", "loss_mask", "loss_objectness", "loss_rpn_box_reg")
AUGMENTATIONS = ("hflip", "vflip", "scale_jitter", "color")
OPTIMIZERS = ("sgd", "adamw")
SCHEDULES = ("cosine", "step", "constant")
NORMS = ("auto", "batch", "local", "group", "frozen")
# The starting weights a config names; any other value is a file.
NAMED_WEIGHTS = ("coco", "imagenet", "none", "last")
# The settings that size the network (None in a config: the model's default).
ARCH_KEYS = (
    "min_size",
    "max_size",
    "rpn_pre_nms_top_n_train",
    "rpn_pre_nms_top_n_test",
    "rpn_post_nms_top_n_train",
    "rpn_post_nms_top_n_test",
    "box_batch_size_per_image",
)
