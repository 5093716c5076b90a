"""Training and prediction under faults (issue 9, items 10, 12-15): a corrupt image, a diverging
learning rate, a full disk, a killed save, empty shapes, an oversized image. Each keeps the run
(or the other images) going, or stops it with a message that names the file and the cause."""

from __future__ import annotations

import errno
import json
import os
import struct
import subprocess
import zlib
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from polymask_common import atomic as atomic_module
from trainer.__main__ import main as trainer_main
from trainer.dataset.prepared import prepare
from trainer.errors import DatasetError
from trainer.model import checkpoint as checkpoint_module
from trainer.model.checkpoint import load_checkpoint, save_checkpoint
from trainer.model.registry import build_model, resolve_arch
from trainer.run.engine import fit

from .conftest import make_dataset, tiny_config, untrained_checkpoint

pytestmark = pytest.mark.slow


def replace_with_broken_jpeg(coco: Path, image_id: int, keep: float = 0.5) -> Path:
    """Re-save one image as a JPEG cut to ``keep`` of its bytes: it opens and verifies, but cannot decode."""
    data = json.loads(coco.read_text())
    entry = next(im for im in data["images"] if im["id"] == image_id)
    old = coco.parent / "images" / entry["file_name"]
    new = old.with_suffix(".jpg")
    Image.open(old).convert("RGB").save(new, quality=95)
    whole = new.read_bytes()
    new.write_bytes(whole[: int(len(whole) * keep)])
    old.unlink()
    entry["file_name"] = new.name
    coco.write_text(json.dumps(data))
    return new


def all_finite(state: dict) -> bool:
    return all(torch.isfinite(v).all() for v in state.values() if torch.is_tensor(v) and v.is_floating_point())


# --------------------------------------------------------------------------- 9.12 corrupt images
@pytest.mark.parametrize("workers", [0, 1])
def test_an_image_that_fails_to_decode_is_skipped_with_a_warning(tmp_path, workers):
    coco = make_dataset(tmp_path / "data", n=6)
    prepared = prepare(str(coco), str(tmp_path / "data/images"), 0.25)
    broken_train = replace_with_broken_jpeg(coco, prepared.train_ids[0])
    broken_val = replace_with_broken_jpeg(coco, prepared.val_ids[0])
    assert prepare(str(coco), str(tmp_path / "data/images"), 0.25).warnings == []  # verify() lets them through
    cfg = tiny_config(coco, tmp_path / "data/images", tmp_path / "run", epochs=2, workers=workers, eval_interval=2)
    events = list(fit(cfg))
    assert events[-1].kind == "finished", events[-1]
    warnings = [e.message for e in events if e.kind == "warning"]
    for broken in (broken_train, broken_val):
        named = [w for w in warnings if str(broken) in w]
        assert len(named) == 1, warnings  # once per file, not once per epoch
        assert "truncated" in named[0]
    assert load_checkpoint(tmp_path / "run/last.pth")["epoch"] == 2
    steps = [e for e in events if e.kind == "step"]
    started = next(e for e in events if e.kind == "started")  # the data checks' warning may come first
    assert len(steps) == 2 * started.iters_per_epoch  # no batch was lost


def test_an_image_that_fails_verify_is_skipped_when_preparing(tmp_path):
    coco = make_dataset(tmp_path / "data", n=6)
    broken = replace_with_broken_jpeg(coco, 2, keep=0.05)  # the header itself is cut
    events = list(fit(tiny_config(coco, tmp_path / "data/images", tmp_path / "run")))
    assert events[-1].kind == "finished", events[-1]
    assert any("unreadable" in e.message and str(broken) in e.message for e in events if e.kind == "warning")


def test_when_no_image_can_be_decoded_the_run_says_so(tmp_path):
    coco = make_dataset(tmp_path / "data", n=2, negatives=0)
    for iid in (1, 2):
        replace_with_broken_jpeg(coco, iid)
    events = list(fit(tiny_config(coco, tmp_path / "data/images", tmp_path / "run", val_fraction=0.0)))
    assert events[-1].kind == "failed" and "None of the 2 images could be read" in events[-1].reason
    assert "img_000.jpg" in events[-1].reason


# --------------------------------------------------------------------------- 9.13 divergence
def test_a_huge_learning_rate_fails_and_never_saves_non_finite_weights(tmp_path):
    coco = make_dataset(tmp_path / "data", n=8)
    events = list(fit(tiny_config(coco, tmp_path / "data/images", tmp_path / "run", epochs=3, lr=1e6, eval_interval=3)))
    kinds = [e.kind for e in events]
    assert kinds[-1] == "failed" and "finished" not in kinds
    reason = events[-1].reason
    assert "diverged" in reason and "learning rate 1e+06" in reason
    assert not any(e.kind == "checkpoint" and e.best for e in events)
    for name in ("last.pth", "best.pth"):
        path = tmp_path / "run" / name
        assert not path.exists() or all_finite(load_checkpoint(path)["model"])


