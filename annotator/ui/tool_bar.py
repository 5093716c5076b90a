"""A tool bar built from a list of tools: one checkable button per tool, its icon from the
resources and a tooltip naming its key ("Polygon (P)"). Wiring the window's tools is one call:

    bar = tool_bar([("select", "S"), ("polygon", "P"), ...], window)
    window.addToolBar(bar); bar.tool_chosen.connect(canvas.set_tool); canvas.tool_changed.connect(bar.set_current)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import QSize, Signal
from PySide6.QtGui import QAction, QActionGroup, QIcon, QKeySequence
from PySide6.QtWidgets import QToolBar, QWidget

from . import icons


def tool_label(name: str) -> str:
    """ "polyline" -> "Polyline", "zoom_in" -> "Zoom in" (when no label is given)."""
    return name.replace("_", " ").capitalize()


class ToolBar(QToolBar):
    """Exclusive tool buttons; `tool_chosen(name)` when the user picks one."""

    tool_chosen = Signal(str)

    def __init__(
        self,
        tools: Iterable[tuple],
        parent: QWidget | None = None,
        icon: Callable[[str], QIcon] = icons.icon,
        shortcuts: bool = False,
        title: str = "Tools",
    ):
        super().__init__(title, parent)
        self.setObjectName("tools")
        self.setIconSize(QSize(22, 22))
        self.group = QActionGroup(self)
        self.group.setExclusive(True)
        self._actions: dict[str, QAction] = {}
        for entry in tools:
            name, key = entry[0], entry[1]
            label = entry[2] if len(entry) > 2 else tool_label(name)
            action = QAction(icon(name), label, self)
            action.setCheckable(True)
            action.setData(name)
            action.setToolTip(f"{label} ({key})" if key else label)
            action.setStatusTip(f"{label} tool" + (f", key {key}" if key else ""))
            # the window's menu actions own the keys; a second shortcut on the same key is ambiguous
            if shortcuts and key:
                action.setShortcut(QKeySequence(key))
            self.group.addAction(action)
            self.addAction(action)
            self._actions[name] = action
        if self._actions:
            next(iter(self._actions.values())).setChecked(True)
        self.group.triggered.connect(lambda a: self.tool_chosen.emit(a.data()))

    def names(self) -> list[str]:
        return list(self._actions)

    def tool_action(self, name: str) -> QAction:
        return self._actions[name]

    def current(self) -> str | None:
        checked = self.group.checkedAction()
        return checked.data() if checked is not None else None

    def set_current(self, name: str) -> None:
        """Show `name` as the current tool (e.g. after a key chose it), without emitting."""
        action = self._actions.get(name)
        if action is not None and not action.isChecked():
            action.setChecked(True)


def tool_bar(tools: Iterable[tuple], parent: QWidget | None = None, **options) -> ToolBar:
    """A ToolBar of `tools`: (name, key) or (name, key, label) each, in order."""
    return ToolBar(tools, parent, **options)
