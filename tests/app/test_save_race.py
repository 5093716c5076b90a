"""Two writers, one project file, in separate processes (issue 23, item 3).

Each writer adds one image per save and saves the way the window does (check that the
file is still what it last read or wrote, then write), merging when another writer got
there first. Every save that reported success must be in the final file: a check that is
not atomic with the write lets one writer replace a file the other wrote a moment
before, and that writer's save is lost although it was told it succeeded.
"""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

from annotator.io import load_project, save_project
from annotator.model import ImageRecord, Project

WRITERS = 4
SAVES = 25


def _writer(path: str, wid: int, saves: int, start, out) -> None:
    succeeded: list[str] = []
    try:
        from annotator.app.checked_save import save_checked

        start.wait()
        loaded = load_project(path)  # the project and the state of the very bytes it came from
        project, expected = loaded.project, loaded.disk
        for i in range(saves):
            project.images.append(ImageRecord(filename=f"w{wid}-{i}.png"))
            outcome = save_checked(project, expected, merge=True)
            if outcome.error or outcome.conflict:
                continue  # not reported as a success: nothing is owed
            expected, project = outcome.state, outcome.merged or project
            succeeded.append(f"w{wid}-{i}.png")
    finally:
        out.put((wid, succeeded))


def run_race(path: Path, writers: int = WRITERS, saves: int = SAVES) -> tuple[int, int]:
    """(lost, reported successes) after `writers` processes each saved `saves` times."""
    ctx = multiprocessing.get_context("spawn")
    start, out = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_writer, args=(str(path), w, saves, start, out)) for w in range(writers)]
    for p in procs:
        p.start()
    start.set()
    results = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    final = {im.filename for im in load_project(path).project.images}
    reported = [name for _, names in results for name in names]
    lost = [name for name in reported if name not in final]
    return len(lost), len(reported)


def test_every_reported_save_is_in_the_final_file(tmp_path):
    path = tmp_path / "polymask.json"
    save_project(Project(images=[ImageRecord(filename="a.png")]), path)
    lost, reported = run_race(path)
    print(f"lost saves {lost} of {reported}")
    assert reported >= WRITERS * SAVES // 2
    assert lost == 0, f"{lost} of {reported} saves that reported success are not in the file"
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == [], leftovers


def test_the_lock_file_is_not_a_project_file(tmp_path):
    from annotator.app.checked_save import save_checked
    from annotator.io.disk_state import read_state

    path = tmp_path / "polymask.json"
    save_project(Project(images=[ImageRecord(filename="a.png")]), path)
    project = load_project(path).project
    outcome = save_checked(project, read_state(path))
    assert not outcome.error and not outcome.conflict
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == [
        "polymask.json",
        "polymask.json.bak",
    ]
    assert os.path.getsize(path) > 0


def test_a_run_recorded_from_the_terminal_keeps_what_the_window_saved_meanwhile(tmp_path, monkeypatch):
    from annotator.cli import main
    from trainer.commands import train as trainer_cli
    from trainer.events import CheckpointSaved, Finished

    from ..ui.training_fixtures import make_project

    project = make_project(tmp_path / "proj")
    save_project(project)

    def fake_run(config, on_event=None, **_):
        window = load_project(project.path).project  # the window saves an edit while the run goes on
        window.images.append(ImageRecord(filename="added-in-the-window.png"))
        save_project(window)
        last = str(Path(config.out) / "last.pth")
        on_event(CheckpointSaved(path=last, epoch=1))
        on_event(Finished(run_dir=config.out, best_checkpoint=None, last_checkpoint=last))
        return 0

    monkeypatch.setattr(trainer_cli, "run_config", fake_run)
    assert main(["train", "--project", str(project.path), "--epochs", "1"]) == 0
    final = load_project(project.path).project
    assert "added-in-the-window.png" in [im.filename for im in final.images]
    (run,) = final.polymask.runs
    assert run.status == "finished" and run.last_checkpoint.endswith("last.pth")


def test_a_save_between_the_terminals_read_and_its_run_record_is_kept(tmp_path, monkeypatch):
    """The run's base is the bytes it parsed: a window save that lands after `train --project`
    read the file (but before it took a second look) must be merged, not overwritten."""
    from annotator.app import project_location
    from annotator.cli import main
    from trainer.commands import train as trainer_cli
    from trainer.events import CheckpointSaved, Finished

    from ..ui.training_fixtures import make_project

    project = make_project(tmp_path / "proj")
    save_project(project)
    real_open = project_location.open_for_editing

    def open_then_window_saves(path):
        opened = real_open(path)
        window = load_project(project.path).project
        window.images.append(ImageRecord(filename="saved-just-after-the-read.png"))
        save_project(window)
        return opened

    def fake_run(config, on_event=None, **_):
        last = str(Path(config.out) / "last.pth")
        on_event(CheckpointSaved(path=last, epoch=1))
        on_event(Finished(run_dir=config.out, best_checkpoint=None, last_checkpoint=last))
        return 0

    monkeypatch.setattr(project_location, "open_for_editing", open_then_window_saves)
    monkeypatch.setattr(trainer_cli, "run_config", fake_run)
    assert main(["train", "--project", str(project.path), "--epochs", "1"]) == 0
    final = load_project(project.path).project
    assert "saved-just-after-the-read.png" in [im.filename for im in final.images]
    assert [run.status for run in final.polymask.runs] == ["finished"]
