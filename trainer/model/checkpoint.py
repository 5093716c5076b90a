"""Checkpoints: written atomically, read with ``weights_only=True`` (a checkpoint cannot run code).

Layout: {format, version, model, optimizer, scheduler, scaler, epoch, iteration, config, arch,
class_names, category_ids, metrics, best_metric}."""

from __future__ import annotations

import errno
import io
import os
import pickle
import re
import shutil
import time
import zipfile
from pathlib import Path
from typing import Any

import torch

from polymask_common.atomic import atomic_write
from trainer.errors import CheckpointError

FORMAT = "polymask-maskrcnn"
VERSION = 1
REQUIRED = ("model", "arch", "class_names", "epoch")


# polymask_common.atomic's naming `.<name>.<pid>.<8 random>.tmp` (older trainers wrote `.<name>.<pid>.tmp`)
_OUR_TEMP = re.compile(r"^\.(?P<name>.+\.pth|config\.json)(?:\.(?P<pid>\d+))?(?:\.[a-z0-9_]{8})?\.tmp$")
STALE_AFTER_S = 3600.0  # a temp whose writer we cannot check is stale after an hour


def _process_alive(pid: int) -> bool | None:
    """True/False where the OS says so cheaply; None where we cannot tell (Windows)."""
    if os.name != "posix":
        return None  # os.kill(pid, 0) would terminate the process on Windows
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):  # gone, or no pid at all
        return False
    except OSError:  # PermissionError: alive, someone else's
        return True
    return True


def clean_stale_temps(folder: str | os.PathLike) -> list[Path]:
    """Remove temp files of our naming (``.last.pth.<pid>.<random>.tmp``) left by saves that were killed.

    A temp whose writer is still running is kept. Returns the files removed."""
    folder = Path(folder)
    removed: list[Path] = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return removed
    for f in entries:
        m = _OUR_TEMP.match(f.name)
        if not m or not f.is_file():
            continue
        pid = int(m["pid"]) if m["pid"] else None
        alive = _process_alive(pid) if pid is not None and pid != os.getpid() else None
        try:
            old = time.time() - f.stat().st_mtime > STALE_AFTER_S
            if alive is False or (pid == os.getpid()) or (alive is None and old):
                f.unlink()
                removed.append(f)
        except OSError:
            continue
    return removed


def _save_error(path: Path, e: OSError) -> CheckpointError:
    what = "the disk is full" if e.errno in (errno.ENOSPC, errno.EDQUOT) else (e.strerror or str(e))
    kept = f"The previous {path.name} is intact." if path.exists() else "Nothing was written there."
    return CheckpointError(f"Could not save the checkpoint {path}: {what}. {kept}")


def _write_atomically(path: Path, write) -> None:
    try:
        atomic_write(path, write)
    except OSError as e:
        raise _save_error(path, e) from None


def save_checkpoint(obj: dict[str, Any], path: str | os.PathLike) -> Path:
    """temp file + fsync + os.replace: a crash or a full disk never leaves a half-written checkpoint.

    A failed write raises CheckpointError naming the path and saying the previous file is intact."""
    path = Path(path)
    obj = {"format": FORMAT, "version": VERSION, **obj}
    buf = io.BytesIO()
    torch.save(obj, buf)
    _write_atomically(path, lambda f: f.write(buf.getbuffer()))
    return path


def copy_checkpoint(src: str | os.PathLike, dst: str | os.PathLike) -> Path:
    """Atomic copy (best.pth from last.pth), with the same temp naming and error messages."""
    src, dst = Path(src), Path(dst)

    def write(f):
        with open(src, "rb") as s:
            shutil.copyfileobj(s, f, 1 << 20)

    _write_atomically(dst, write)
    return dst


def load_checkpoint(
    path: str | os.PathLike, map_location: str | torch.device = "cpu", require_ours: bool = True
) -> dict[str, Any]:
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
        raise CheckpointError(
            f"{path} cannot be loaded safely: it contains objects other than tensors and plain "
            f"data ({str(e).splitlines()[0][:200]}). Only load checkpoints you trust elsewhere."
        ) from None
    except (RuntimeError, EOFError, zipfile.BadZipFile, OSError, ValueError) as e:
        raise CheckpointError(f"{corrupt}: {str(e).splitlines()[0][:200] if str(e) else type(e).__name__}.") from None
    return _check(obj, path, require_ours)


def _check(obj: Any, path: Path, require_ours: bool) -> Any:
    if require_ours:
        if not isinstance(obj, dict) or obj.get("format") != FORMAT:
            raise CheckpointError(
                f"{path} is not a Polymask checkpoint (no '{FORMAT}' marker); "
                "to start from plain torchvision weights use it as --weights instead."
            )
        missing = [k for k in REQUIRED if k not in obj]
        if missing:
            raise CheckpointError(f"The checkpoint {path} is incomplete: it lacks {', '.join(missing)}.")
        if obj.get("version", 0) > VERSION:
            raise CheckpointError(f"{path} was written by a newer Polymask (checkpoint version {obj['version']}).")
    return obj
