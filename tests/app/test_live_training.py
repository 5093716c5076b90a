"""The app side of live training (issue 22), Qt-free: when the session starts, what it feeds the
trainer, which checkpoint pre-labels, and the quality figure from a known pre-label and edit.
The trainer child is a stand-in here (tests/trainer/test_live.py runs the real one)."""

from __future__ import annotations

import threading

import pytest

from annotator.app.live_training import LiveSession, best_previous_weights
from annotator.app.prelabel_quality import QUALITY_FILE, image_quality, images_until, matched_iou, read_quality
from trainer.events import CheckpointSaved, Finished

CATS = [{"id": 1, "name": "balloon"}, {"id": 2, "name": "kite"}]


def square(x: float, y: float, s: float, cat: int = 1) -> dict:
    return {"category_id": cat, "segmentation": [[x, y, x + s, y, x + s, y + s, x, y + s]]}


def test_the_quality_figure_from_a_known_prelabel_and_edit():
    predicted = [square(0, 0, 10), square(50, 50, 10)]
    kept = [square(5, 0, 10), square(50, 50, 10)]  # the user moved the first by half its width
    # (50/150 + 1) / 2: the moved one overlaps by a third, the untouched one fully
    assert matched_iou(predicted, kept, 100, 100) == pytest.approx((1 / 3 + 1) / 2, abs=1e-6)
    # the user deleted a spurious object and drew a missed one: each counts 0
    assert matched_iou(predicted + [square(80, 0, 5)], kept + [square(0, 80, 5)], 100, 100) == pytest.approx(
        (1 / 3 + 1) / 4, abs=1e-6
    )
    assert matched_iou([square(0, 0, 10, cat=2)], [square(0, 0, 10)], 100, 100) == 0.0, "another class is no match"
    q = image_quality(7, predicted, kept, (100, 100), seconds=12.5)
    assert (q.image_id, q.predicted, q.kept, q.seconds) == (7, 2, 2, 12.5) and q.prelabelled
    assert not image_quality(8, None, kept, (100, 100)).prelabelled


def test_images_until_the_mean_of_ten_reaches_a_target():
    ious = [0.0] * 10 + [1.0] * 10
    assert images_until(ious, 0.5) == 15 and images_until(ious, 0.7) == 17 and images_until(ious[:12], 0.5) is None


class FakeChild:
    """Records what the session sends; its events are what the test releases."""

    made: list[FakeChild] = []

    def __init__(self, config, settings):
        self.config, self.settings, self.sent = config, settings, []
        self.release = threading.Event()
        self.events_out: list = []
        FakeChild.made.append(self)

    def events(self, stop):
        self.release.wait(5)
        yield from self.events_out
        stop.wait(5)
        yield Finished(".", None, None, stopped=True)

    def put(self, image, annotations, path=None):
        self.sent.append(("put", image["id"], annotations))
        return True

    def remove(self, image_id):
        self.sent.append(("remove", image_id))
        return True

    def kill(self):
        pass


def _image(i: int) -> dict:
    return {"id": i, "file_name": f"{i}.jpg", "width": 100, "height": 100}


def test_the_session_starts_at_five_done_images_then_feeds_each_done_edit_and_removal(tmp_path):
    FakeChild.made.clear()
    s = LiveSession(CATS, tmp_path / "run", {"model": "fast", "weights": "none"}, child=FakeChild)
    for i in range(1, 5):
        s.done(_image(i), [square(i, i, 10)])
    assert s.child is None and s.status_text() == "needs 1 more labelled image"
    s.done(_image(5), [square(5, 5, 10)])
    child = FakeChild.made[-1]
    assert [im["id"] for im in child.config.coco["images"]] == [1, 2, 3, 4, 5]
    assert len(child.config.coco["annotations"]) == 5 and child.config.out == str(tmp_path / "run")
    s.done(_image(6), [square(6, 6, 10)])
    s.done(_image(2), [square(20, 20, 10)])  # an edit of a finished image
    s.remove(3)
    assert child.sent == [("put", 6, [square(6, 6, 10)]), ("put", 2, [square(20, 20, 10)]), ("remove", 3)]
    child.release.set()
    s.stop()
    assert s.status_text() == "stopped" and not s.running


