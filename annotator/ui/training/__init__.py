"""Click-to-train in the window: the Model menu, the Train / Training curves / Previews /
Runs / Predictions docks, background training (trainer.fit in a QThread or a supervised
subprocess) and predicting, accepting predictions as undoable polygons.

Use: ``window.training = install_training(window)`` once the window is built, and
``window.training.shutdown()`` when it shuts down (closing the window also does it)."""

from __future__ import annotations

from .controller import TrainingController


def install_training(window, design: str | None = None) -> TrainingController:
    """Add training to an existing MainWindow (public attributes only); returns its controller."""
    from .worker import DEFAULT_DESIGN

    return TrainingController(window, design or DEFAULT_DESIGN)


__all__ = ["TrainingController", "install_training"]
