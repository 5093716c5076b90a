"""Click-to-train in the window: the Model menu, the Train / Training curves / Previews /
Runs / Pre-label docks, background training (trainer.fit in a QThread or a supervised
subprocess) and predicting, accepting predictions as undoable polygons.

Use: ``window.training = TrainingController(window, ...)`` once the window is built (its
arguments name what training uses of the window), and ``window.training.shutdown()`` when it
shuts down (closing the window also does it)."""

from __future__ import annotations

from .controller import TrainingController

__all__ = ["TrainingController"]
