"""Checkpoints: written atomically, read with ``weights_only=True`` (a checkpoint cannot run code).

Layout: {format, version, model, optimizer, scheduler, scaler, epoch, iteration, config, arch,
class_names, category_ids, metrics, best_metric}."""

from __future__ import annotations

import io
import os
import pickle
import zipfile
from pathlib import Path
from typing import Any

import torch

from .errors import CheckpointError

FORMAT = "polymask-maskrcnn"
VERSION = 1
REQUIRED = ("model", "arch", "class_names", "epoch")


def save_checkpoint(obj: dict[str, Any], path: str | os.PathLike) -> Path:
    """temp file + fsync + os.replace: a crash never leaves a half-written checkpoint."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    obj = {"format": FORMAT, "version": VERSION, **obj}
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    buf = io.BytesIO()
    torch.save(obj, buf)
    try:
        with open(tmp, "wb") as f:
            f.write(buf.getbuffer())
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    try:  # make the rename itself durable
        fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError:
        pass
    return path


def load_checkpoint(path: str | os.PathLike, map_location: str | torch.device = "cpu", require_ours: bool = True) -> dict[str, Any]:
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"The checkpoint {path} does not exist.")
    corrupt = f"{path} is not a readable PyTorch checkpoint (corrupt or truncated?)"
    if not zipfile.is_zipfile(path):  # torch.save writes zip archives; anything else is damaged or foreign
        try:
            obj = torch.load(path, map_location=map_location, weights_only=True)  # legacy format
        except Exception:  # noqa: BLE001
            raise CheckpointError(corrupt + ".") from None
        return _check(obj, path, require_ours)
    try:
        obj = torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as e:
        raise CheckpointError(f"{path} cannot be loaded safely: it contains objects other than tensors and plain "
                              f"data ({str(e).splitlines()[0][:200]}). Only load checkpoints you trust elsewhere.") from None
    except (RuntimeError, EOFError, zipfile.BadZipFile, OSError, ValueError) as e:
        raise CheckpointError(f"{corrupt}: {str(e).splitlines()[0][:200] if str(e) else type(e).__name__}.") from None
    return _check(obj, path, require_ours)


def _check(obj: Any, path: Path, require_ours: bool) -> Any:
    if require_ours:
        if not isinstance(obj, dict) or obj.get("format") != FORMAT:
            raise CheckpointError(f"{path} is not a Polymask checkpoint (no '{FORMAT}' marker); "
                                  "to start from plain torchvision weights use it as --weights instead.")
        missing = [k for k in REQUIRED if k not in obj]
        if missing:
            raise CheckpointError(f"The checkpoint {path} is incomplete: it lacks {', '.join(missing)}.")
        if obj.get("version", 0) > VERSION:
            raise CheckpointError(f"{path} was written by a newer Polymask (checkpoint version {obj['version']}).")
    return obj
