"""The window as the tests open it: its own settings file (no recent project leaks between
tests), shown and exposed, shut down before pytest-qt closes it so a window left with
unsaveable changes never waits on the close question."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings

from annotator.ui.main_window import MainWindow
from annotator.ui.recent import RecentProjects


@pytest.fixture
def make_window(qtbot, tmp_path):
    from annotator.ui.recent import settings

    # Every test starts from a first launch's layout: the window layout is kept in the process's
    # own settings, and under pytest-xdist which test ran before in this process varies.
    settings().remove("window")
    windows = []

    def make(path=None, delay=150, size=(1100, 760), wait="image", settings=None):
        """A window on `path`; `wait` is "image" (the first image shown), "saved" (the project
        file written and clean) or None."""
        store = QSettings(str(tmp_path / (settings or f"settings{len(windows)}.ini")), QSettings.Format.IniFormat)
        w = MainWindow(recent=RecentProjects(store), autosave_delay_ms=delay)
        qtbot.addWidget(w, before_close_func=lambda w: w.shutdown())
        w.resize(*size)
        w.show()
        qtbot.waitExposed(w)
        windows.append(w)
        if path is not None:
            assert w.open_path(path)
            if wait == "image":
                qtbot.waitUntil(lambda: w.image_cache.get(w.current_key) is not None, timeout=10_000)
            elif wait == "saved":
                qtbot.waitUntil(lambda: w.project.path.exists() and not w.isWindowModified())
        return w

    yield make
    for w in windows:
        w.shutdown()
