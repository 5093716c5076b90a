"""Live training (issue 22) on generated images: the set grows and changes while the run goes on,
the run pauses and resumes, checkpoints are a run's, and the child leaves nothing behind."""

from __future__ import annotations

import json
import os
import queue
import random
import threading
from pathlib import Path

import pytest

from tests.process_tree import HAS_PROC, in_group
from trainer.events import CheckpointSaved, Finished, Step
from trainer.live.data import LiveImages
from trainer.live.events import LiveSettings, LiveStatus
from trainer.live.loop import _LiveRun
from trainer.live.supervisor import LiveChild

from .conftest import make_dataset, tiny_config


def _split(coco_path: Path, first: int) -> tuple[dict, list[tuple[dict, list[dict]]]]:
    """(a COCO dict of the first `first` images, the rest as (image, annotations) to add later)."""
    data = json.loads(coco_path.read_text())
    by_image: dict[int, list[dict]] = {}
    for a in data["annotations"]:
        by_image.setdefault(a["image_id"], []).append(a)
    head = data["images"][:first]
    start = dict(data, images=head, annotations=[a for im in head for a in by_image.get(im["id"], [])])
    return start, [(im, by_image.get(im["id"], [])) for im in data["images"][first:]]


def _run(tmp_path: Path, first: int = 3, **live) -> tuple[_LiveRun, queue.Queue, threading.Event, list]:
    coco = make_dataset(tmp_path / "data", n=8, negatives=0)
    start, later = _split(coco, first)
    cfg = tiny_config(start, coco.parent / "images", tmp_path / "run", device="cpu")
    control: queue.Queue = queue.Queue()
    stop = threading.Event()
    settings = LiveSettings(**{"val_every": 0, "checkpoint_every_s": 3600, "nice": 0, "threads": 1, **live})
    return _LiveRun(cfg, settings, control, stop), control, stop, later


def test_an_image_marked_done_during_training_is_in_later_samples_and_edits_replace_targets(tmp_path):
    run, control, stop, later = _run(tmp_path)
    new_image, new_anns = later[0]
    events = run.events()
    steps = 0
    for ev in events:
        if isinstance(ev, Step):
            steps += 1
            if steps == 2:
                assert new_image["id"] not in run.sampled
                control.put({"op": "put", "image": new_image, "annotations": new_anns})
                moved = dict(new_anns[0], segmentation=[[1.0, 1.0, 9.0, 1.0, 9.0, 9.0, 1.0, 9.0]], bbox=[1, 1, 8, 8])
                control.put(
                    {
                        "op": "put",
                        "image": {"id": 1, "file_name": "img_000.png", "width": 64, "height": 64},
                        "annotations": [moved],
                    }
                )
            if steps == 8:
                stop.set()
    assert new_image["id"] in list(run.sampled)[4:], "the image added at step 2 is trained on afterwards"
    assert run.images.arrived == [1, 2, 3, new_image["id"]]
    target = run.images.dataset([1], None, None).load(0)[1]
    assert target["boxes"].tolist() == [[1.0, 1.0, 9.0, 9.0]], "the edit replaced image 1's targets"


def test_new_images_are_oversampled_then_replayed_with_the_rest():
    images = LiveImages([{"id": 1, "name": "a"}], Path("."), val_every=0, fresh_draws=6)
    for i in range(1, 11):
        images.put({"id": i, "file_name": f"{i}.png", "width": 8, "height": 8}, [])
    images.fresh.clear()
    images.put({"id": 11, "file_name": "11.png", "width": 8, "height": 8}, [])
    rng = random.Random(0)
    first = [images.draw(rng) for _ in range(20)]
    assert first.count(11) >= 6, "a new image gets its extra draws"
    later = [images.draw(rng) for _ in range(400)]
    assert 15 < later.count(11) < 70 and len(set(later)) == 11, "then it is replayed like any other"
    assert images.remove(11) and 11 not in [images.draw(rng) for _ in range(100)]


