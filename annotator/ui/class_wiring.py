"""The class panel's links to the rest of the window, in one call (`wire_class_panel`): the
Classes menu and the F1 list name the classes behind keys 1-9, the menu offers colour / move /
"show only this class", and that filter reaches the canvas and the image list. Regions with
several classes ticked bring the Classes panel forward (its bar offers the fix), and the training
pre-flight list, once shown, follows every change (a fixed problem leaves it)."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDockWidget

from ..app.preflight import preflight
from ..model import class_or_none

CLASS_KEYS = 9
CLASSES_MENU = "&Classes"


def _menu_text(name: str) -> str:
    return name.replace("&", "&&")  # a class named "R&D" shows as written, not as a mnemonic


def name_class_actions(actions, names: list[str]) -> None:
    """Keys 1-9 in the Classes menu (and so in the F1 list) say which class they give."""
    for i in range(1, CLASS_KEYS + 1):
        action = actions[f"class_{i}"]
        if i <= len(names):
            action.setText(_menu_text(names[i - 1]))
            tip = f"Give the selection (and the next shape) the class {names[i - 1]}"
        else:
            action.setText(f"Class {i} (none yet)")
            tip = f"No class {i} yet: add classes in the Classes panel"
        action.setToolTip(f"{tip} ({i})")
        action.setStatusTip(tip)


def show_only_class(window, name: str | None) -> None:
    """The canvas draws (and lets you pick) only regions of `name`; the image list keeps the
    images that have one. None shows everything again."""
    canvas = window.canvas
    options = replace(canvas.view_options(), only_class=name)
    canvas.set_view_options(options)
    if name is not None and window.project is not None and window.current_key is not None:
        image = window.project.image(window.current_key)
        kept = {r.id for r in image.regions if class_or_none(window.project, r) == name}
        canvas.select_regions([rid for rid in canvas.selected_region_ids() if rid in kept])
    window.image_list.set_class_filter(name)
    only = window.actions.actions.get("class_filter")
    if only is not None and only.isChecked() != (name is not None):
        only.blockSignals(True)
        only.setChecked(name is not None)
        only.blockSignals(False)
    window.status.showMessage(
        f"Showing only {name} (the filter button in Classes shows all)" if name else "All classes shown", 5000
    )


def _add_menu_actions(window) -> None:
    """Colour, move and "show only" in the Classes menu, before the keys 1-9."""
    panel, actions = window.class_panel, window.actions
    menu = actions.menus.get(CLASSES_MENU)
    if menu is None:
        return
    before = actions["class_1"]
    separator = next((a for a in menu.actions() if a.isSeparator()), before)
    for name, text, slot, checkable, icon in (
        ("class_colour", "Class &colour…", panel.recolour_class, False, "colour"),
        ("class_up", "Move class &up", panel.move_up, False, "up"),
        ("class_down", "Move class do&wn", panel.move_down, False, "down"),
        ("class_filter", "Show &only this class", panel.toggle_filter, True, "filter"),
    ):
        action = QAction(panel._icon(icon), text, window)
        action.setCheckable(checkable)
        action.triggered.connect(lambda _=False, s=slot: s())
        menu.insertAction(separator, action)
        actions.actions[name] = action


def report_several_classes(window, count: int) -> None:
    """Regions with several classes ticked (a file's, or made elsewhere): show the Classes panel,
    whose bar says so and offers the one-click fix."""
    if count == 0:
        return
    dock = window.findChild(QDockWidget, "Classes")
    if dock is not None:
        dock.show()
        dock.raise_()
    window.status.showMessage(f"{count} regions have several classes ticked: see the Classes panel", 8000)


def refresh_training_warnings(window) -> None:
    """The pre-flight list of the Train panel, once shown, is checked again after each change."""
    panel = getattr(getattr(window, "training", None), "panel", None)
    label = getattr(panel, "preflight", None)
    if panel is not None and label is not None and not label.isHidden() and window.project is not None:
        panel.show_issues(preflight(window.project))


def wire_class_panel(window) -> None:
    panel = window.class_panel
    _add_menu_actions(window)
    panel.classes_changed.connect(lambda names: name_class_actions(window.actions, names))
    panel.class_filter_changed.connect(lambda name: show_only_class(window, name))
    panel.several_changed.connect(lambda n: report_several_classes(window, n))
    panel.refreshed.connect(lambda: refresh_training_warnings(window))
    name_class_actions(window.actions, panel.names())
