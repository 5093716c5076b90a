"""Pre-labelling in the window: which model predicts (named; chosen by the user and stored in the
project, else the best run: annotator.app.model_choice), predicting the current or every
unlabelled image in the background, the overlay on the canvas, accepting predictions as
objects (one undo step each time) and opening the image the model is least sure about.

Every action says what it did on the panel (`say`), replacing the message before it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QFileDialog

from polymask_common.text import plural

from ...app import model_choice
from ...app.accept import accept_edit
from ...app.prediction_counts import batch_message, next_list_reason
from ...app.training_data import unlabelled_keys
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
        project_changed: Callable[[], None] | None = None,  # the stored model choice changed: save soon
    ):
        super().__init__(parent)
        self.host, self.canvas, self.panel, self.accept_action = host, canvas, panel, accept_action
        self.show_panel, self.status, self.colour_for = show_panel, status, colour_for
        self.project_changed = project_changed or (lambda: None)
        self.predictions = Predictions(self)
        self.in_use: model_choice.ModelInUse | None = None
        self._project: Project | None = None  # the project the predictions are for
        self._jump_when_predicted = False
        self._batch_keys: list[str] | None = None  # the unlabelled images of the last "Predict unlabelled"
        self._failures: list[str] = []
        p, preds = panel, self.predictions
        p.predict_button.clicked.connect(self.predict_current)
        p.predict_all_button.clicked.connect(self.predict_unlabelled)
        p.slider.valueChanged.connect(lambda v: preds.set_threshold(v / 100))
        p.slider.valueChanged.connect(self._threshold_moved)
        p.tolerance.valueChanged.connect(preds.set_tolerance)
        preds.threshold_suggested.connect(lambda t: p.slider.setValue(round(t * 100)))
        p.accept_all_button.clicked.connect(lambda: self.accept())
        p.accept_button.clicked.connect(lambda: self.accept(p.selected_indices()))
        p.next_list.itemDoubleClicked.connect(lambda item: self._open(item.data(Qt.ItemDataRole.UserRole)))
        p.model_menu.aboutToShow.connect(self._fill_model_menu)
        preds.changed.connect(self.refresh_overlay)
        preds.predicted.connect(self._on_predicted)
        preds.failed.connect(self._on_failed)
        preds.progress.connect(self._on_progress)
        preds.busy_changed.connect(self._predict_busy)
        canvas.image_changed.connect(lambda _key: self.refresh_overlay())

    def say(self, text: str, ms: int = 6000) -> None:
        """The panel's message (replacing the last one) and the status bar's."""
        self.panel.say(text)
        self.status(text, ms)

    # ---- the model ---------------------------------------------------------------------
    def refresh_model(self) -> model_choice.ModelInUse:
        """Name the model that pre-labels this project now, and predict with it."""
        project = self.host.project
        self.in_use = in_use = model_choice.model_in_use(project)
        option = in_use.option
        self.predictions.set_checkpoint(str(option.checkpoint) if option is not None else None)
        start = ""
        if option is not None:
            t = option.threshold
            start = (
                f"Min score starts at {t:.2f}: the run's best-F1 threshold on its validation images."
                if t is not None
                else "The run suggested no threshold: Min score starts at 0.50."
            )
        self.panel.show_model(in_use.describe(), f"{option.checkpoint}\n{start}" if option is not None else "")
        self.panel.slider.setToolTip(f"Show predictions scoring at least this much. {start}".strip())
        return in_use

    def use_checkpoint(self, path: str | Path | None) -> None:
        """The user's choice of model (a run's checkpoint or any .pth; None: the best run), stored in the project."""
        project = self.host.project
        if project is None:
            return
        model_choice.choose(project, path)
        self.project_changed()
        in_use = self.refresh_model()
        self.say(f"Pre-labelling with {in_use.option.label()}." if in_use.option else in_use.describe())
        self._update_next()

    def use_for_now(self, checkpoint: str) -> None:
        """A model for this session only, named but not stored as the user's choice: the live run's
        newest weights while Learn as I label runs (the stored choice or best run returns after)."""
        self.predictions.set_checkpoint(checkpoint)
        path = Path(checkpoint)
        self.panel.show_model(f"Model (learning now): run {path.parent.name} · {path.name}", checkpoint)

    def run_finished(self, checkpoint: str | None = None) -> None:
        """A run of this project ended: the best run may have changed (a stored choice stays)."""
        before = self.predictions.checkpoint
        in_use = self.refresh_model()
        same = in_use.option is not None and str(in_use.option.checkpoint) == before
        if same and checkpoint and before and Path(checkpoint).parent.resolve() == Path(before).parent.resolve():
            self.predictions.reload()  # the run went on in the same folder: its weights were rewritten
        if in_use.option is not None and not same:
            self.say(f"Pre-labelling now uses {in_use.option.label()}.")
        elif checkpoint and in_use.option is not None and Path(checkpoint) != in_use.option.checkpoint:
            self.say(f"Pre-labelling keeps {in_use.option.label()}; pick the new run with Model… to use it.")
        self._update_next()

    def _fill_model_menu(self) -> None:
        menu = self.panel.model_menu
        menu.clear()
        project = self.host.project
        stored = project.polymask.prediction_model if project is not None else None
        current = self.predictions.checkpoint
        group = QActionGroup(menu)
        default = model_choice.default_option(project)
        best = menu.addAction(f"The best run (automatic): {default.label()}" if default else "The best run (automatic)")
        best.setCheckable(True)
        best.setChecked(not stored)
        best.triggered.connect(lambda: self.use_checkpoint(None))
        group.addAction(best)
        menu.addSeparator()
        for option in model_choice.options(project):
            action = menu.addAction(option.label())
            action.setCheckable(True)
            action.setChecked(bool(stored) and str(option.checkpoint) == current)
            action.triggered.connect(lambda _=False, path=option.checkpoint: self.use_checkpoint(path))
            group.addAction(action)
        menu.addSeparator()
        menu.addAction("A checkpoint file…", self._pick_file)

    def _pick_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.panel, "Pre-label with a checkpoint", "", "Checkpoints (*.pth)")
        if path:
            self.use_checkpoint(path)

    def _checkpoint(self) -> str | None:
        """The checkpoint in use (looked up again when its file went away); None when there is none."""
        if not (self.predictions.checkpoint and Path(self.predictions.checkpoint).is_file()):
            self.refresh_model()
        return self.predictions.checkpoint

    def _follow_project(self) -> None:
        """Another project opened: its predictions start afresh, with its own model."""
        if self.host.project is not self._project:
            self._project = self.host.project
            self.predictions.set_checkpoint(None)
            self.predictions.results.clear()
            self._batch_keys = None
            self.panel.say("")
            self.refresh_model()
            self._update_next()

    # ---- predicting --------------------------------------------------------------------
    def _items(self, keys) -> list[tuple[str, str]]:
        project = self.host.project
        assert project is not None
        return [(k, str(project.image_path(project.image(k)))) for k in keys]

    def _no_model(self) -> None:
        why = self.in_use.describe() if self.in_use is not None and self.in_use.note else NO_MODEL
        self.say(f"Nothing predicted. {why}", 8000)

    def predict_current(self) -> bool:
        key = self.host.current_key
        if self.host.project is None or key is None:
            return False
        self._follow_project()
        if self._checkpoint() is None:
            self._no_model()
            return False
        self.show_panel()
        self._batch_keys, self._failures = None, []
        self.predictions.request(self._items([key]))
        self.say(f"Predicting {self.host.project.image(key).filename}…", 4000)
        return True

    def unlabelled_keys(self) -> list[str]:
        return unlabelled_keys(self.host.project)

    def predict_unlabelled(self) -> int:
        if self.host.project is None:
            return 0
        self._follow_project()
        if self._checkpoint() is None:
            self._no_model()
            return 0
        unlabelled = self.unlabelled_keys()
        keys = [k for k in unlabelled if k not in self.predictions.results]
        self.show_panel()
        self._batch_keys, self._failures = unlabelled, []
        n = self.predictions.request(self._items(keys))
        if n:
            self.say(f"Predicting {n} of {plural(len(unlabelled), 'unlabelled image')} in the background…", 5000)
        else:
            self.say(self._batch_text(), 8000)
            self._update_next()
        return n

    def _batch_text(self) -> str:
        keys = self._batch_keys if self._batch_keys is not None else self.unlabelled_keys()
        text = batch_message(self.predictions.results, keys, self.predictions.threshold)
        if self._failures:
            text += f" {len(self._failures)} could not be predicted: {self._failures[-1]}"
        return text

    def _threshold_moved(self) -> None:
        """The batch summary counts objects at the threshold: it follows the slider."""
        if self._batch_keys is not None and not self.predictions.busy():
            self.panel.say(self._batch_text())

    def _on_predicted(self, key: str) -> None:
        self._update_next()
        if self._batch_keys is None and key == self.host.current_key:  # "Predict this image" done
            counts = self.predictions.counts(key)
            listed = f"{plural(counts.shown, 'object')} at or above {counts.threshold:.2f}"
            self.say(f"{self.host.project.image(key).filename}: {listed}." if self.host.project else listed)

    def _on_failed(self, key: str, message: str) -> None:
        self._failures.append(message)
        self.say(f"Prediction failed: {message}", 10000)

    def _on_progress(self, done: int, total: int) -> None:
        if self._batch_keys is not None and done < total:
            self.say(f"Predicting unlabelled images: {done} of {total} done…", 4000)

    def _predict_busy(self, busy: bool) -> None:
        if busy:
            return
        if self._batch_keys is not None:
            self.say(self._batch_text(), 10000)
        self._update_next()
        if self._jump_when_predicted:
            self._jump_when_predicted = False
            self.next_uncertain()

    # ---- showing and accepting ---------------------------------------------------------
    def refresh_overlay(self) -> None:
        self._follow_project()
        key = self.host.current_key
        visible = self.predictions.visible(key)
        self.canvas.set_predictions(visible, self.colour_for)
        self.panel.show_instances(visible, self.predictions.counts(key) if key in self.predictions.results else None)
        self.accept_action.setEnabled(bool(visible))

    def _update_next(self) -> None:
        project = self.host.project
        if project is None:
            return
        unlabelled = self.unlabelled_keys()
        order = self.predictions.uncertainty_order(unlabelled)
        names = {im.key: im.filename for im in project.images}
        why = next_list_reason(
            self.predictions.checkpoint is not None, len(unlabelled), len(order), self.predictions.busy()
        )
        self.panel.show_next([(k, names.get(k, k), u) for k, u in order[:50]], why)

    def accept(self, indices: list[int] | None = None) -> int:
        """Add the current image's listed predictions (or those at `indices`) as objects, in ONE
        undo step; returns the number of objects added."""
        key, project = self.host.current_key, self.host.project
        if project is None or key is None:
            return 0
        visible = self.predictions.visible(key)
        chosen = visible if indices is None else [visible[i] for i in indices if 0 <= i < len(visible)]
        if not chosen:
            self.say("No predictions to accept on this image (lower Min score?).", 5000)
            return 0
        edit, ids = accept_edit(project, key, chosen)
        if edit is None:  # listed predictions always have an outline: kept for other callers' doubles
            self.say("The chosen predictions have no outline to turn into objects.", 5000)
            return 0
        self.host.push(edit)
        taken = {id(i) for i in chosen}
        self.predictions.results[key] = [i for i in self.predictions.results.get(key, []) if id(i) not in taken]
        self.refresh_overlay()
        self._update_next()
        n = len(ids)
        self.say(f"Added {plural(n, 'object')} to {project.image(key).filename} (Ctrl+Z undoes).")
        return n

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