def test_polymask_train_exits_non_zero_when_training_diverges(tmp_path, capsys):
    coco = make_dataset(tmp_path / "data", n=8)
    conf = tmp_path / "c.json"
    conf.write_text(json.dumps(tiny_config(coco, tmp_path / "data/images", tmp_path / "run", epochs=3).to_dict()))
    code = trainer_main(["train", "--config", str(conf), "--out", str(tmp_path / "run"), "--lr", "1e6", "--quiet"])
    assert code != 0
    assert "learning rate 1e+06" in capsys.readouterr().err


def nan_losses_from_call(monkeypatch, first_bad: int) -> None:
    """Training forward passes (with gradients) from the ``first_bad``-th on return NaN losses."""
    import trainer.run.engine as engine

    real_build = engine.build_model
    calls = {"n": 0}

    def build(arch, num_classes):
        model = real_build(arch, num_classes)

        def poison(module, args, output):
            if not (module.training and torch.is_grad_enabled() and isinstance(output, dict)):
                return output
            calls["n"] += 1
            if calls["n"] < first_bad:
                return output
            return {k: v * float("nan") for k, v in output.items()}

        model.register_forward_hook(poison)
        return model

    monkeypatch.setattr(engine, "build_model", build)


def test_non_finite_losses_are_counted_across_epochs(tmp_path, monkeypatch):
    coco = make_dataset(tmp_path / "data", n=8)  # 7 train images: 4 iterations per epoch
    nan_losses_from_call(monkeypatch, first_bad=7)  # from epoch 2, iteration 3 on: never 5 in one epoch
    events = list(fit(tiny_config(coco, tmp_path / "data/images", tmp_path / "run", epochs=4, eval_interval=4)))
    assert next(e for e in events if e.kind == "started").iters_per_epoch == 4
    assert events[-1].kind == "failed", [e.kind for e in events]
    reason = events[-1].reason
    assert "5 iterations in a row" in reason and "epoch 3, iteration 3" in reason and "learning rate" in reason
    assert "last.pth from epoch 2 is intact" in reason
    saved = load_checkpoint(tmp_path / "run/last.pth")
    assert saved["epoch"] == 2 and all_finite(saved["model"])


