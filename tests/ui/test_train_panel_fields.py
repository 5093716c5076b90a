"""The train form is built from the trainer's settings: every field starts at TrainConfig's
default, and every setting the form has a field for goes in through set_values and comes back
out of values() (none is dropped, as aspect_ratios was)."""

from __future__ import annotations

import dataclasses

import pytest

from annotator.ui.training.train_panel import TrainPanel
from trainer.config import TrainConfig


@pytest.fixture
def panel(qtbot):
    p = TrainPanel()
    qtbot.addWidget(p)
    return p


def test_aspect_ratios_set_on_the_form_reach_the_run(panel):
    panel.set_values(aspect_ratios=[0.5, 1.0, 2.0])
    assert panel.advanced.isChecked()
    assert panel.values()["aspect_ratios"] == [0.5, 1, 2]


# A value other than the trainer's default for each setting the form has a field for.
CHANGED = {
    "model": "accurate",
    "weights": "imagenet",
    "epochs": 7,
    "batch_size": 3,
    "lr": 0.004,
    "device": "cpu",
    "augment": ["vflip", "color"],
    "min_size": 512,
    "max_size": 1024,
    "anchor_sizes": [16, 32, 64],
    "aspect_ratios": [0.25, 1, 4],
    "box_score_thresh": 0.3,
    "box_nms_thresh": 0.4,
    "rpn_nms_thresh": 0.6,
    "detections_per_img": 50,
    "trainable_backbone_layers": 3,
    "workers": 0,
    "warmup_iters": 20,
    "loss_weights": {
        "loss_classifier": 1.0,
        "loss_box_reg": 2.0,
        "loss_mask": 3.0,
        "loss_objectness": 0.5,
        "loss_rpn_box_reg": 1.5,
    },
}


def test_every_field_round_trips_and_starts_at_the_trainers_default(panel):
    assert set(panel.fields) == set(CHANGED)  # a new field gets a row here
    defaults = {f.name: f for f in dataclasses.fields(TrainConfig)}
    panel.advanced.setChecked(True)
    start = panel.values()
    for name in CHANGED:
        f = defaults[name]
        want = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
        assert start.get(name) == want, name
        assert CHANGED[name] != want, name
    panel.set_values(**CHANGED)
    got = panel.values()
    assert {k: got[k] for k in CHANGED} == CHANGED


def test_a_weights_file_and_a_device_not_listed_are_kept(panel):
    panel.set_values(weights="/models/mine.pth", device="cuda:1")
    v = panel.values()
    assert v["weights"] == "/models/mine.pth" and v["device"] == "cuda:1"
    assert panel.weights.currentText() == "File: mine.pth"
