import json

import pytest

from trainer.choices import LOSS_NAMES
from trainer.config import TrainConfig
from trainer.config_checks import rules
from trainer.errors import ConfigError
from trainer.events import (
    CheckpointSaved,
    EpochEnd,
    Failed,
    Finished,
    Preview,
    Started,
    Step,
    WarningEvent,
    event_from_dict,
)


def test_unknown_key_is_a_clear_error():
    with pytest.raises(ConfigError, match=r"'epoch'.*did you mean 'epochs'"):
        TrainConfig.from_dict({"epoch": 3})


def test_yaml_and_json_files_round_trip(tmp_path):
    (tmp_path / "c.yaml").write_text(
        "model: accurate\nepochs: 3\nanchor_sizes: [16, 32, 64, 128, 256]\n"
        "loss_weights: {loss_mask: 2.0}\ncoco: data/coco.json\n"
    )
    cfg = TrainConfig.from_file(tmp_path / "c.yaml")
    assert cfg.model == "accurate" and cfg.epochs == 3
    assert cfg.loss_weights["loss_mask"] == 2.0 and set(cfg.loss_weights) == set(LOSS_NAMES)
    assert cfg.coco == str((tmp_path / "data/coco.json").resolve())  # relative to the file
    (tmp_path / "c.json").write_text(json.dumps(cfg.to_dict()))
    assert TrainConfig.from_file(tmp_path / "c.json") == cfg


def test_bad_file_names_the_file(tmp_path):
    p = tmp_path / "broken.json"
    p.write_text("{nope")
    with pytest.raises(ConfigError, match="broken.json"):
        TrainConfig.from_file(p)


def test_validate_lists_readable_problems(tmp_path):
    cfg = TrainConfig(
        coco=str(tmp_path / "missing.json"),
        epochs=0,
        model="yolo",
        optimizer="lbfgs",
        augment=["mixup"],
        val_fraction=1.5,
    )
    with pytest.raises(ConfigError) as e:
        cfg.validate()
    msg = str(e.value)
    for needle in (
        "missing.json does not exist",
        "'epochs'",
        "Unknown model 'yolo'",
        "'optimizer'",
        "mixup",
        "'val_fraction'",
    ):
        assert needle in msg


def test_inline_coco_is_saved_as_dataset_json(tmp_path):
    coco = {"images": [{"id": 1, "file_name": "a.png"}] * 3, "annotations": [], "categories": []}
    cfg = TrainConfig(coco=coco, images=str(tmp_path))
    cfg.save(tmp_path / "run")
    saved = json.loads((tmp_path / "run/config.json").read_text())
    assert saved["coco"] == str((tmp_path / "run/dataset.json").resolve())
    assert json.loads((tmp_path / "run/dataset.json").read_text()) == coco


@pytest.mark.parametrize(
    "ev",
    [
        Started("r", "cpu", "m", 3, 1, ["a"], 2, 5),
        Step(1, 1, 1, 2, {k: 0.5 for k in LOSS_NAMES}, 2.5, 0.01, 3.0, 100.0),
        EpochEnd(1, {"total": 1.0}, {"segm_AP": float("nan"), "bbox_AP": 0.5}, 2.0),
        Preview(1, [{"image_id": 1, "file_name": "a.png", "width": 4, "height": 4, "instances": []}]),
        CheckpointSaved("p", 1, True),
        WarningEvent("w"),
        Finished("r", "b", "l", True, {"segm_AP": 0.1}),
        Failed("why", "trace"),
    ],
)
def test_events_survive_json(ev):
    d = json.loads(json.dumps(ev.to_dict(), allow_nan=False))
    back = event_from_dict(d)
    assert back.kind == ev.kind == d["kind"]
    assert back.to_dict() == d


@pytest.mark.parametrize("name", [row[0] for row in rules()])
def test_every_rule_in_the_table_rejects_a_bad_value_by_name(tmp_path, name):
    """Each row of the validation table names its setting when given a value of the wrong kind."""
    coco = tmp_path / "c.json"
    coco.write_text("{}")
    messages = []
    for bad in (-1, "nope", "", 1.5, [-2]):
        try:
            TrainConfig(**{"coco": str(coco), "weights": "none", name: bad}).validate()
        except ConfigError as e:
            messages.append(str(e))
    assert any(f"'{name}' must be" in m for m in messages), messages
