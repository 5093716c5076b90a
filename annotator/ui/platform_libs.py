"""Before Qt opens a window on Linux: are the system libraries of Qt's xcb platform
plugin installed? Without them Qt aborts the process with "Could not load the Qt
platform plugin "xcb"" and a hint that names the wrong library; we name the missing
ones and print the one apt line that installs them (the same line as in the README).

The list is what `ldd` shows for PySide6's libqxcb.so / libQt6XcbQpa.so.6 and
what Qt 6's "Qt for X11 Requirements" page lists, as Debian / Ubuntu packages.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import sys
from collections.abc import Callable, Mapping

XCB_LIBRARIES = {  # soname -> the Debian / Ubuntu package that installs it
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-util.so.1": "libxcb-util1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libfontconfig.so.1": "libfontconfig1",
    "libdbus-1.so.3": "libdbus-1-3",
}
APT_LINE = "sudo apt-get install -y " + " ".join(dict.fromkeys(XCB_LIBRARIES.values()))


def _can_load(soname: str) -> bool:
    try:
        ctypes.CDLL(soname)  # what the dynamic loader will do for Qt (same search path)
        return True
    except OSError:
        return False


def missing_libraries(can_load: Callable[[str], bool] | None = None) -> list[str]:
    can_load = can_load or _can_load
    return [soname for soname in XCB_LIBRARIES if not can_load(soname)]


def uses_xcb(env: Mapping[str, str] | None = None, platform: str | None = None) -> bool:
    """Will Qt pick its xcb plugin? (QT_QPA_PLATFORM, else X11 unless a Wayland session)"""
    env = os.environ if env is None else env
    platform = sys.platform if platform is None else platform
    if not platform.startswith("linux"):
        return False
    chosen = env.get("QT_QPA_PLATFORM", "").strip()
    if chosen:
        return chosen.split(";")[0].split(":")[0] == "xcb"
    return not env.get("WAYLAND_DISPLAY")  # on Wayland Qt tries its wayland plugin first


def missing_message(missing: list[str]) -> str:
    packages = " ".join(XCB_LIBRARIES[m] for m in missing)
    return (
        f"polymask: cannot open a window: Qt's X11 (xcb) plugin needs system libraries that are not "
        f"installed: {', '.join(missing)} (packages: {packages}).\n"
        f"Install them on Debian / Ubuntu with:\n\n    {APT_LINE}\n"
    )


def platform_problem(
    env: Mapping[str, str] | None = None, platform: str | None = None, can_load: Callable[[str], bool] | None = None
) -> str | None:
    """The message to print instead of starting Qt, or None when Qt can try."""
    if not uses_xcb(env, platform):
        return None
    missing = missing_libraries(can_load)
    return missing_message(missing) if missing else None


def failure_message(
    qt_message: str, env: Mapping[str, str] | None = None, can_load: Callable[[str], bool] | None = None
) -> str:
    """What to say when Qt itself reports that the platform plugin could not start."""
    env = os.environ if env is None else env
    missing = missing_libraries(can_load)
    if missing:
        return missing_message(missing)
    first = qt_message.strip().splitlines()[0] if qt_message.strip() else "no platform plugin"
    if not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
        hint = (
            "No display was found (DISPLAY is not set): run polymask in a desktop session, "
            "over `ssh -X`, or under `xvfb-run`."
        )
    else:
        hint = f"On Debian / Ubuntu, Qt's X11 plugin needs these libraries:\n\n    {APT_LINE}\n"
    return f"polymask: cannot open a window: {first}\n{hint}"


@contextlib.contextmanager
def explain_platform_failure(exit_code: int = 1, stream=None):
    """While the QApplication is created: if Qt reports that its platform plugin cannot
    start (it would abort the process next), print what to do and exit with `exit_code`."""
    from PySide6.QtCore import QtMsgType, qInstallMessageHandler

    def handler(mode, context, message):
        out = stream or sys.stderr
        if mode == QtMsgType.QtFatalMsg and "platform plugin" in message:
            out.write(failure_message(message))
            out.flush()
            os._exit(exit_code)  # Qt calls abort() after a fatal message: leave first, cleanly
        out.write(message + "\n")

    previous = qInstallMessageHandler(handler)
    try:
        yield
    finally:
        qInstallMessageHandler(previous)