def test_prelabel_uses_the_newest_checkpoint(tmp_path):
    FakeChild.made.clear()
    s = LiveSession(CATS, tmp_path / "run", min_images=1, child=FakeChild)
    assert s.prelabel("x.jpg", lambda c, p: [])[1] is None, "no checkpoint yet: nothing to pre-label with"
    s.done(_image(1), [])
    old, new = tmp_path / "old.pth", tmp_path / "new.pth"
    old.write_bytes(b"1")
    new.write_bytes(b"2")
    child = FakeChild.made[-1]
    child.events_out = [CheckpointSaved(str(old), 1), CheckpointSaved(str(new), 2)]
    child.release.set()
    used = []
    for _ in range(100):
        if s.checkpoint == new:
            break
        threading.Event().wait(0.02)
    annotations, ckpt = s.prelabel("next.jpg", lambda c, p: used.append((c, p)) or [square(0, 0, 5)])
    assert ckpt == new and used == [(new, "next.jpg")] and annotations == [square(0, 0, 5)]
    s.stop()


def test_before_the_live_run_writes_a_checkpoint_a_warm_start_prelabels_with_its_own(tmp_path):
    warm = tmp_path / "previous" / "best.pth"
    warm.parent.mkdir()
    warm.write_bytes(b"w")
    s = LiveSession(CATS, tmp_path / "run", {"weights": str(warm)}, min_images=1, child=FakeChild)
    used = []
    annotations, ckpt = s.prelabel("first.jpg", lambda c, p: used.append(c) or [square(0, 0, 5)])
    assert ckpt == warm and used == [warm] and annotations == [square(0, 0, 5)]
    cold = LiveSession(CATS, tmp_path / "cold", {"weights": "none"}, min_images=1, child=FakeChild)
    assert cold.prelabel("first.jpg", lambda c, p: [square(0, 0, 5)]) == (None, None)


def test_the_warm_start_is_the_best_previous_run_on_disk(tmp_path):
    class Run:
        def __init__(self, best, ap):
            self.best_checkpoint, self.last_checkpoint, self.metrics = best, None, {"segm_AP": ap}

    (tmp_path / "good.pth").write_bytes(b"x")
    (tmp_path / "medium.pth").write_bytes(b"x")
    runs = [Run("medium.pth", 0.3), Run("gone.pth", 0.9), Run("good.pth", 0.5)]
    assert best_previous_weights(runs, lambda p: tmp_path / p if p else None) == str(tmp_path / "good.pth")
    assert best_previous_weights([], lambda p: None) is None


def test_each_finished_image_is_recorded_in_the_run_folder_and_read_back(tmp_path):
    """The curve outlives the window: finish() appends a line to the live run's folder."""
    out = tmp_path / "runs" / "20261207-101010-live-fast"
    s = LiveSession(CATS, out, child=FakeChild)
    s.finish(_image(1), [square(0, 0, 10)], None, started=0.0)  # no model yet
    s.finish(_image(2), [square(5, 0, 10)], [square(0, 0, 10)], started=0.0)
    with open(out / QUALITY_FILE, "a") as f:
        f.write('{"image_id": 3, "iou": 0.')  # a write cut short by a kill
    back = read_quality(out)
    assert [(q.image_id, q.prelabelled, q.kept) for q in back] == [(1, False, 1), (2, True, 1)]
    assert back[1].iou == pytest.approx(1 / 3, abs=1e-3) and back == [type(q).from_dict(q.to_dict()) for q in s.quality]
    assert read_quality(tmp_path / "nowhere") == []
