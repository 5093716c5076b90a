"""How the canvas shows annotations (View menu): class names on the canvas, fill
opacity, annotations hidden. Kept in QSettings between sessions."""

from __future__ import annotations

from dataclasses import dataclass

FILL_STEPS = (0, 10, 20, 30, 45, 60, 80)  # percent, the steps of More / Less fill ( ] / [ )
DEFAULT_FILL = 30


@dataclass(frozen=True)
class ViewOptions:
    show_labels: bool = True
    show_annotations: bool = True
    fill_opacity: int = DEFAULT_FILL  # percent
    only_class: str | None = None  # "show only this class" (the class panel's filter; not stored)

    # "Hide annotations" is not stored: a project that opens with no shapes drawn looks like lost work.
    KEYS = {"show_labels": "view/show_class_names", "fill_opacity": "view/fill_opacity"}

    @classmethod
    def load(cls, store) -> ViewOptions:
        labels = store.value(cls.KEYS["show_labels"], True)
        fill = store.value(cls.KEYS["fill_opacity"], DEFAULT_FILL)
        try:
            fill = min(max(int(fill), 0), 100)
        except (TypeError, ValueError):  # a hand-edited settings file
            fill = DEFAULT_FILL
        return cls(show_labels=labels not in (False, "false", "0", 0), fill_opacity=fill)

    def save(self, store) -> None:
        store.setValue(self.KEYS["show_labels"], self.show_labels)
        store.setValue(self.KEYS["fill_opacity"], self.fill_opacity)

    def shows(self, class_name: str | None) -> bool:
        """Whether a region of `class_name` is drawn."""
        return self.show_annotations and (self.only_class is None or class_name == self.only_class)

    def describe(self) -> str:
        if not self.show_annotations:
            return "Annotations hidden (H shows them)"
        if self.only_class is not None:
            return f"Showing only {self.only_class}"
        names = "class names shown" if self.show_labels else "class names hidden (N shows them)"
        return f"Fill opacity {self.fill_opacity}% · {names}"


def step_fill(current: int, direction: int) -> int:
    """The next fill step above (direction 1) or below (-1) `current`."""
    return next_step(FILL_STEPS, current, direction)


def next_step(steps: tuple, current, direction: int):
    """The next of the ascending `steps` above (direction 1) or below (-1) `current`, the last at the ends."""
    if direction > 0:
        return next((s for s in steps if s > current), steps[-1])
    return next((s for s in reversed(steps) if s < current), steps[0])
