"""Application entry point: `run(path)` opens a folder / project / annotation
file, else the last project, else (first start) the demo project."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

from PySide6.QtCore import QStandardPaths, QTimer
from PySide6.QtWidgets import QApplication

from .recent import RecentProjects
from .theme import Theme


def application() -> QApplication:
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setOrganizationName("Polymask")
    app.setApplicationName("Polymask")
    app.setApplicationDisplayName("Polymask")
    app.setDesktopFileName("polymask")
    return app


def demo_folder() -> Path:
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(base or Path.home() / ".polymask") / "demo"


def demo_project() -> Path | None:
    """The demo project, written on first use. None if it cannot be written."""
    from ..io import PROJECT_FILENAME

    folder = demo_folder()
    existing = folder / PROJECT_FILENAME
    if existing.exists():
        return existing
    try:
        from ..demo import write_demo

        return Path(write_demo(folder))
    except Exception as exc:  # no write access, demo generator missing: start empty
        print(f"polymask: could not write the demo project: {exc}", file=sys.stderr)
        return None


def create_window(path: str | None = None, app: QApplication | None = None, **kwargs):
    """The shown MainWindow with `path` (or the last project, or the demo) opened."""
    from .main_window import MainWindow

    app = app or application()
    theme = Theme()
    theme.apply(app)
    window = MainWindow(theme=theme, **kwargs)
    window.show()
    target = path or RecentProjects().last() or demo_project()
    if target is not None:
        try:
            window.open_path(target)
        except Exception as exc:  # noqa: BLE001 - a broken (last) project must never stop the app starting
            window = _empty_window_after(window, target, exc, theme, kwargs)
    return window


def _empty_window_after(broken, target, exc, theme, kwargs):
    """A fresh, empty window saying why `target` could not be opened (the half-opened
    one is dropped without writing anything)."""
    from .main_window import MainWindow

    broken.autosave.discard()
    broken.shutdown()
    broken.hide()
    broken.deleteLater()
    window = MainWindow(theme=theme, **kwargs)
    window.show()
    window.show_error("Cannot open", f"Cannot open {target}", f"{type(exc).__name__}: {exc}")
    return window


def run(path: str | None = None) -> int:
    """Create the application, open `path`, show the window, run the event loop."""
    from .platform_libs import explain_platform_failure

    with explain_platform_failure():  # no display / missing X11 libraries: say what to do, exit 1
        app = application()
    window = create_window(path, app)
    # Ctrl+C in the terminal closes the window (and saves) instead of being ignored by Qt
    signal.signal(signal.SIGINT, lambda *_: window.close())
    timer = QTimer()
    timer.start(250)
    timer.timeout.connect(lambda: None)  # lets Python see the signal
    code = app.exec()
    window.shutdown()
    return code


if __name__ == "__main__":
    sys.exit(run(sys.argv[1] if len(sys.argv) > 1 else None))
