"""One training configuration: defaults that work, settable from JSON/YAML and CLI flags.

Knob names follow what users of the matterport Mask R-CNN config tuned (loss weights,
anchors, input size, proposal counts, thresholds, trainable layers); ``None`` means
"the model's own default" (see ``trainer.model.names.MODEL_DEFAULTS``).
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from polymask_common import atomic
from polymask_common.text import plural
from trainer.choices import LOSS_NAMES
from trainer.config_checks import problems
from trainer.errors import ConfigError, TrainerError
from trainer.run import files as run_files


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
    norm: str = "auto"  # the backbone's normalisation: auto, batch, local (BatchNorm, no running stats), group, frozen
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
    epochs: int | None = None  # None: as many as make about AUTO_ITERATIONS steps (trainer.run.recipe)
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
    eval_interval: int | None = None  # None: about AUTO_EVALUATIONS evaluations per run
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
            raise ConfigError(f"{plural(len(hints), 'unknown training setting')}: " + ", ".join(hints) + ".")
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
            ds = run_dir / run_files.DATASET
            atomic_write_text(ds, json.dumps(self.coco))
            d["coco"] = str(ds.resolve())
        path = run_dir / run_files.CONFIG
        atomic_write_text(path, json.dumps(d, indent=2))
        return path

    def portable_dict(self, run_dir: str | os.PathLike | None = None) -> dict[str, Any]:
        """to_dict() without an inlined dataset (for checkpoints): coco becomes a path."""
        d = self.to_dict()
        if isinstance(self.coco, dict):
            d["coco"] = str(Path(run_dir) / run_files.DATASET) if run_dir else None
        return d

    # ------------------------------------------------------------ validation
    def validate(self) -> TrainConfig:
        """Raise one ConfigError listing every problem (rules in ``trainer.config_checks``)."""
        found = problems(self)
        if found:
            raise ConfigError("Invalid training settings: " + "; ".join(found) + ".")
        return self


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
    """Write a trainer text file (config.json, summary.json, a merged COCO) atomically."""
    try:
        atomic.atomic_write_text(path, text)
    except OSError as e:
        raise TrainerError(f"Cannot write {path}: {e.strerror or e}.") from None


def parse_value(text: str) -> Any:
    """Parse a CLI ``--set key=value`` value (YAML scalars/lists: 0.5, true, [32, 64], null)."""
    import yaml

    try:
        return yaml.safe_load(text)
    except Exception:  # noqa: BLE001
        return text
