"""The app's resources (issue 25, item 8): every icon in one style, the app icon's PNGs, what the
wheel ships, and `polymask --install-desktop`. No Qt here."""

from __future__ import annotations

import fnmatch
import xml.etree.ElementTree as ET
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image

from annotator import resources
from annotator.app.desktop_entry import DesktopInstallError, desktop_entry, install_desktop
from annotator.cli import main

ROOT = Path(__file__).resolve().parents[2]
# every tool of the canvas, and what the window's menus and toolbar name
TOOL_ICONS = ["select", "polygon", "rect", "circle", "ellipse", "point", "polyline", "part", "hole", "brush", "eraser"]


def test_every_tool_has_an_icon_in_the_one_style():
    assert set(TOOL_ICONS) <= set(resources.icon_names())
    for name in resources.icon_names():
        svg = ET.fromstring(resources.icon_svg(name))
        assert svg.get("viewBox") == "0 0 24 24", name
        assert svg.get("stroke") == "currentColor" and svg.get("stroke-width") == "1.8", name
        assert svg.get("stroke-linecap") == "round" and svg.get("stroke-linejoin") == "round", name
    assert resources.icon_svg("no-such-icon") is None


def test_the_app_icon_has_an_svg_and_a_png_per_size():
    assert ET.fromstring(resources.app_icon_svg()).get("viewBox") == "0 0 256 256"
    for size in resources.APP_ICON_SIZES:
        image = Image.open(BytesIO(resources.app_icon_png(size)))
        assert image.size == (size, size) and image.mode == "RGBA"
        assert image.getpixel((0, 0))[3] == 0 and image.getpixel((size // 2, size // 2))[3] == 255  # rounded square
    with pytest.raises(ValueError, match="no 20 px app icon"):
        resources.app_icon_png(20)


def test_the_wheel_ships_every_resource_file():
    """pyproject's package-data must match every file under annotator/resources (the wheel
    carries only what it matches)."""
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["annotator.resources"]
    folder = ROOT / "annotator" / "resources"
    files = [p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() and p.suffix != ".py"]
    files = [f for f in files if "__pycache__" not in f]
    assert files and all(any(fnmatch.fnmatch(f, pat) for pat in patterns) for f in files), files


def test_install_desktop_writes_the_entry_and_icons_for_this_user(tmp_path):
    written = install_desktop(tmp_path, ["/opt/my tools/polymask"], platform="linux")
    entry = (tmp_path / "applications" / "polymask.desktop").read_text(encoding="utf-8")
    assert 'Exec="/opt/my tools/polymask" %f' in entry and "Icon=polymask" in entry
    assert "TryExec=/opt/my tools/polymask" in entry and "@" not in entry
    assert (tmp_path / "icons/hicolor/scalable/apps/polymask.svg").read_text() == resources.app_icon_svg()
    assert (tmp_path / "icons/hicolor/48x48/apps/polymask.png").read_bytes() == resources.app_icon_png(48)
    assert len(written) == 2 + len(resources.APP_ICON_SIZES)
    again = install_desktop(tmp_path, ["/usr/bin/polymask"], platform="linux")  # replaces, no .bak left
    assert again == written and not list(tmp_path.rglob("*.bak"))
    assert "Exec=/usr/bin/polymask %f" in (tmp_path / "applications" / "polymask.desktop").read_text()


def test_exec_line_escapes_what_the_spec_reserves():
    assert 'Exec="/home/a\\$b/python" -m annotator.cli %f' in desktop_entry(["/home/a$b/python", "-m", "annotator.cli"])
    assert "Exec=/x/100%%/polymask %f" in desktop_entry(["/x/100%/polymask"])


def test_install_desktop_elsewhere_says_it_is_for_linux(tmp_path):
    with pytest.raises(DesktopInstallError, match="for Linux desktops; this is darwin"):
        install_desktop(tmp_path, ["polymask"], platform="darwin")


def test_cli_install_desktop(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    assert main(["--install-desktop"]) == 0
    assert "application menu" in capsys.readouterr().out
    assert (tmp_path / "share" / "applications" / "polymask.desktop").exists()
    (tmp_path / "a-file").write_text("")  # a data folder that cannot be made (even as root)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "a-file" / "share"))
    assert main(["--install-desktop"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("polymask: cannot write") and "a-file" in err and "Traceback" not in err
