"""Pre-labelling in the window: which model predicts, predicting the current or every
unlabelled image in the background, the overlay on the canvas, accepting predictions as
polygons (one undo step each time) and opening the image the model is least sure about."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction

from ...app.accept import accept_edit
from ...app.training_data import unlabelled_keys
from ...app.training_runs import latest_checkpoint
from ...model import Project
from .host import PredictionCanvas, TrainingHost
from .predict_panel import PredictPanel
from .predictions import Predictions

NO_MODEL = "No model yet: train one first (Model ▸ Train…)."


class PredictionController(QObject):
    def __init__(
        self,
        host: TrainingHost,
        canvas: PredictionCanvas,
        panel: PredictPanel,
        accept_action: QAction,
        show_panel: Callable[[], None],
        status: Callable[[str, int], None],
        colour_for: Callable[[str | None], str],
        parent: QObject | None = None,
    ):
        super().__init__(parent)
        self.host, self.canvas, self.panel, self.accept_action = host, canvas, panel, accept_action
        self.show_panel, self.status, self.colour_for = show_panel, status, colour_for
        self.predictions = Predictions(self)
        self._project: Project | None = None  # the project the predictions are for
        self._jump_when_predicted = False
        p, preds = panel, self.predictions
        p.predict_button.clicked.connect(self.predict_current)
        p.predict_all_button.clicked.connect(self.predict_unlabelled)
        p.slider.valueChanged.connect(lambda v: preds.set_threshold(v / 100))
        p.tolerance.valueChanged.connect(preds.set_tolerance)
        preds.threshold_suggested.connect(lambda t: p.slider.setValue(round(t * 100)))
        p.accept_all_button.clicked.connect(lambda: self.accept())
        p.accept_button.clicked.connect(lambda: self.accept(p.selected_indices()))
        p.next_list.itemDoubleClicked.connect(lambda item: self._open(item.data(Qt.ItemDataRole.UserRole)))
        preds.changed.connect(self.refresh_overlay)
        preds.predicted.connect(lambda _key: self._update_next())
        preds.failed.connect(lambda key, msg: self.status(f"Prediction failed: {msg}", 10000))
        preds.progress.connect(lambda d, n: self.status(f"Predicted {d}/{n} image(s)", 4000))
        preds.busy_changed.connect(self._predict_busy)
        canvas.image_changed.connect(lambda _key: self.refresh_overlay())

    # ---- the model ---------------------------------------------------------------------
    def use_checkpoint(self, path: str | Path) -> None:
        self.predictions.set_checkpoint(str(path))
        self.panel.model_label.setText(f"Model: {Path(path).parent.name}/{Path(path).name}")

    def _checkpoint(self) -> str | None:
        """The checkpoint in use, else the newest run's (then in use); None when there is none."""
        if self.predictions.checkpoint and Path(self.predictions.checkpoint).is_file():
            return self.predictions.checkpoint
        path = latest_checkpoint(self.host.project)
        if path is not None:
            self.use_checkpoint(path)
        return self.predictions.checkpoint if path is not None else None

    def _follow_project(self) -> None:
        """Another project opened: its predictions and model start afresh."""
        if self.host.project is not self._project:
            self._project = self.host.project
            self.predictions.set_checkpoint(None)
            self.predictions.results.clear()

    # ---- predicting --------------------------------------------------------------------
    def _items(self, keys) -> list[tuple[str, str]]:
        project = self.host.project
        assert project is not None
        return [(k, str(project.image_path(project.image(k)))) for k in keys]

    def predict_current(self) -> bool:
        key = self.host.current_key
        if self.host.project is None or key is None:
            return False
        if self._checkpoint() is None:
            self.status(NO_MODEL, 8000)
            return False
        self.show_panel()
        self.predictions.request(self._items([key]))
        self.status("Predicting this image…", 4000)
        return True

    def unlabelled_keys(self) -> list[str]:
        return unlabelled_keys(self.host.project)

    def predict_unlabelled(self) -> int:
        if self.host.project is None:
            return 0
        if self._checkpoint() is None:
            self.status(NO_MODEL, 8000)
            return 0
        keys = [k for k in self.unlabelled_keys() if k not in self.predictions.results]
        self.show_panel()
        n = self.predictions.request(self._items(keys))
        self.status(
            f"Predicting {n} unlabelled image(s) in the background…"
            if n
            else "Every unlabelled image has predictions already.",
            5000,
        )
        if not n:
            self._update_next()
        return n

    def _predict_busy(self, busy: bool) -> None:
        if not busy:
            self._update_next()
            if self._jump_when_predicted:
                self._jump_when_predicted = False
                self.next_uncertain()

    # ---- showing and accepting ---------------------------------------------------------
    def refresh_overlay(self) -> None:
        self._follow_project()
        visible = self.predictions.visible(self.host.current_key)
        self.canvas.set_predictions(visible, self.colour_for)
        key = self.host.current_key
        found = self.predictions.results.get(key) if key is not None else None
        self.panel.show_instances(visible, None if found is None else len(found), self.predictions.threshold)
        self.accept_action.setEnabled(bool(visible))

    def _update_next(self) -> None:
        project = self.host.project
        if project is None:
            return
        order = self.predictions.uncertainty_order(self.unlabelled_keys())
        names = {im.key: im.filename for im in project.images}
        self.panel.show_next([(k, names.get(k, k), u) for k, u in order[:50]])

    def accept(self, indices: list[int] | None = None) -> int:
        """Add the current image's visible predictions (or those at `indices`) as polygons, in ONE undo step."""
        key, project = self.host.current_key, self.host.project
        if project is None or key is None:
            return 0
        visible = self.predictions.visible(key)
        chosen = visible if indices is None else [visible[i] for i in indices if 0 <= i < len(visible)]
        if not chosen:
            self.status("No predictions to accept on this image (lower the score slider?).", 5000)
            return 0
        edit, ids = accept_edit(project, key, chosen)
        if edit is None:
            self.status("The chosen predictions have no outline to turn into polygons.", 5000)
            return 0
        self.host.push(edit)
        taken = {id(i) for i in chosen}
        self.predictions.results[key] = [i for i in self.predictions.results.get(key, []) if id(i) not in taken]
        self.refresh_overlay()
        self._update_next()
        self.status(f"Accepted {len(chosen)} prediction(s) as {len(ids)} polygon(s) (Ctrl+Z undoes).", 6000)
        return len(ids)

    def next_uncertain(self) -> str | None:
        order = [k for k, _ in self.predictions.uncertainty_order(self.unlabelled_keys()) if k != self.host.current_key]
        if not order:
            if self.predictions.busy() or self.predict_unlabelled():
                self._jump_when_predicted = True
            return None
        self._open(order[0])
        return order[0]

    def _open(self, key: str | None) -> None:
        if key:
            self.host.show_image(key)

    def shutdown(self) -> None:
        self.predictions.shutdown(60000)