# --------------------------------------------------------------------------- 9.14 full disk, killed saves
def full_disk_open(real_open=open):
    """``open`` whose files take 100 bytes for writing, then raise ENOSPC, as a full disk does."""

    class FullFile:
        def __init__(self, f):
            self.f = f

        def write(self, data):
            self.f.write(bytes(data)[:100])
            raise OSError(errno.ENOSPC, "No space left on device")

        def __getattr__(self, name):
            return getattr(self.f, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.f.close()

    def opener(file, mode="r", *args, **kwargs):
        f = real_open(file, mode, *args, **kwargs)
        return FullFile(f) if "w" in mode else f

    return opener


def test_a_full_disk_names_the_checkpoint_and_keeps_the_previous_one(tmp_path, monkeypatch):
    coco = make_dataset(tmp_path / "data", n=6)
    events = []
    for ev in fit(tiny_config(coco, tmp_path / "data/images", tmp_path / "run", epochs=2, eval_interval=2)):
        events.append(ev)
        if ev.kind == "epoch" and ev.epoch == 2:  # epoch 1 is saved; epoch 2's save meets a full disk
            monkeypatch.setattr(atomic_module, "open", full_disk_open(), raising=False)
    monkeypatch.undo()
    last = tmp_path / "run" / "last.pth"
    assert events[-1].kind == "failed", events[-1]
    reason = events[-1].reason
    assert str(last) in reason and "disk is full" in reason and "previous last.pth is intact" in reason
    assert "last.pth still holds epoch 1" in reason and "Traceback" not in reason
    assert load_checkpoint(last)["epoch"] == 1
    assert not list((tmp_path / "run").glob(".*.tmp"))


def test_a_full_disk_before_any_checkpoint_says_nothing_was_written(tmp_path, monkeypatch):
    monkeypatch.setattr(atomic_module, "open", full_disk_open(), raising=False)
    arch = resolve_arch(tiny_config(None, tmp_path, tmp_path))
    target = tmp_path / "run" / "last.pth"
    with pytest.raises(checkpoint_module.CheckpointError) as info:
        save_checkpoint({"model": build_model(arch, 3).state_dict()}, target)
    assert str(target) in str(info.value) and "Nothing was written" in str(info.value)
    assert not target.exists() and not list(target.parent.iterdir())


def dead_pid() -> int:
    p = subprocess.Popen(["true"])
    p.wait()
    return p.pid


def test_a_run_removes_temp_files_left_by_killed_saves(tmp_path):
    coco = make_dataset(tmp_path / "data", n=4)
    run = tmp_path / "run"
    run.mkdir()
    pid = dead_pid()
    stale = [run / f".last.pth.{pid}.tmp", run / f".best.pth.{pid}.tmp", run / f".config.json.{pid}.tmp"]
    live = run / f".last.pth.{os.getppid()}.tmp"  # a save still in progress in another process
    other = run / ".notes.txt.tmp"  # not our naming
    for f in stale + [live, other]:
        f.write_bytes(b"\0" * 1000)
    events = list(fit(tiny_config(coco, tmp_path / "data/images", run)))
    assert events[-1].kind == "finished", events[-1]
    assert not any(f.exists() for f in stale) and live.exists() and other.exists()
    [message] = [e.message for e in events if e.kind == "warning" and "unfinished checkpoint" in e.message]
    assert all(f.name in message for f in stale)


# --------------------------------------------------------------------------- 9.15 empty shapes
def add_annotations(coco: Path, image_id: int, segmentations: list) -> list[int]:
    data = json.loads(coco.read_text())
    ids = []
    for seg in segmentations:
        ids.append(max(a["id"] for a in data["annotations"]) + 1)
        data["annotations"].append(
            {
                "id": ids[-1],
                "image_id": image_id,
                "category_id": 0,
                "iscrowd": 0,
                "segmentation": seg,
                "bbox": [1, 1, 5, 5],
                "area": 25.0,
            }
        )
    coco.write_text(json.dumps(data))
    return ids


def test_empty_and_zero_area_shapes_are_counted_in_a_warning(tmp_path):
    coco = make_dataset(tmp_path / "data", n=6)
    bad = add_annotations(
        coco,
        3,
        [
            [],
            [[1, 1, 10, 10]],
            [[1, 1, 10, 10, 20, 20]],
            {"size": [64, 64], "counts": [64 * 64]},
            [[500, 500, 510, 500, 510, 510]],
        ],
    )
    good = add_annotations(coco, 3, [[[2, 2, 30, 2, 30, 30, 2, 30]]])
    prepared = prepare(str(coco), str(tmp_path / "data/images"))
    [message] = [w for w in prepared.warnings if "zero area" in w]
    assert "Ignored 5 objects" in message and f"img_002.png (annotation id {bad[0]})" in message
    assert "and 0 more" not in message
    kept = {a["id"] for a in prepared.anns_by_image[3]}
    assert good[0] in kept and not kept & set(bad)
    events = list(fit(tiny_config(coco, tmp_path / "data/images", tmp_path / "run")))
    assert events[-1].kind == "finished" and any(
        e.kind == "warning" and "Ignored 5 objects" in e.message for e in events
    )


def test_a_class_with_only_empty_shapes_is_named(tmp_path):
    coco = make_dataset(
        tmp_path / "data",
        n=4,
        categories=[{"id": 0, "name": "square"}, {"id": 1, "name": "disc"}, {"id": 2, "name": "sword"}],
    )
    data = json.loads(coco.read_text())
    data["annotations"].append({"id": 99, "image_id": 1, "category_id": 2, "segmentation": [[3, 3, 9, 9]]})
    coco.write_text(json.dumps(data))
    with pytest.raises(DatasetError, match="'sword'.*only empty or zero-area shapes"):
        prepare(str(coco), str(tmp_path / "data/images"))


# --------------------------------------------------------------------------- 9.10 predict goes on
def oversized_png(path: Path, width: int = 40000, height: int = 40000) -> Path:
    """A valid PNG header declaring a decompression-bomb size, a few bytes of data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 16)) + chunk(b"IEND", b"")
    )
    return path


def test_predict_skips_an_oversized_or_unreadable_image_and_goes_on(tmp_path, capsys):
    arch = resolve_arch(tiny_config(None, tmp_path, tmp_path))
    ck = untrained_checkpoint(tmp_path / "model.pth", arch, [1, 2])
    images = tmp_path / "images"
    images.mkdir()
    good = []
    for name in ("a.png", "c.png"):
        Image.fromarray(np.full((48, 64, 3), 90, np.uint8)).save(images / name)
        good.append(images / name)
    bomb = oversized_png(images / "b_huge.png")
    garbage = images / "b_notes.jpg"
    garbage.write_bytes(b"not an image at all")
    out = tmp_path / "results.json"
    code = trainer_main(
        [
            "predict",
            "--checkpoint",
            str(ck),
            str(images),
            "--out",
            str(out),
            "--device",
            "cpu",
            "--overlay",
            str(tmp_path / "overlays"),
        ]
    )
    captured = capsys.readouterr()
    assert code == 1
    for path in good:
        assert f"{path}:" in captured.out
        assert (tmp_path / "overlays" / f"{path.stem}.png").is_file()
    assert f"skipped: Cannot read the image {bomb}" in captured.err and "decompression bomb" in captured.err
    assert f"skipped: Cannot read the image {garbage}" in captured.err
    assert "skipped 2 of 4 images that could not be read" in captured.err and "Traceback" not in captured.err
    assert isinstance(json.loads(out.read_text()), list)