def test_every_fifth_image_validates_and_never_trains():
    images = LiveImages([{"id": 1, "name": "a"}], Path("."), val_every=5)
    for i in range(1, 11):
        images.put({"id": i, "file_name": f"{i}.png"}, [])
    assert images.val_ids == [5, 10]
    assert 5 not in {images.draw(random.Random(k)) for k in range(200)}


def test_it_pauses_when_the_validation_loss_stops_improving_and_resumes_on_a_new_label(tmp_path):
    run, control, stop, later = _run(tmp_path, first=5, val_every=5, eval_every_steps=1, patience=1)
    # Nothing is learnt and no BatchNorm statistics move: the validation loss cannot improve.
    run.cfg = run.cfg.replace(lr=0.0, norm="group")
    states: list[str] = []
    # A paused run yields nothing until a label comes: never wait on it for ever (fails below).
    watchdog = threading.Timer(120, stop.set)
    watchdog.start()
    for ev in run.events():
        if run.step > 40:
            stop.set()  # (fails below) it never paused
        if isinstance(ev, LiveStatus):
            states.append(ev.state)
            if ev.state == "paused" and "resumed" not in states:
                control.put({"op": "put", "image": later[0][0], "annotations": later[0][1]})
                states.append("resumed")
        if isinstance(ev, Step) and "resumed" in states:
            stop.set()  # it trained again after the new label
    watchdog.cancel()
    assert states[:2] == ["learning", "learning"] and "paused" in states
    assert states[states.index("resumed") + 1] == "learning", states


def test_checkpoints_are_a_run_that_predict_can_load(tmp_path):
    from trainer.inference.predict import Predictor

    run, control, stop, _ = _run(tmp_path)
    saved = []
    for ev in run.events():
        if isinstance(ev, Step) and ev.global_step == 2:
            control.put({"op": "checkpoint"})
        if isinstance(ev, CheckpointSaved):
            saved.append(ev)
            stop.set()
    assert saved and Path(saved[0].path).name == "last.pth"
    assert (tmp_path / "run" / "config.json").is_file() and (tmp_path / "run" / "summary.json").is_file()
    assert Predictor.from_checkpoint(saved[-1].path, "cpu").class_names == ["square", "disc"]


@pytest.mark.skipif(os.name != "posix" or not HAS_PROC, reason="process groups and /proc are POSIX/Linux")
def test_the_child_takes_new_images_through_its_pipe_and_stop_leaves_no_process(tmp_path):
    coco = make_dataset(tmp_path / "data", n=6, negatives=0)
    start, later = _split(coco, 3)
    cfg = tiny_config(start, coco.parent / "images", tmp_path / "run", device="cpu")
    child = LiveChild(cfg, LiveSettings(val_every=0, checkpoint_every_s=3600, nice=0, threads=1))
    stop = threading.Event()
    seen_new = False
    finished = None
    for ev in child.events(stop):
        if isinstance(ev, Step) and ev.global_step == 1:
            assert child.put(later[0][0], later[0][1], str(coco.parent / "images" / later[0][0]["file_name"]))
            assert child.request_checkpoint()
        if isinstance(ev, CheckpointSaved):
            from trainer.model.checkpoint import load_checkpoint

            seen_new = later[0][0]["id"] in load_checkpoint(ev.path)["live"]["images"]
            stop.set()
        if isinstance(ev, Finished):
            finished = ev
    assert seen_new, "the image sent through the pipe joined the running set"
    assert finished is not None and finished.stopped and finished.last_checkpoint
    assert child.proc is not None and child.proc.poll() is not None
    assert not in_group(child.proc.pid), "no process of the live run outlives it"


