"""The View menu's display options (class names N, hide annotations H, fill opacity ] / [):
actions -> the canvas' ViewOptions, kept in the window's settings store."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QObject

from .canvas.view_options import ViewOptions, step_fill


class ViewMenu(QObject):
    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.canvas = window.canvas
        self.store = window.recent.store  # the window's QSettings (a test's own file in tests)
        a = window.actions
        options = ViewOptions.load(self.store)
        self.canvas.set_view_options(options)
        a["show_labels"].setChecked(options.show_labels)
        a["hide_annotations"].setChecked(not options.show_annotations)
        a["show_labels"].toggled.connect(lambda on: self.set(show_labels=on))
        a["hide_annotations"].toggled.connect(lambda on: self.set(show_annotations=not on))
        a["fill_more"].triggered.connect(lambda: self.set(fill_opacity=step_fill(self.options().fill_opacity, 1)))
        a["fill_less"].triggered.connect(lambda: self.set(fill_opacity=step_fill(self.options().fill_opacity, -1)))

    def options(self) -> ViewOptions:
        return self.canvas.view_options()

    def set(self, **changes) -> None:
        options = replace(self.options(), **changes)
        self.canvas.set_view_options(options)
        options.save(self.store)
        self.window.status.showMessage(options.describe(), 4000)
