"""A tiny Mask R-CNN really trains here: events, loss, stop, resume, predict, results, CLI."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from pycocotools.coco import COCO

from trainer.choices import LOSS_NAMES
from trainer.events import METRIC_KEYS
from trainer.inference.predict import Predictor, write_coco_results
from trainer.model.checkpoint import load_checkpoint
from trainer.run.engine import fit

from .conftest import make_dataset, tiny_config

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("trained")
    coco = make_dataset(root / "data", n=12)
    cfg = tiny_config(
        coco, root / "data/images", root / "run", epochs=3, lr=0.02, box_score_thresh=0.0, tensorboard=True
    )
    events = list(fit(cfg))
    return cfg, events, root


def kinds(events):
    return [e.kind for e in events]


def test_events_arrive_in_order(trained):
    cfg, events, root = trained
    k = kinds(events)
    assert "failed" not in k, [e.reason for e in events if e.kind == "failed"]
    assert k[0] == "started" and k[-1] == "finished"
    started = events[0]
    assert started.class_names == ["square", "disc"] and started.epochs == 3
    steps = [e for e in events if e.kind == "step"]
    assert len(steps) == 3 * started.iters_per_epoch
    assert [s.global_step for s in steps] == list(range(1, len(steps) + 1))
    assert set(steps[0].losses) == set(LOSS_NAMES) and steps[0].images_per_s > 0 and steps[0].memory_mb > 0
    epochs = [e for e in events if e.kind == "epoch"]
    assert [e.epoch for e in epochs] == [1, 2, 3]
    assert set(epochs[0].metrics) == {*METRIC_KEYS, "score_threshold"} and "total" in epochs[0].val_losses
    # every epoch's steps come before its epoch event, then preview, then checkpoint(s)
    for ep in (1, 2, 3):
        i_epoch = k.index("epoch", k.index("started") + 1 + (ep - 1) * (started.iters_per_epoch + 1))
        assert all(s.epoch <= ep for s in events[:i_epoch] if s.kind == "step")
    prev = [e for e in events if e.kind == "preview"][0]
    assert len(prev.items) == 2 and {"image_id", "file_name", "width", "height", "instances"} <= set(prev.items[0])
    ck = [e for e in events if e.kind == "checkpoint"]
    assert any(c.best for c in ck) and Path(ck[-1].path).is_file()
    fin = events[-1]
    assert not fin.stopped and Path(fin.best_checkpoint).is_file() and Path(fin.last_checkpoint).is_file()
    run = Path(cfg.out)
    assert (run / "config.json").is_file() and any((run / "tensorboard").iterdir())
    lines = [json.loads(x) for x in (run / "metrics.jsonl").read_text().splitlines()]
    assert sum(x["kind"] == "epoch" for x in lines) == 3


def test_summary_says_which_metric_chose_best_and_the_threshold_to_predict_with(trained):
    cfg, events, _ = trained
    summary = json.loads((Path(cfg.out) / "summary.json").read_text())
    assert summary["best_by"].startswith("mean of mask (segm) AP and box AP over the last 3")
    best = load_checkpoint(Path(cfg.out) / "best.pth")
    assert summary["best_epoch"] == best["epoch"] and summary["best_metrics"] == best["metrics"]
    assert summary["last_epoch"] == 3 and summary["last_metrics"] == events[-1].metrics
    assert summary["score_threshold"] == best["metrics"]["score_threshold"]
    spread = summary["score_distribution"]
    assert sum(spread["counts"]) == spread["detections"] and len(spread["bins"]) == len(spread["counts"]) + 1


def test_loss_falls_on_a_trivially_learnable_set(trained):
    _, events, _ = trained
    totals = [e.total for e in events if e.kind == "step"]
    n = max(3, len(totals) // 4)
    assert np.mean(totals[-n:]) < 0.8 * np.mean(totals[:n]), totals


def test_checkpoint_holds_everything_and_loads_safely(trained):
    cfg, _, _ = trained
    ck = load_checkpoint(Path(cfg.out) / "last.pth")
    for key in ("model", "optimizer", "scheduler", "scaler", "epoch", "config", "class_names", "metrics", "arch"):
        assert key in ck
    assert ck["epoch"] == 3 and ck["class_names"] == ["square", "disc"] and ck["category_ids"] == [0, 1]


def test_predict_returns_polygons_and_results_load_in_pycocotools(trained, tmp_path):
    cfg, _, root = trained
    pred = Predictor.from_checkpoint(Path(cfg.out) / "last.pth", device="cpu")
    assert pred.class_names == ["square", "disc"]
    img = root / "data/images/img_000.png"
    from PIL import Image

    for source in (img, Image.open(img), np.asarray(Image.open(img).convert("RGB"))):
        inst = pred.predict(source, score_threshold=0.0)
        assert inst, "the model predicts nothing at score 0"
        assert all(i.mask.shape == (64, 64) and i.mask.dtype == bool and 1 <= i.label <= 2 for i in inst)
    with_poly = [i for i in inst if i.polygons]
    assert with_poly and all(len(p) >= 6 and len(p) % 2 == 0 for i in with_poly for p in i.polygons)
    out = write_coco_results(tmp_path / "res.json", [(1, inst)], pred.category_ids)
    gt = COCO(str(root / "data/coco.json"))
    dt = gt.loadRes(str(out))
    assert len(dt.getAnnIds()) == len(inst) and set(dt.getCatIds()) <= {0, 1}


def test_resume_continues_the_epoch_count(trained, tmp_path):
    cfg, _, _ = trained
    run = tmp_path / "run"
    shutil.copytree(cfg.out, run)
    events = list(fit(cfg.replace(out=str(run), epochs=4, resume=True)))
    assert "failed" not in kinds(events), events[-1]
    assert events[0].start_epoch == 4
    assert {e.epoch for e in events if e.kind == "step"} == {4}
    assert load_checkpoint(run / "last.pth")["epoch"] == 4
    again = list(fit(cfg.replace(out=str(run), epochs=4, resume=True)))
    assert again[-1].kind == "failed" and "already finished epoch 4" in again[-1].reason


def test_stop_mid_epoch_leaves_a_loadable_checkpoint(tmp_path):
    coco = make_dataset(tmp_path / "data", n=16)
    stop = threading.Event()
    events, stopped = [], False
    for ev in fit(tiny_config(coco, tmp_path / "data/images", tmp_path / "run", epochs=5), stop):
        events.append(ev)
        if ev.kind == "step" and ev.iteration == 2 and not stopped:
            stop.set()  # honoured at the next iteration boundary: no third step below
            stopped = True
    assert events[-1].kind == "finished" and events[-1].stopped
    assert max(e.iteration for e in events if e.kind == "step") == 2
    ck = load_checkpoint(tmp_path / "run/last.pth")
    assert ck["epoch"] == 0  # the partial epoch is repeated on resume
    assert Predictor.from_checkpoint(tmp_path / "run/last.pth", device="cpu").class_names == ["square", "disc"]


def test_bad_inputs_fail_with_a_reason(tmp_path):
    coco = make_dataset(
        tmp_path / "data",
        n=4,
        categories=[{"id": 0, "name": "square"}, {"id": 1, "name": "disc"}, {"id": 2, "name": "sword"}],
    )
    ev = list(fit(tiny_config(coco, tmp_path / "data/images", tmp_path / "run")))
    assert [e.kind for e in ev] == ["failed"] and "'sword'" in ev[0].reason
    bad = tmp_path / "bad.pth"
    bad.write_bytes(b"\x00garbage" * 10)
    good = make_dataset(tmp_path / "d2", n=4)
    ev = list(fit(tiny_config(good, tmp_path / "d2/images", tmp_path / "run2", weights=str(bad))))
    assert ev[-1].kind == "failed" and "bad.pth" in ev[-1].reason and "corrupt" in ev[-1].reason
    ev = list(fit(tiny_config(good, tmp_path / "d2/images", tmp_path / "run3", resume=True)))
    assert ev[-1].kind == "failed" and "last.pth does not exist" in ev[-1].reason


def _cli(*args, stdin=None, timeout=240):
    return subprocess.run(
        [sys.executable, "-m", "trainer", *map(str, args)],
        cwd=REPO,
        capture_output=True,
        text=True,
        input=stdin,
        timeout=timeout,
    )


def test_cli_predict_evaluate_and_run_json(trained, tmp_path):
    cfg, _, root = trained
    ck = Path(cfg.out) / "last.pth"
    r = _cli(
        "predict",
        "--checkpoint",
        ck,
        root / "data/images",
        "--out",
        tmp_path / "r.json",
        "--score",
        "0.0",
        "--overlay",
        tmp_path / "ov",
        "--coco",
        root / "data/coco.json",
        "--device",
        "cpu",
    )
    assert r.returncode == 0, r.stderr
    assert len(list((tmp_path / "ov").glob("*.png"))) == 13
    COCO(str(root / "data/coco.json")).loadRes(str(tmp_path / "r.json"))
    r = _cli(
        "evaluate",
        "--checkpoint",
        ck,
        "--coco",
        root / "data/coco.json",
        "--images",
        root / "data/images",
        "--device",
        "cpu",
        "--out",
        tmp_path / "m.json",
    )
    assert r.returncode == 0, r.stderr
    assert set(json.loads((tmp_path / "m.json").read_text())) == set(METRIC_KEYS)
    conf = tmp_path / "c.json"
    conf.write_text(json.dumps(cfg.replace(out=str(tmp_path / "rj"), epochs=1, tensorboard=False).to_dict()))
    r = _cli("run-json", conf, stdin="")  # stdin closes at once: a clean stop
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    assert lines and lines[0]["kind"] == "started" and lines[-1]["kind"] == "finished" and lines[-1]["stopped"]
    r = _cli("train", "--project", "x.json")
    assert r.returncode == 2 and "--project" in r.stderr
    r = _cli("predict", "--checkpoint", tmp_path / "r.json", root / "data/images")
    assert r.returncode == 1 and "r.json" in r.stderr


def test_ddp_two_gloo_processes_run_an_epoch(tmp_path):
    coco = make_dataset(tmp_path / "data", n=8, negatives=0)
    conf = tmp_path / "c.json"
    cfg = tiny_config(coco, tmp_path / "data/images", tmp_path / "run", device="cpu", val_fraction=0.25)
    conf.write_text(json.dumps(cfg.to_dict()))
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--standalone",
            "--nproc_per_node=2",
            "-m",
            "trainer",
            "train",
            "--config",
            str(conf),
            "--out",
            str(tmp_path / "run"),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        env={**__import__("os").environ, "OMP_NUM_THREADS": "1"},
    )
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-4000:]
    assert "×2 processes" in r.stdout and r.stdout.count("training ") == 1  # only rank 0 talks
    ck = load_checkpoint(tmp_path / "run/last.pth")
    assert ck["epoch"] == 1 and not any(k.startswith("module.") for k in ck["model"])
