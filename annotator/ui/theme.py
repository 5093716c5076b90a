"""Look and feel: light/dark palettes following the system, the style sheet,
SVG icons tinted for the theme (icons.py), and the fixed qualitative class palette."""

from __future__ import annotations

from PySide6.QtCore import QObject, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPainter, QPalette, QPixmap

from .. import resources
from .icons import icon

# Tableau 10 (readable on light and dark backgrounds, distinct for the colour-blind
# more than HSV steps), then a second set of 10 for projects with many classes.
CLASS_PALETTE = [
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
]

LIGHT = {
    "window": "#f4f5f7",
    "base": "#ffffff",
    "alt": "#f0f2f5",
    "text": "#1d2330",
    "muted": "#6b7385",
    "border": "#d5d9e0",
    "accent": "#2d6cdf",
    "accent_text": "#ffffff",
    "hover": "#e6edfb",
    "selected": "#d3e1fb",
    "canvas": "#e3e6eb",
    "button": "#ffffff",
    "danger": "#c93c3c",
}
DARK = {
    "window": "#1e2127",
    "base": "#16181d",
    "alt": "#22262d",
    "text": "#e3e6ec",
    "muted": "#8f97a8",
    "border": "#343a45",
    "accent": "#4c8dff",
    "accent_text": "#ffffff",
    "hover": "#2a3140",
    "selected": "#27406d",
    "canvas": "#101216",
    "button": "#2a2f38",
    "danger": "#ef6b6b",
}


NO_CLASS_COLOUR = "#d0d0d0"  # a region or prediction without a class


def class_colour(project, name: str | None) -> str:
    """One class's colour by `class_colours`' rule; a name the project lacks takes the next free one."""
    if name is None:
        return NO_CLASS_COLOUR
    names = project.class_names() if project is not None else []
    return class_colours(project, names if name in names else [*names, name])[name]


def class_colours(project, names=None) -> dict[str, str]:
    """Every class's colour: the project's own choice, else the palette by position."""
    chosen = project.class_colours() if project is not None else {}
    names = project.class_names() if names is None and project is not None else (names or [])
    used = {c.lower() for c in chosen.values()}
    free = [c for c in CLASS_PALETTE if c.lower() not in used] or CLASS_PALETTE
    out, k = {}, 0
    for name in names:
        if name in chosen:
            out[name] = chosen[name]
        else:
            out[name] = free[k % len(free)]
            k += 1
    return out


def next_free_colour(project) -> str:
    used = {c.lower() for c in class_colours(project).values()}
    for c in CLASS_PALETTE:
        if c.lower() not in used:
            return c
    return CLASS_PALETTE[len(used) % len(CLASS_PALETTE)]


def system_is_dark() -> bool:
    if QGuiApplication.instance() is None:
        return False
    scheme = QGuiApplication.styleHints().colorScheme()
    if scheme == Qt.ColorScheme.Dark:
        return True
    if scheme == Qt.ColorScheme.Light:
        return False
    return QGuiApplication.palette().color(QPalette.ColorRole.Window).lightness() < 128


class Theme(QObject):
    """The current colours; emits `changed` when the system switches light/dark."""

    changed = Signal()

    def __init__(self, dark: bool | None = None, parent=None):
        super().__init__(parent)
        self._forced = dark
        self.dark = system_is_dark() if dark is None else dark
        hints = QGuiApplication.styleHints()
        hints.colorSchemeChanged.connect(self._system_changed)

    @property
    def colours(self) -> dict[str, str]:
        return DARK if self.dark else LIGHT

    def _system_changed(self, *_):
        if self._forced is None and system_is_dark() != self.dark:
            self.dark = not self.dark
            self.apply()
            self.changed.emit()

    def apply(self, app=None) -> None:
        app = app or QGuiApplication.instance()
        if hasattr(app, "setStyle"):
            app.setStyle("Fusion")
        c = self.colours
        pal = QPalette()
        roles = {
            QPalette.ColorRole.Window: c["window"],
            QPalette.ColorRole.WindowText: c["text"],
            QPalette.ColorRole.Base: c["base"],
            QPalette.ColorRole.AlternateBase: c["alt"],
            QPalette.ColorRole.Text: c["text"],
            QPalette.ColorRole.Button: c["button"],
            QPalette.ColorRole.ButtonText: c["text"],
            QPalette.ColorRole.Highlight: c["accent"],
            QPalette.ColorRole.HighlightedText: c["accent_text"],
            QPalette.ColorRole.ToolTipBase: c["base"],
            QPalette.ColorRole.ToolTipText: c["text"],
            QPalette.ColorRole.PlaceholderText: c["muted"],
            QPalette.ColorRole.Link: c["accent"],
            QPalette.ColorRole.Mid: c["border"],
        }
        for role, colour in roles.items():
            pal.setColor(role, QColor(colour))
        for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText, QPalette.ColorRole.ButtonText):
            pal.setColor(QPalette.ColorGroup.Disabled, role, QColor(c["muted"]))
        app.setPalette(pal)
        if hasattr(app, "setStyleSheet"):
            app.setStyleSheet(style_sheet(c))

    def icon(self, name: str) -> QIcon:
        return icon(name, self.colours["text"], self.colours["muted"])


def style_sheet(c: dict[str, str]) -> str:
    text = resources.style_sheet_template()
    for key in sorted(c, key=len, reverse=True):  # "@accent_text" before "@accent"
        text = text.replace("@" + key, c[key])
    return text


def swatch(colour: str, size: int = 14) -> QIcon:
    pm = QPixmap(size, size)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(QColor(colour).darker(140))
    p.setBrush(QColor(colour))
    p.drawRoundedRect(QRectF(0.5, 0.5, size - 1, size - 1), 3, 3)
    p.end()
    return QIcon(pm)
