"""`polymask --install-desktop`: put Polymask in the Linux desktop's application menu.

Writes, for the current user only (freedesktop.org's XDG data folder, no root):
the desktop entry `applications/polymask.desktop`, and the app icon as
`icons/hicolor/scalable/apps/polymask.svg` plus one PNG per size under
`icons/hicolor/SIZExSIZE/apps/`. Running it again replaces those files and nothing else.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from .. import resources
from ..io.jsonfile import atomic_write_bytes


class DesktopInstallError(Exception):
    """Why the desktop entry could not be installed (one line for the user)."""


def data_home() -> Path:
    """$XDG_DATA_HOME, else ~/.local/share (the spec's default)."""
    configured = os.environ.get("XDG_DATA_HOME", "")
    return Path(configured) if os.path.isabs(configured) else Path.home() / ".local" / "share"


def launch_command() -> list[str]:
    """What starts the window: the installed `polymask` script, else this Python with main.py's module."""
    script = shutil.which("polymask")
    if script:
        return [str(Path(script).resolve())]
    return [sys.executable, "-m", "annotator.cli"]  # not resolved: a venv's python is a link to the base one


def _exec_quote(arg: str) -> str:
    """An Exec argument as the Desktop Entry spec quotes it."""
    if arg and not any(c in arg for c in ' \t\n"\'\\><~|&;$*?#()`'):
        return arg
    escaped = "".join("\\" + c if c in '"`$\\' else c for c in arg)
    return f'"{escaped}"'


def desktop_entry(command: list[str]) -> str:
    text = resources.desktop_entry_template()
    # '%' is the spec's field-code character: a literal one in a path is written '%%'
    exec_line = " ".join(_exec_quote(a).replace("%", "%%") for a in command)
    return text.replace("@EXEC@", exec_line).replace("@TRYEXEC@", command[0])


def install_desktop(
    home: Path | None = None, command: list[str] | None = None, platform: str = sys.platform
) -> list[Path]:
    """Install the desktop entry and icons under `home` (default: data_home()); the paths written."""
    if not platform.startswith("linux"):
        raise DesktopInstallError(f"--install-desktop is for Linux desktops; this is {platform}")
    home = home or data_home()
    command = command or launch_command()
    icons = home / "icons" / "hicolor"
    files: list[tuple[Path, bytes]] = [
        (home / "applications" / f"{resources.APP_ID}.desktop", desktop_entry(command).encode()),
        (icons / "scalable" / "apps" / f"{resources.APP_ID}.svg", resources.app_icon_svg().encode()),
    ]
    files += [
        (icons / f"{s}x{s}" / "apps" / f"{resources.APP_ID}.png", resources.app_icon_png(s))
        for s in resources.APP_ICON_SIZES
    ]
    for path, data in files:
        try:
            atomic_write_bytes(path, data, backup=False)
        except OSError as exc:
            raise DesktopInstallError(f"cannot write {path}: {exc.strerror or exc}") from exc
    return [path for path, _ in files]
