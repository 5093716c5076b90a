"""A checkpoint's weights checked before a model is built from them.

A checkpoint can be edited or damaged: a tensor can declare a shape far larger than the
values stored for it (a view over one value declaring 10**12), its recorded architecture
can describe a model of terabytes, weights can be missing, extra or NaN. Each becomes a
CheckpointError of one line naming the file and the problem, and nothing is allocated
beyond what the file holds: shapes are checked against the stored values, the model is
first built on the "meta" device (no memory) and compared weight by weight, and only a
checkpoint that fits is built for real.
"""

from __future__ import annotations

import os
from typing import Any

import torch

from polymask_common.text import plural
from trainer.errors import CheckpointError
from trainer.model.registry import build_model

NAMES_SHOWN = 3


def _values_held(t: torch.Tensor) -> int:
    return t.untyped_storage().nbytes() // max(1, t.element_size())


def _values_reached(t: torch.Tensor) -> int:
    """How far into its storage the tensor reaches (strides included), without touching it."""
    if t.numel() == 0:
        return 0
    return int(t.storage_offset()) + sum((int(n) - 1) * abs(int(s)) for n, s in zip(t.shape, t.stride())) + 1


def check_weights(state: Any, path: str | os.PathLike) -> dict[str, torch.Tensor]:
    """The state dict, if every entry is a tensor whose shape the file really holds and whose
    values are finite. Allocates at most a bool per stored value, one tensor at a time."""
    if not isinstance(state, dict) or not state:
        raise CheckpointError(f"{path}: its 'model' entry holds no weights.")
    for name, t in state.items():
        if not isinstance(t, torch.Tensor):
            raise CheckpointError(f"{path}: the weight {name!r} is a {type(t).__name__}, not a tensor.")
        held = _values_held(t)
        if t.numel() > held or _values_reached(t) > held:
            raise CheckpointError(
                f"{path}: the weight {name!r} declares shape {tuple(t.shape)} ({t.numel():,} values) "
                f"but the file holds {held:,} for it; the checkpoint was edited or is damaged."
            )
    bad = [name for name, t in state.items() if t.is_floating_point() and not bool(torch.isfinite(t).all())]
    if bad:
        raise CheckpointError(
            f"{path}: {len(bad)} of {len(state)} weights are not finite (NaN or infinite), e.g. "
            f"{_names(bad)}; the training that wrote it diverged or the file is damaged."
        )
    return state


def _names(names: list[str]) -> str:
    more = f" and {len(names) - NAMES_SHOWN} more" if len(names) > NAMES_SHOWN else ""
    return ", ".join(repr(n) for n in names[:NAMES_SHOWN]) + more


def _fit_problem(model: torch.nn.Module, state: dict[str, torch.Tensor]) -> str:
    expected = model.state_dict()
    missing = [k for k in expected if k not in state]
    extra = [k for k in state if k not in expected]
    wrong = [k for k, t in expected.items() if k in state and tuple(state[k].shape) != tuple(t.shape)]
    parts = []
    if wrong:
        k = wrong[0]
        parts.append(
            f"{plural(len(wrong), 'weight')} of another shape than the model's, e.g. {k!r} "
            f"{tuple(state[k].shape)} where the model has {tuple(expected[k].shape)}"
        )
    if missing:
        parts.append(f"it lacks {plural(len(missing), 'weight')}: {_names(missing)}")
    if extra:
        parts.append(f"{plural(len(extra), 'weight')} the model does not have: {_names(extra)}")
    return "; ".join(parts)


def model_from_checkpoint(ckpt: dict[str, Any], path: str | os.PathLike, num_classes: int) -> torch.nn.Module:
    """The model the checkpoint describes, with its weights; CheckpointError when they do not fit."""
    state = check_weights({k.removeprefix("module."): v for k, v in dict(ckpt["model"]).items()}, path)
    arch = ckpt["arch"]
    try:
        with torch.device("meta"):  # shapes only: an absurd architecture costs no memory here
            shapes = build_model(arch, num_classes)
    except KeyError as e:
        raise CheckpointError(f"{path}: its architecture ('arch') lacks {e}; the checkpoint was edited.") from None
    except (TypeError, ValueError, AttributeError, RuntimeError, OverflowError) as e:
        first = str(e).splitlines()[0][:200] if str(e) else type(e).__name__
        raise CheckpointError(f"{path}: its architecture ('arch') cannot be built ({first}).") from None
    problem = _fit_problem(shapes, state)
    if problem:
        raise CheckpointError(f"{path}: the weights do not fit the architecture it records: {problem}.")
    model = build_model(arch, num_classes)
    model.load_state_dict(state)
    return model
