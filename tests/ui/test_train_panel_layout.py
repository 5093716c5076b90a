"""The train panel in a narrow dock: every field stays inside the visible width (a wide row
wraps under its label instead of being clipped on the right)."""

from __future__ import annotations

from PySide6.QtWidgets import QScrollArea, QWidget

from annotator.ui.training.train_panel import TrainPanel


def test_every_field_is_inside_a_narrow_dock(qtbot):
    panel = TrainPanel()
    qtbot.addWidget(panel)
    panel.resize(280, 700)  # about the right dock's width next to the canvas
    panel.show()
    qtbot.waitExposed(panel)
    scroll = panel.findChild(QScrollArea)
    body = scroll.widget()
    # the scroll area settles its scroll bar after the first layout (a theme's fonts: a pass or two)
    qtbot.waitUntil(lambda: body.width() <= scroll.viewport().width())
    visible = scroll.viewport().width()
    shown = [w for w in body.findChildren(QWidget) if w.isVisibleTo(body) and w.parentWidget() is body]
    assert panel.hint in shown and panel.val_source.parentWidget() in shown
    for w in shown:
        right = w.mapTo(body, w.rect().topRight()).x()
        assert right < visible, f"{type(w).__name__} {getattr(w, 'text', lambda: '')()!r} ends at {right} > {visible}"
