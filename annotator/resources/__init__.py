"""The app's files: icon, tool icons (SVG), desktop entry, style sheet.

One small Qt-free loader over `importlib.resources`, so the files are found the same way
in a source checkout, an installed wheel or a zip. The design card's top-level
`resources/` lives here, inside the package: setuptools ships package data in the wheel
and importlib.resources finds it; a folder beside the package would not be installed.

Every icon is drawn for Polymask in one style (24 px grid, 1.8 px round strokes in
`currentColor`, which the window tints for its theme); see LICENSE.md here.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

APP_ID = "polymask"  # the icon and desktop entry name, as the freedesktop specs want it
APP_ICON_SIZES = (16, 24, 32, 48, 64, 128, 256)


def _files():
    return resources.files(__name__)


def read_text(name: str) -> str:
    """A resource file's text; `name` is a path relative to this package ("icons/rect.svg")."""
    return _files().joinpath(name).read_text(encoding="utf-8")


def read_bytes(name: str) -> bytes:
    return _files().joinpath(name).read_bytes()


@cache
def icon_names() -> tuple[str, ...]:
    """Every icon in icons/, by name (file stem)."""
    return tuple(sorted(f.name[:-4] for f in _files().joinpath("icons").iterdir() if f.name.endswith(".svg")))


def icon_svg(name: str) -> str | None:
    """The SVG text of icon `name`, None when there is none."""
    return read_text(f"icons/{name}.svg") if name in icon_names() else None


def app_icon_svg() -> str:
    return read_text(f"app/{APP_ID}.svg")


def app_icon_png(size: int) -> bytes:
    """The app icon rendered at `size` px (one of APP_ICON_SIZES), for desktops that want PNGs."""
    if size not in APP_ICON_SIZES:
        raise ValueError(f"no {size} px app icon; sizes: {', '.join(map(str, APP_ICON_SIZES))}")
    return read_bytes(f"app/{APP_ID}-{size}.png")


def desktop_entry_template() -> str:
    """The freedesktop .desktop file, with @EXEC@ for the command that starts the window."""
    return read_text(f"{APP_ID}.desktop")


def style_sheet_template() -> str:
    """The Qt style sheet, with @name placeholders for the theme's colours."""
    return read_text("style.qss")
