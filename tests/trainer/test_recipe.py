"""The run says what it trains with: which parts start pretrained, the normalisation, schedule and
anchors, in its log (the started event), summary.json and the CLI's first lines."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

from trainer.commands.train import ProgressPrinter
from trainer.run.engine import fit
from trainer.run.recipe import pretrained_parts, recipe_line

from .conftest import tiny_config


def test_pretrained_parts_say_what_starts_from_scratch():
    fast_coco = pretrained_parts("fast", "coco")
    assert "box detector" in fast_coco and "mask head" in fast_coco and "from scratch" in fast_coco
    assert "mask head" not in pretrained_parts("accurate", "coco").split("except")[0]
    assert pretrained_parts("fast", "imagenet").startswith("only the backbone")
    assert pretrained_parts("accurate", "none") == "every layer starts from scratch (random weights)"
    assert "model.pth" in pretrained_parts("fast", "/x/model.pth")


def test_the_run_log_summary_and_terminal_name_norm_schedule_and_anchors(dataset: Path, tmp_path: Path, capsys):
    cfg = tiny_config(dataset, dataset.parent / "images", tmp_path / "run", norm="group", aspect_ratios=[0.2, 1.0, 5.0])
    printer = ProgressPrinter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        events = list(fit(cfg))
    assert not [w for w in caught if "requires_grad" in str(w.message)]  # float() of a loss still in the graph
    for ev in events:
        printer.handle(ev, 0)
    started = next(e for e in events if e.kind == "started")
    recipe = started.recipe
    assert recipe["norm"] == "group" and recipe["anchors"]["aspect_ratios"] == [0.2, 1.0, 5.0]
    assert recipe["schedule"].startswith(f"cosine over {started.iters_per_epoch} iterations")
    assert recipe["pretrained"] == pretrained_parts("fast", "none")
    logged = json.loads((tmp_path / "run" / "metrics.jsonl").read_text().splitlines()[0])
    assert logged["kind"] == "started" and logged["recipe"] == recipe
    assert json.loads((tmp_path / "run" / "summary.json").read_text())["recipe"] == recipe
    assert recipe_line(recipe) in capsys.readouterr().out
