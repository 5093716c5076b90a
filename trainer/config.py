"""One training configuration: defaults that work, settable from JSON/YAML and CLI flags.

Knob names follow what users of the matterport Mask R-CNN config tuned (loss weights,
anchors, input size, proposal counts, thresholds, trainable layers); ``None`` means
"the model's own default" (see ``trainer.models.MODEL_DEFAULTS``).
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError, TrainerError

LOSS_NAMES = ("loss_classifier", "loss_box_reg", "loss_mask", "loss_objectness", "loss_rpn_box_reg")
AUGMENTATIONS = ("hflip", "vflip", "scale_jitter", "color")
OPTIMIZERS = ("sgd", "adamw")
SCHEDULES = ("cosine", "step", "constant")
NORMS = ("auto", "batch", "group", "frozen")


def _default_loss_weights() -> dict[str, float]:
    return {name: 1.0 for name in LOSS_NAMES}


@dataclass
class TrainConfig:
    # data
    coco: str | dict | None = None
    images: str | None = None
    out: str = "runs/polymask"
    split: dict[str, str] | None = None
    val_fraction: float = 0.2
    val_coco: str | None = None  # a COCO file of validation images (then split and val_fraction are unused)
    val_images: str | None = None  # its image folder (default: beside it)
    augment: list[str] = field(default_factory=lambda: ["hflip", "scale_jitter"])
    workers: int = 2
    aspect_ratio_grouping: bool = True
    # model
    model: str = "fast"
    weights: str = "coco"
    trainable_backbone_layers: int | None = None
    norm: str = "auto"  # the backbone's normalisation: auto, batch, group or frozen (BatchNorm)
    min_size: int | None = None
    max_size: int | None = None
    anchor_sizes: list | None = None
    aspect_ratios: list[float] | None = None
    rpn_pre_nms_top_n_train: int | None = None
    rpn_pre_nms_top_n_test: int | None = None
    rpn_post_nms_top_n_train: int | None = None
    rpn_post_nms_top_n_test: int | None = None
    rpn_nms_thresh: float = 0.7
    rpn_batch_size_per_image: int = 256
    box_batch_size_per_image: int | None = None
    detections_per_img: int = 100
    box_score_thresh: float = 0.05
    box_nms_thresh: float = 0.5
    # optimisation
    epochs: int = 10
    batch_size: int = 2
    lr: float | None = None
    optimizer: str = "sgd"
    weight_decay: float = 1e-4
    momentum: float = 0.9
    schedule: str = "cosine"
    warmup_iters: int = 100
    grad_clip: float | None = 10.0
    loss_weights: dict[str, float] = field(default_factory=_default_loss_weights)
    # runtime
    device: str = "auto"
    amp: bool | None = None
    seed: int = 0
    resume: bool | str = False
    preview_images: int = 4
    eval_interval: int = 1
    tensorboard: bool = True

    # ------------------------------------------------------------------ I/O
    def to_dict(self) -> dict[str, Any]:
        return {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TrainConfig:
        if not isinstance(d, dict):
            raise ConfigError(f"A training configuration must be a mapping of settings, got {type(d).__name__}.")
        names = [f.name for f in dataclasses.fields(cls)]
        unknown = [k for k in d if k not in names]
        if unknown:
            hints = []
            for k in unknown:
                close = difflib.get_close_matches(str(k), names, n=1)
                hints.append(f"'{k}'" + (f" (did you mean '{close[0]}'?)" if close else ""))
            raise ConfigError("Unknown training setting(s): " + ", ".join(hints) + ".")
        cfg = cls(**d)
        if cfg.loss_weights is not None and set(cfg.loss_weights) != set(LOSS_NAMES):
            merged = _default_loss_weights()
            merged.update(cfg.loss_weights)
            cfg.loss_weights = merged
        return cfg

    @classmethod
    def from_file(cls, path: str | os.PathLike) -> TrainConfig:
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8")
        except OSError as e:
            raise ConfigError(f"Cannot read the configuration file {p}: {e.strerror or e}.") from None
        try:
            if p.suffix.lower() in (".yaml", ".yml"):
                import yaml

                data = yaml.safe_load(text) or {}
            else:
                data = json.loads(text)
        except Exception as e:  # noqa: BLE001 - parser errors vary by format
            raise ConfigError(
                f"The configuration file {p} is not valid {p.suffix.lstrip('.').upper() or 'JSON'}: {e}"
            ) from None
        try:
            cfg = cls.from_dict(data)
        except ConfigError as e:
            raise ConfigError(f"{p}: {e}") from None
        # Relative data paths in a config file are relative to the file.
        for key in ("coco", "images", "val_coco", "val_images"):
            v = getattr(cfg, key)
            if isinstance(v, str) and v and not os.path.isabs(v):
                setattr(cfg, key, str((p.parent / v).resolve()))
        return cfg

    def replace(self, **changes: Any) -> TrainConfig:
        return dataclasses.replace(self, **changes)

    def save(self, run_dir: str | os.PathLike) -> Path:
        """Write config.json (and dataset.json for an in-memory COCO dict) into the run folder."""
        run_dir = Path(run_dir)
        run_dir.mkdir(parents=True, exist_ok=True)
        d = self.to_dict()
        if isinstance(self.coco, dict):
            ds = run_dir / "dataset.json"
            atomic_write_text(ds, json.dumps(self.coco))
            d["coco"] = str(ds.resolve())
        path = run_dir / "config.json"
        atomic_write_text(path, json.dumps(d, indent=2))
        return path

    def portable_dict(self, run_dir: str | os.PathLike | None = None) -> dict[str, Any]:
        """to_dict() without an inlined dataset (for checkpoints): coco becomes a path."""
        d = self.to_dict()
        if isinstance(self.coco, dict):
            d["coco"] = str(Path(run_dir) / "dataset.json") if run_dir else None
        return d

    # ------------------------------------------------------------ validation
    def validate(self) -> TrainConfig:
        from .models import resolve_model_name  # late: models imports torch

        problems: list[str] = []

        def need(cond: bool, msg: str) -> None:
            if not cond:
                problems.append(msg)

        need(
            self.coco is not None and self.coco != "",
            "no dataset: set 'coco' to a COCO JSON file (or pass --coco FILE)",
        )
        if isinstance(self.coco, str) and self.coco:
            need(os.path.isfile(self.coco), f"the COCO file {self.coco} does not exist")
        elif self.coco is not None and not isinstance(self.coco, (str, dict)):
            problems.append(f"'coco' must be a file path or a COCO dict, not {type(self.coco).__name__}")
        if self.images is not None:
            need(os.path.isdir(self.images), f"the image folder {self.images} does not exist")
        if self.val_coco is not None:
            need(
                isinstance(self.val_coco, str) and os.path.isfile(self.val_coco),
                f"the validation COCO file {self.val_coco} does not exist",
            )
        if self.val_images is not None:
            need(self.val_coco is not None, "'val_images' needs 'val_coco' (the validation COCO file)")
            need(os.path.isdir(self.val_images), f"the validation image folder {self.val_images} does not exist")
        try:
            resolve_model_name(self.model)
        except ConfigError as e:
            problems.append(str(e).rstrip("."))
        need(
            isinstance(self.weights, str) and bool(self.weights),
            "'weights' must be coco, imagenet, none, last or a .pth file",
        )
        if isinstance(self.weights, str) and self.weights not in ("coco", "imagenet", "none", "last"):
            need(os.path.isfile(self.weights), f"the weights file {self.weights} does not exist")
        need(self.norm in NORMS, f"'norm' must be one of {', '.join(NORMS)}, got {self.norm!r}")
        need(
            not (self.norm == "frozen" and self.weights == "none"),
            "'norm' frozen keeps pretrained BatchNorm statistics: with weights none it would not normalise "
            "at all; use batch or group",
        )
        need(_is_int(self.epochs) and self.epochs >= 1, f"'epochs' must be a whole number ≥ 1, got {self.epochs!r}")
        need(_is_int(self.batch_size) and self.batch_size >= 1, f"'batch_size' must be ≥ 1, got {self.batch_size!r}")
        need(self.lr is None or (_is_num(self.lr) and self.lr > 0), f"'lr' must be a positive number, got {self.lr!r}")
        need(
            self.optimizer in OPTIMIZERS, f"'optimizer' must be one of {', '.join(OPTIMIZERS)}, got {self.optimizer!r}"
        )
        need(self.schedule in SCHEDULES, f"'schedule' must be one of {', '.join(SCHEDULES)}, got {self.schedule!r}")
        need(_is_num(self.weight_decay) and self.weight_decay >= 0, "'weight_decay' must be ≥ 0")
        need(_is_num(self.momentum) and 0 <= self.momentum < 1, "'momentum' must be in [0, 1)")
        need(_is_int(self.warmup_iters) and self.warmup_iters >= 0, "'warmup_iters' must be ≥ 0")
        need(
            self.grad_clip is None or (_is_num(self.grad_clip) and self.grad_clip >= 0),
            "'grad_clip' must be ≥ 0 or null",
        )
        need(_is_int(self.workers) and self.workers >= 0, "'workers' must be ≥ 0")
        need(
            _is_num(self.val_fraction) and 0 <= self.val_fraction < 1,
            f"'val_fraction' must be in [0, 1), got {self.val_fraction!r}",
        )
        if self.split is not None:
            need(isinstance(self.split, dict), "'split' must map file names to 'train' or 'val'")
            if isinstance(self.split, dict):
                bad = sorted({str(v) for v in self.split.values()} - {"train", "val"})
                need(not bad, f"'split' values must be 'train' or 'val', found {', '.join(bad)}")
        augment = self.augment or []
        bad_aug = [a for a in augment if a not in AUGMENTATIONS]
        need(
            not bad_aug,
            f"unknown augmentation(s) {', '.join(map(repr, bad_aug))}; choose from {', '.join(AUGMENTATIONS)}",
        )
        for name in (
            "min_size",
            "max_size",
            "rpn_pre_nms_top_n_train",
            "rpn_pre_nms_top_n_test",
            "rpn_post_nms_top_n_train",
            "rpn_post_nms_top_n_test",
            "box_batch_size_per_image",
        ):
            v = getattr(self, name)
            need(v is None or (_is_int(v) and v >= 1), f"'{name}' must be a whole number ≥ 1 or null, got {v!r}")
        if self.min_size and self.max_size:
            need(self.max_size >= self.min_size, "'max_size' must be ≥ 'min_size'")
        need(_is_int(self.detections_per_img) and self.detections_per_img >= 1, "'detections_per_img' must be ≥ 1")
        need(
            _is_int(self.rpn_batch_size_per_image) and self.rpn_batch_size_per_image >= 1,
            "'rpn_batch_size_per_image' must be ≥ 1",
        )
        for name in ("box_score_thresh", "box_nms_thresh", "rpn_nms_thresh"):
            v = getattr(self, name)
            need(_is_num(v) and 0 <= v <= 1, f"'{name}' must be between 0 and 1, got {v!r}")
        if self.loss_weights is not None:
            bad = [k for k in self.loss_weights if k not in LOSS_NAMES]
            need(not bad, f"unknown loss name(s) in 'loss_weights': {', '.join(bad)}; use {', '.join(LOSS_NAMES)}")
            need(all(_is_num(v) and v >= 0 for v in self.loss_weights.values()), "loss weights must be numbers ≥ 0")
        if self.anchor_sizes is not None:
            flat = [a for level in self.anchor_sizes for a in (level if isinstance(level, (list, tuple)) else [level])]
            need(
                bool(flat) and all(_is_num(a) and a > 0 for a in flat),
                "'anchor_sizes' must be positive numbers (a list, or a list per FPN level)",
            )
        if self.aspect_ratios is not None:
            need(
                bool(self.aspect_ratios) and all(_is_num(a) and a > 0 for a in self.aspect_ratios),
                "'aspect_ratios' must be positive numbers",
            )
        need(
            self.trainable_backbone_layers is None
            or (_is_int(self.trainable_backbone_layers) and 0 <= self.trainable_backbone_layers <= 6),
            "'trainable_backbone_layers' must be 0..5 (ResNet) or 0..6 (MobileNet)",
        )
        need(_is_int(self.preview_images) and self.preview_images >= 0, "'preview_images' must be ≥ 0")
        need(_is_int(self.eval_interval) and self.eval_interval >= 1, "'eval_interval' must be ≥ 1")
        need(isinstance(self.device, str) and bool(self.device), "'device' must be auto, cpu, cuda, cuda:N or mps")
        if problems:
            raise ConfigError("Invalid training settings: " + "; ".join(problems) + ".")
        return self


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _plain(v: Any) -> Any:
    """JSON-safe copy (tuples become lists)."""
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, os.PathLike):
        return os.fspath(v)
    return v


def atomic_write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as e:
        raise TrainerError(f"Cannot write {path}: {e.strerror or e}.") from None
    finally:
        if tmp.exists():
            tmp.unlink()


def parse_value(text: str) -> Any:
    """Parse a CLI ``--set key=value`` value (YAML scalars/lists: 0.5, true, [32, 64], null)."""
    import yaml

    try:
        return yaml.safe_load(text)
    except Exception:  # noqa: BLE001
        return text
