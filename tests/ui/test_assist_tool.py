"""The Assist tool driven as a person would: drag a box or click an object, Shift+click the
background, Enter (or a click elsewhere) accepts as one undo step, Esc drops, Backspace takes the
last click back; the backend works on a worker thread and the status line names it."""

from __future__ import annotations

import threading

import cv2
import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from annotator.model import MultiPolygon, Polygon
from annotator.ui.canvas import Canvas

from .test_canvas import H, Harness, W, click, drag, key, make_project, snapshot

SHIFT = Qt.KeyboardModifier.ShiftModifier


def scene_pixels() -> np.ndarray:
    """A red disc (centre 60, 70, radius 30) and a red ring (centre 150, 75) on textured green."""
    rng = np.random.default_rng(0)
    ground = np.clip(np.full((H, W, 3), (60, 110, 60), np.float64) + rng.normal(0, 12, (H, W, 3)), 0, 255)
    img = ground.astype(np.uint8)
    cv2.circle(img, (60, 70), 30, (210, 50, 40), -1)
    cv2.circle(img, (150, 75), 35, (210, 50, 40), -1)
    hole = np.zeros((H, W), np.uint8)
    cv2.circle(hole, (150, 75), 14, 1, -1)
    img[hole > 0] = ground.astype(np.uint8)[hole > 0]  # the ground shows through the hole
    return img