def test_the_prelabel_predictor_reloads_when_a_newer_checkpoint_is_written(tmp_path):
    from PIL import Image

    from trainer.live.predict import CheckpointPredictor
    from trainer.model.registry import resolve_arch

    from .conftest import untrained_checkpoint

    arch = resolve_arch(tiny_config({"images": [], "categories": []}, tmp_path, tmp_path / "run"))
    ckpt = untrained_checkpoint(tmp_path / "last.pth", arch, [7, 9])
    Image.new("RGB", (64, 64), (30, 30, 30)).save(tmp_path / "x.png")
    predict = CheckpointPredictor(score_threshold=0.0)
    for ann in predict(ckpt, str(tmp_path / "x.png")):
        assert ann["category_id"] in (7, 9) and all(len(p) >= 6 for p in ann["segmentation"])
    first = predict.predictor(ckpt)
    assert predict.predictor(ckpt) is first, "an unchanged checkpoint is not loaded again"
    st = os.stat(ckpt)
    untrained_checkpoint(ckpt, arch, [7, 9])
    os.utime(ckpt, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    assert predict.predictor(ckpt) is not first, "live training wrote a newer one: it is used"


def test_predict_pre_labels_with_the_weights_of_this_step_and_training_goes_on(tmp_path):
    from trainer.live.events import LivePrediction

    run, control, stop, _ = _run(tmp_path)
    images = tmp_path / "data" / "images"
    answers: list[tuple[int, LivePrediction]] = []
    steps = 0
    for ev in run.events():
        if isinstance(ev, Step):
            steps += 1
            if steps == 3:
                control.put({"op": "predict", "key": "k1", "path": str(images / "img_004.png"), "score": 0.0})
                control.put({"op": "predict", "key": "k2", "path": str(images / "missing.png")})
            if steps == 5:
                stop.set()
        elif isinstance(ev, LivePrediction):
            answers.append((steps, ev))
            assert run.t.core.training, "back in training mode after predicting"
    (at, ok), (_, bad) = answers
    assert at == 3 and ok.key == "k1" and ok.step == 3 and not ok.error, "the weights after the third step"
    assert all({"class_name", "score", "polygons", "box"} <= set(i) for i in ok.instances)
    assert bad.key == "k2" and bad.instances == [] and "missing.png" in bad.error
    assert steps == 5, "training went on after predicting"


def test_a_live_run_warm_started_from_our_checkpoint_learns_at_a_lower_rate(tmp_path):
    """From scratch or from named weights: the plain run's rate. From one of our checkpoints (the
    window's "best previous run"): lowered, so the annealed weights are not shaken loose. A rate the
    person sets wins."""
    import torch

    from trainer.config import TrainConfig
    from trainer.live.loop import WARM_LR_FACTOR, live_lr
    from trainer.model.checkpoint import save_checkpoint
    from trainer.model.registry import build_model, resolve_arch
    from trainer.run.one_epoch import default_lr

    trained = resolve_arch(TrainConfig(model="fast", weights="none", norm="group", min_size=160, max_size=224))
    ckpt = save_checkpoint(
        {"model": build_model(trained, 2).state_dict(), "arch": trained, "class_names": ["a"], "epoch": 3},
        tmp_path / "best.pth",
    )
    plain = tmp_path / "plain.pth"
    torch.save(build_model(trained, 2).state_dict(), plain)
    base, model = default_lr(TrainConfig(model="fast"), 1), trained["model"]
    assert live_lr(TrainConfig(model="fast", weights="none"), model) == base
    assert live_lr(TrainConfig(model="fast", weights="coco"), model) == base
    assert live_lr(TrainConfig(model="fast", weights=str(plain)), model) == base  # not ours: no arch in it
    assert live_lr(TrainConfig(model="fast", weights=str(ckpt)), model) == pytest.approx(base * WARM_LR_FACTOR)
    assert WARM_LR_FACTOR < 1
    assert live_lr(TrainConfig(model="fast", weights=str(ckpt), lr=0.003), model) == 0.003
