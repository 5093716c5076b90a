"""The run says what it trains with: which parts start pretrained, the normalisation, schedule and
anchors, in its log (the started event), summary.json and the CLI's first lines."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

from trainer.commands.train import ProgressPrinter
from trainer.run import recipe
from trainer.run.engine import fit
from trainer.run.recipe import AUTO_ITERATIONS, planned_schedule, pretrained_parts, recipe_line

from .conftest import tiny_config


def test_pretrained_parts_say_what_starts_from_scratch():
    fast_coco = pretrained_parts("fast", "coco")
    assert "box detector" in fast_coco and "mask head" in fast_coco and "from scratch" in fast_coco
    assert "mask head" not in pretrained_parts("accurate", "coco").split("except")[0]
    assert pretrained_parts("fast", "imagenet").startswith("only the backbone")
    assert pretrained_parts("accurate", "none") == "every layer starts from scratch (random weights)"
    assert "model.pth" in pretrained_parts("fast", "/x/model.pth")


def test_the_run_log_summary_and_terminal_name_norm_schedule_and_anchors(
    dataset: Path, tmp_path: Path, capsys, monkeypatch
):
    """Also: epochs and eval_interval left unset are planned by iterations, and config.json keeps the plan."""
    monkeypatch.setattr(recipe, "AUTO_ITERATIONS", 6)  # the tiny set has 5 steps an epoch: 2 epochs
    cfg = tiny_config(
        dataset,
        dataset.parent / "images",
        tmp_path / "run",
        norm="group",
        aspect_ratios=[0.2, 1.0, 5.0],
        epochs=None,
        eval_interval=None,
    )
    printer = ProgressPrinter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        events = list(fit(cfg))
    assert not [w for w in caught if "requires_grad" in str(w.message)]  # float() of a loss still in the graph
    for ev in events:
        printer.handle(ev, 0)
    started = next(e for e in events if e.kind == "started")
    described = started.recipe
    assert described["norm"] == "group" and described["anchors"]["aspect_ratios"] == [0.2, 1.0, 5.0]
    planned = -(-6 // started.iters_per_epoch)
    assert planned >= 2 and started.epochs == planned
    assert [e.epoch for e in events if e.kind == "epoch"] == list(range(1, planned + 1))
    saved = json.loads((tmp_path / "run" / "config.json").read_text())
    assert saved["epochs"] == planned and saved["eval_interval"] == max(1, round(planned / recipe.AUTO_EVALUATIONS))
    assert described["schedule"].startswith(f"cosine over {planned * started.iters_per_epoch} iterations")
    assert described["pretrained"] == pretrained_parts("fast", "none")
    logged = json.loads((tmp_path / "run" / "metrics.jsonl").read_text().splitlines()[0])
    assert logged["kind"] == "started" and logged["recipe"] == described
    assert json.loads((tmp_path / "run" / "summary.json").read_text())["recipe"] == described
    assert recipe_line(described) in capsys.readouterr().out


def test_unset_epochs_are_planned_by_iterations_and_set_ones_are_kept():
    small = planned_schedule(None, None, 32)  # gun/sword: 64 photos, batch 2
    assert small[0] == -(-AUTO_ITERATIONS // 32) and small[0] * 32 >= AUTO_ITERATIONS > (small[0] - 1) * 32
    assert small[1] == max(1, round(small[0] / recipe.AUTO_EVALUATIONS))
    assert planned_schedule(None, None, 3000) == (1, 1), "a large set: one epoch is already the budget"
    assert planned_schedule(7, 3, 32) == (7, 3), "what the person set is kept"
