"""The CLI's reading of training events: progress and a metrics table, and the exit code."""

from __future__ import annotations

import io

import pytest

from trainer.commands.train import EXIT_FAILED, EXIT_OK, EXIT_STOPPED, ProgressPrinter
from trainer.events import CheckpointSaved, EpochEnd, Event, Failed, Finished, Preview, Started, Step, WarningEvent

RUN = [
    Started("runs/r", "cpu", "fast", 4, 1, ["a"], 2, 1),
    Step(1, 1, 1, 2, {"loss_mask": 0.5}, 1.5, 0.01, 2.0, 0.0),
    Step(1, 2, 2, 2, {"loss_mask": 0.4}, 0.5, 0.01, 2.0, 0.0),
    WarningEvent("slow disk"),
    EpochEnd(1, {"total": 0.8}, {"segm_AP": 0.25}, 3.0),
    Preview(1, []),
    CheckpointSaved("runs/r/last.pth", 1),
    CheckpointSaved("runs/r/best.pth", 1, best=True),
]


def printed(events: list[Event], quiet: bool = False) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    printer, code = ProgressPrinter(out=out, err=err, quiet=quiet), EXIT_FAILED
    for ev in events:
        code = printer.handle(ev, code)
    return code, out.getvalue(), err.getvalue()


def test_a_finished_run_prints_its_epochs_and_exits_0():
    code, out, err = printed([*RUN, Finished("runs/r", "runs/r/best.pth", "runs/r/last.pth")])
    assert code == EXIT_OK
    assert "training fast on cpu" in out and "finished: run folder runs/r" in out
    assert out.splitlines()[2].split()[:3] == ["1", "1.0000", "0.8000"]  # epoch, mean train loss, val loss
    assert "warning: slow disk" in err and "new best checkpoint (epoch 1)" in err and "last.pth" not in err


def test_quiet_prints_only_failures_and_keeps_the_exit_codes():
    assert printed([*RUN, Finished("runs/r", None, None, stopped=True)], quiet=True) == (EXIT_STOPPED, "", "")
    code, out, err = printed([*RUN, Failed("out of memory")], quiet=True)
    assert (code, out, err) == (EXIT_FAILED, "", "error: out of memory\n")


def test_an_unknown_event_is_refused():
    with pytest.raises(TypeError):
        printed([Event()])
