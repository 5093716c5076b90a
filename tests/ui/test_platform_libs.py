"""`polymask` on a fresh Linux without Qt's X11 libraries: one clear message with the apt
line and exit 1, instead of Qt's abort with a hint that names the wrong library."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from annotator import cli
from annotator.ui import platform_libs
from annotator.ui.platform_libs import APT_LINE, XCB_LIBRARIES, platform_problem, uses_xcb

README = Path(__file__).resolve().parents[2] / "README.md"
X11 = {"DISPLAY": ":0"}


def without(*sonames):
    return lambda soname: soname not in sonames


def test_missing_xcb_libraries_are_named_with_the_apt_line():
    message = platform_problem(X11, "linux", without("libxcb-icccm.so.4", "libxcb-keysyms.so.1"))
    assert "libxcb-icccm.so.4, libxcb-keysyms.so.1" in message
    assert "(packages: libxcb-icccm4 libxcb-keysyms1)" in message
    assert APT_LINE in message
    assert platform_problem(X11, "linux", lambda soname: True) is None


def test_the_check_only_applies_where_qt_uses_xcb():
    assert uses_xcb(X11, "linux") and uses_xcb({"QT_QPA_PLATFORM": "xcb"}, "linux")
    assert not uses_xcb({"QT_QPA_PLATFORM": "offscreen"}, "linux")
    assert not uses_xcb({"WAYLAND_DISPLAY": "wayland-0"}, "linux")  # Qt tries wayland first
    assert not uses_xcb(X11, "darwin") and not uses_xcb(X11, "win32")
    assert platform_problem({"QT_QPA_PLATFORM": "offscreen"}, "linux", lambda s: False) is None


def test_apt_line_installs_every_library_and_the_readme_has_it():
    for package in ("libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1", "libxkbcommon-x11-0", "libegl1"):
        assert package in APT_LINE.split()
    assert set(XCB_LIBRARIES.values()) == set(APT_LINE.split()[4:])
    assert APT_LINE in README.read_text()


def test_polymask_prints_the_apt_line_and_exits_1_without_starting_qt(monkeypatch, tmp_path, capsys):
    import annotator.ui.app as app

    def must_not_start(path=None):
        raise AssertionError("the window was started although a library is missing")

    monkeypatch.setattr(app, "run", must_not_start)
    monkeypatch.setattr(platform_libs, "_can_load", without("libxcb-cursor.so.0"))
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    assert cli.main([str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "libraries that are not installed: libxcb-cursor.so.0 (packages: libxcb-cursor0)" in err
    assert APT_LINE in err
    assert "Traceback" not in err


def test_when_qt_cannot_start_its_plugin_polymask_explains_and_exits_1():
    # the real Qt failure (no X display here): our message and exit 1, not Qt's abort (SIGABRT)
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["QT_QPA_PLATFORM"] = "xcb"
    proc = subprocess.run(
        [sys.executable, "-c", "from annotator.ui.app import run; run()"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1, (proc.returncode, proc.stderr)
    assert "polymask: cannot open a window" in proc.stderr
    assert ("DISPLAY is not set" in proc.stderr) or (APT_LINE in proc.stderr)