@pytest.fixture
def env(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # no segmenter files: GrabCut answers
    project = make_project()
    project.image_root = str(tmp_path)
    pixels = scene_pixels()
    for im in project.images:
        Image.fromarray(pixels).save(tmp_path / im.filename)
    canvas = Canvas()
    qtbot.addWidget(canvas)
    canvas.resize(640, 480)
    canvas.show()
    qtbot.waitExposed(canvas)
    harness = Harness(project, canvas)
    qimage = QImage(pixels.tobytes(), W, H, 3 * W, QImage.Format.Format_RGB888).copy()
    canvas.set_image(project, project.images[0].key, qimage)
    canvas.set_current_class("cat")
    harness.image = project.images[0]
    canvas.set_tool("assist")
    tool = canvas.active_tool()
    qtbot.waitUntil(lambda: tool.backend != "", timeout=60000)  # the image is prepared in a worker
    yield harness
    canvas.background.wait()


def proposed(qtbot, tool):
    qtbot.waitUntil(lambda: tool.job is None and tool.proposal is not None, timeout=60000)
    return tool.proposal


def disc_iou(region_mask) -> float:
    truth = np.zeros((H, W), np.uint8)
    cv2.circle(truth, (60, 70), 30, 1, -1)
    return float(np.logical_and(region_mask, truth).sum() / np.logical_or(region_mask, truth).sum())


def shape_mask(shape) -> np.ndarray:
    out = np.zeros((H, W), np.uint8)
    rings = shape.rings() if isinstance(shape, MultiPolygon) else [shape]
    for i, ring in enumerate(rings):
        pts = np.round(np.stack([ring.xs, ring.ys], 1) - 0.5).astype(np.int32)
        cv2.fillPoly(
            out, [pts], 0 if isinstance(shape, MultiPolygon) and i and len(rings) > 1 and _is_hole(shape, i) else 1
        )
    return out.astype(bool)


def _is_hole(shape, index) -> bool:
    n = 0
    for _outer, holes in shape.parts:
        n += 1
        if index < n:
            return False
        if index < n + len(holes):
            return True
        n += len(holes)
    return False


def test_a_dragged_box_previews_then_enter_adds_one_object_in_one_undo_step(env, qtbot):
    c = env.canvas
    tool = c.active_tool()
    before = snapshot(env.project)
    drag(c, [(25, 35), (60, 70), (96, 106)])
    p = proposed(qtbot, tool)
    assert tool.preview.isVisible() and env.image.regions == [] and "grabcut" in c.hint()
    assert threading.main_thread() is threading.current_thread()  # the answer was delivered on the UI thread
    key(c, Qt.Key.Key_Return)
    (region,) = env.image.regions
    assert isinstance(region.shape, Polygon) and region.attributes == {"class": "cat"}
    assert disc_iou(shape_mask(region.shape)) >= 0.85 and p.vertex_count() == len(region.shape.xs)
    assert env.stack.count() == 1 and not tool.preview.isVisible() and c.selected_region_ids() == [region.id]
    env.stack.undo()
    assert snapshot(env.project) == before


def test_a_click_finds_the_object_under_it(env, qtbot):
    c = env.canvas
    tool = c.active_tool()
    click(c, 60, 70)
    proposed(qtbot, tool)
    key(c, Qt.Key.Key_Return)
    (region,) = env.image.regions
    assert disc_iou(shape_mask(region.shape)) >= 0.85 and env.stack.count() == 1


def test_an_object_with_a_hole_keeps_its_hole(env, qtbot):
    c = env.canvas
    tool = c.active_tool()
    drag(c, [(113, 38), (187, 112)])
    proposed(qtbot, tool)
    key(c, Qt.Key.Key_Return)
    (region,) = env.image.regions
    assert isinstance(region.shape, MultiPolygon) and len(region.shape.parts[0][1]) == 1  # the hole stays a hole


def test_esc_drops_the_proposal_and_backspace_takes_back_the_last_click(env, qtbot):
    c = env.canvas
    tool = c.active_tool()
    drag(c, [(25, 35), (96, 106)])
    proposed(qtbot, tool)
    click(c, 60, 70)
    click(c, 40, 50, SHIFT)
    assert [(round(x), round(y), pos) for x, y, pos in tool.clicks] == [(60, 70, True), (40, 50, False)]
    proposed(qtbot, tool)
    key(c, Qt.Key.Key_Backspace)
    assert len(tool.clicks) == 1 and tool.clicks[0][2]
    proposed(qtbot, tool)
    key(c, Qt.Key.Key_Escape)
    assert tool.proposal is None and tool.box is None and not tool.clicks and not tool.preview.isVisible()
    assert env.image.regions == [] and env.stack.count() == 0


def test_a_click_elsewhere_accepts_and_starts_the_next_object(env, qtbot):
    c = env.canvas
    tool = c.active_tool()
    drag(c, [(25, 35), (96, 106)])
    proposed(qtbot, tool)
    click(c, 150, 48)  # on the ring, outside the disc's box: the disc is taken, the ring proposed
    assert len(env.image.regions) == 1 and env.stack.count() == 1
    proposed(qtbot, tool)
    key(c, Qt.Key.Key_Return)
    assert len(env.image.regions) == 2 and env.stack.count() == 2


def test_the_detail_slider_changes_the_vertex_count_before_accepting(env, qtbot):
    c = env.canvas
    tool = c.active_tool()
    drag(c, [(25, 35), (96, 106)])
    fine = proposed(qtbot, tool).vertex_count()
    tool.detail.slider.setValue(tool.detail.slider.maximum())  # coarsest
    coarse = tool.proposal.vertex_count()
    assert coarse < fine and str(coarse) in tool.detail.label.text()
    key(c, Qt.Key.Key_Return)
    assert len(env.image.regions[0].shape.xs) == coarse


def test_shift_click_alone_says_what_to_do_first(env, qtbot):
    c = env.canvas
    click(c, 40, 50, SHIFT)
    assert "first drag a box" in c.hint() and c.active_tool().proposal is None


def test_missing_segmenter_files_are_offered_for_download_or_import(env, qtbot):
    tool = env.canvas.active_tool()
    qtbot.waitUntil(lambda: tool.detail.download_button.isVisible(), timeout=60000)
    assert tool.detail.import_button.isVisible()
    assert {f.name for f in tool.missing} == {"sam2.1_tiny_preprocess.onnx", "sam2.1_tiny.onnx"}
    assert "sam2:tiny not ready" in env.canvas.hint()
