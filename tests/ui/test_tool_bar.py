"""Toolbar icons (issue 25, item 8): one call builds the tools' bar from (name, key) pairs, each
button with its icon and a tooltip naming its key; clicking one picks the tool. And the app icon."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMainWindow

from annotator import resources
from annotator.ui.actions import TOOLS
from annotator.ui.icons import app_icon, icon, render_svg
from annotator.ui.tool_bar import tool_bar


def _bar(qtbot):
    window = QMainWindow()
    qtbot.addWidget(window)
    bar = tool_bar([(name, key, label) for name, label, key in TOOLS], window)
    window.addToolBar(bar)
    window.show()
    qtbot.waitExposed(window)
    bar.window_ = window  # the window owns the bar: keep it alive as long as the test uses the bar
    return bar


def test_every_tool_gets_a_button_with_its_icon_and_key(qtbot):
    bar = _bar(qtbot)
    assert bar.names() == [t[0] for t in TOOLS]
    for name, label, key in TOOLS:
        action = bar.tool_action(name)
        assert not action.icon().isNull(), name
        assert action.toolTip() == f"{label} ({key})"
        button = bar.widgetForAction(action)
        assert button is not None and button.isVisible()
    assert bar.current() == "select"


def test_clicking_a_button_picks_its_tool_and_the_bar_follows_the_keys(qtbot):
    bar = _bar(qtbot)
    button = bar.widgetForAction(bar.tool_action("polygon"))
    with qtbot.waitSignal(bar.tool_chosen) as chosen:
        QTest.mouseClick(button, Qt.MouseButton.LeftButton)
    assert chosen.args == ["polygon"] and bar.current() == "polygon"
    with qtbot.assertNotEmitted(bar.tool_chosen):
        bar.set_current("brush")  # e.g. B pressed on the canvas
    assert bar.current() == "brush" and not bar.tool_action("polygon").isChecked()


def test_icons_are_tinted_for_the_theme_and_unknown_names_are_empty(qtbot):
    dark = icon("polygon", "#000000").pixmap(24).toImage()
    light = icon("polygon", "#ffffff").pixmap(24).toImage()
    inked = [(x, y) for x in range(24) for y in range(24) if dark.pixelColor(x, y).alpha() > 200]
    assert inked and all(dark.pixelColor(x, y).lightness() < 60 for x, y in inked)
    assert all(light.pixelColor(x, y).lightness() > 200 for x, y in inked)
    assert icon("no-such-icon").isNull()


def test_the_shipped_pngs_are_the_svg_rendered(qtbot):
    """tools/render_app_icon.py was run after the last change to app/polymask.svg."""
    for size in (32, 128):
        png = QImage.fromData(resources.app_icon_png(size)).convertToFormat(QImage.Format.Format_ARGB32)
        drawn = render_svg(resources.app_icon_svg(), size).convertToFormat(QImage.Format.Format_ARGB32)
        worst = max(
            abs(png.pixelColor(x, y).red() - drawn.pixelColor(x, y).red())
            + abs(png.pixelColor(x, y).alpha() - drawn.pixelColor(x, y).alpha())
            for x in range(size)
            for y in range(size)
        )
        assert worst <= 6, (size, worst)
    assert sorted(app_icon().availableSizes(), key=lambda s: s.width())[-1].width() == 256


def test_the_window_has_the_app_icon(make_window):
    window = make_window()
    sizes = {s.width() for s in window.windowIcon().availableSizes()}
    assert sizes == set(resources.APP_ICON_SIZES)
