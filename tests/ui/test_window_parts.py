"""The window's keys for parts, holes and the brush: Shift+P / Alt+P / B / Alt+B pick the tools,
] / [ size the brush while it is the tool (and the fill otherwise), Ctrl+M / Ctrl+Shift+M merge
and split; the F1 sheet says so."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from annotator.model import MultiPolygon, Polygon, Region

from . import test_view_options
from .test_view_options import click, key, regions

# the window fixture (with classes cat and dog) on a folder of three images
folder, win = test_view_options.folder, test_view_options.win


def add_squares(win):
    a = Region(Polygon.from_points([(20, 20), (60, 20), (60, 60), (20, 60)]), {"class": "cat"})
    b = Region(Polygon.from_points([(100, 30), (150, 30), (150, 80), (100, 80)]), {"class": "dog"})
    regions(win).extend([a, b])
    win.canvas.refresh()
    return a, b


def test_tool_keys_for_parts_holes_brush_and_eraser(win):
    for k, mods, name in (
        (Qt.Key.Key_P, Qt.KeyboardModifier.ShiftModifier, "part"),
        (Qt.Key.Key_P, Qt.KeyboardModifier.AltModifier, "hole"),
        (Qt.Key.Key_B, Qt.KeyboardModifier.NoModifier, "brush"),
        (Qt.Key.Key_B, Qt.KeyboardModifier.AltModifier, "eraser"),
        (Qt.Key.Key_P, Qt.KeyboardModifier.NoModifier, "polygon"),
    ):
        key(win, k, mods)
        assert win.canvas.tool() == name and win.actions[name].isChecked()


def test_brackets_size_the_brush_with_the_brush_and_the_fill_otherwise(win):
    c = win.canvas
    fill = c.view_options().fill_opacity
    key(win, Qt.Key.Key_B)
    size = c.brush_size()
    key(win, Qt.Key.Key_BracketRight)
    assert c.brush_size() > size and c.view_options().fill_opacity == fill
    key(win, Qt.Key.Key_S)
    key(win, Qt.Key.Key_BracketRight)
    assert c.view_options().fill_opacity > fill


def test_merge_and_split_keys_each_one_undo_step(win):
    a, b = add_squares(win)
    click(win, 40, 40)
    QTest.mouseClick(
        win.canvas.viewport(),
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.ShiftModifier,
        win.canvas.mapFromScene(120, 50),
    )
    key(win, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    (merged,) = regions(win)
    assert isinstance(merged.shape, MultiPolygon) and len(merged.shape.parts) == 2
    assert "Merge" in win.actions["undo"].text()
    QTest.mouseMove(win.canvas.viewport(), win.canvas.mapFromScene(40, 40))
    key(win, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert len(regions(win)) == 2
    win.undo()
    assert regions(win) == [merged] and len(merged.shape.parts) == 2
    win.undo()
    assert [r.shape for r in regions(win)] == [a.shape, b.shape]


def test_cheat_sheet_lists_the_new_keys(win):
    dlg = win.show_shortcuts()
    rows = dict(
        (dlg.tree.topLevelItem(i).text(0), dlg.tree.topLevelItem(i).text(1))
        for i in range(dlg.tree.topLevelItemCount())
    )
    assert rows["Add part"] == "Shift+P" and rows["Cut hole"] == "Alt+P"
    assert rows["Brush"] == "B" and rows["Eraser"] == "Alt+B"
    assert rows["Merge objects"] == "Ctrl+M" and rows["Split part out"] == "Ctrl+Shift+M"
    assert rows["Larger / smaller brush or eraser (while that tool is on)"] == "], ["
    dlg.close()


@pytest.mark.parametrize("tool", ["part", "hole"])
def test_part_and_hole_tools_keep_the_selection_while_drawing(win, tool):
    a, _b = add_squares(win)
    click(win, 40, 40)
    win.canvas.set_tool(tool)
    click(win, 30, 30)
    assert win.canvas.has_drawing() and win.canvas.selected_region_ids() == [a.id]
