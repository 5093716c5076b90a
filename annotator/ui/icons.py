"""Icons as Qt sees them: the resources' SVGs rendered and tinted for the theme, and the app
icon (its SVG plus the PNG renderings desktops use). Files come from annotator.resources."""

from __future__ import annotations

from functools import cache, lru_cache

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QIcon, QImage, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

from .. import resources

ICON_SIZES = (16, 24, 32, 48)
APP = "app"  # icon("app") is the application's own icon


def render_svg(svg: str, size: int) -> QImage:
    """`svg` drawn antialiased into a transparent size x size image."""
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    QSvgRenderer(QByteArray(svg.encode())).render(painter, QRectF(0, 0, size, size))
    painter.end()
    return image


@lru_cache(maxsize=512)
def icon(name: str, colour: str = "#1d2330", disabled: str = "#9aa1ad") -> QIcon:
    """Icon `name` from resources/icons with `currentColor` set to `colour` (the theme's text
    colour; `disabled` when the action is disabled). An unknown name gives an empty icon."""
    if name == APP:
        return app_icon()
    svg = resources.icon_svg(name)
    out = QIcon()
    if svg is None:
        return out
    for mode, col in ((QIcon.Mode.Normal, colour), (QIcon.Mode.Disabled, disabled)):
        tinted = svg.replace("currentColor", col)
        for size in ICON_SIZES:
            out.addPixmap(QPixmap.fromImage(render_svg(tinted, size)), mode)
    return out


@cache
def app_icon() -> QIcon:
    """The app icon at every size the package ships, so the window manager picks a sharp one."""
    out = QIcon()
    for size in resources.APP_ICON_SIZES:
        pixmap = QPixmap()
        if pixmap.loadFromData(resources.app_icon_png(size), "PNG"):
            out.addPixmap(pixmap)
    return out
